package dev.isthmus.cli;

import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.quant.Quantizer;
import dev.isthmus.formats.safetensors.SafetensorsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code isthmus inspect}: what a safetensors file, model directory or npy file holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what a model or tensor file holds.", "",
                "Prints each tensor's name, dtype, shape and bytes, the metadata, the spec's nodes, and the graph after "
                        + "fusion with the shape each node produces. The file is fully validated; a malformed one is reported in one "
                        + "line with exit code 1.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus inspect examples/mnist/model.safetensors", "  isthmus inspect my-model/", "  isthmus inspect input.npy"})
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "FILE", description = "A .safetensors file, a model directory, or a .npy file.")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (file.getFileName() != null && file.getFileName().toString().endsWith(".npy")) {
            Tensor t = Npy.read(file, null);
            line(out, file + ": npy, " + t.dtype() + " " + Shape.toString(t.shape()) + ", " + t.byteSize() + " bytes");
            line(out, "  values " + RunCommand.preview(t));
            return 0;
        }
        ModelLoader.Location loc = ModelLoader.locate(file);
        try (SafetensorsFile st = ModelLoader.openWeights(loc.weights())) {
            out.printf("%s: safetensors, %d tensors, %s (header %d bytes)%n", Terminal.printable(loc.weights().toString()), st.names().size(),
                    Bytes.human(st.fileSize()), st.headerSize());
            int w = Math.max(4, st.names().stream().mapToInt(String::length).max().orElse(4));
            out.printf("  %-" + w + "s  %-5s  %-18s  %s%n", "name", "dtype", "shape", "bytes");
            long total = 0;
            java.util.Set<String> names = new java.util.HashSet<>(st.names());
            for (String n : st.names()) {
                Tensor t = st.tensor(n);
                total += t.byteSize();
                out.printf("  %-" + w + "s  %-5s  %-18s  %d%s%n", Terminal.printable(n), t.dtype(), Shape.toString(t.shape()), t.byteSize(),
                        Terminal.printable(quantNote(n, t, names)));
            }
            out.printf("  total %s in tensors%n", Bytes.human(total));
            Map<String, String> meta = st.metadata();
            if (!meta.isEmpty()) {
                line(out, "metadata:");
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    String v = e.getValue();
                    if (e.getKey().equals(ModelLoader.SPEC_KEY)) v = "(the model spec, " + v.length() + " characters; summarised below)";
                    else if (v.length() > 120) v = v.substring(0, 117) + "...";
                    line(out, "  " + e.getKey() + ": " + v);
                }
            }
            if (loc.specFile() == null && !meta.containsKey(ModelLoader.SPEC_KEY)) {
                line(out, "no isthmus spec: plain weights (runnable once a spec is added)");
                return 0;
            }
            ModelSpec ms = ModelLoader.readSpec(loc, st);
            line(out, "spec " + ms.format() + (loc.specFile() != null ? " (" + loc.specFile() + ")" : " (metadata " + ModelLoader.SPEC_KEY + ")") + ":");
            if (ms.extras().get(Quantizer.SPEC_KEY) instanceof Map<?, ?> q) {
                Object ts = q.get("tensors");
                line(out, "  quantized: " + q.get("dtype") + " (" + q.get("scheme") + "), "
                        + (ts instanceof List<?> l ? l.size() + " tensors" : "tensors not listed"));
            }
            for (InputSpec in : ms.inputs()) {
                line(out, "  input  " + in.name() + ": " + in.dtype() + " " + Shape.toString(in.shape())
                        + (in.extras().isEmpty() ? "" : "  " + Json.write(in.extras())));
            }
            Model m;
            try {
                m = Model.build(ms, ModelLoader.weights(loc, st), null, 1);
            } catch (ModelSpecException e) {
                for (var n : ms.nodes()) line(out, "  " + nodeLine(n));
                throw e;
            }
            line(out, "graph after fusion (" + m.nodes().size() + " nodes from " + ms.nodes().size() + "):");
            for (Model.NodeInfo n : m.nodes()) {
                String shapes = n.outputShapes().stream().map(Shape::toString).collect(Collectors.joining(", "));
                String op = n.label().endsWith("(" + n.op() + ")") ? "" : " = " + n.op();
                line(out, "  " + n.label() + op + (n.summary().isEmpty() ? "" : " [" + n.summary() + "]") + " -> " + shapes
                        + (n.absorbed().isEmpty() ? "" : "   (absorbed: " + String.join(", ", n.absorbed()) + ")"));
            }
            m.outputShapes().forEach((k, v) -> line(out, "  output " + k + ": " + (v == null ? "?" : Shape.toString(v))));
            if (!m.labels().isEmpty()) {
                List<String> l = m.labels();
                line(out, "  labels (" + l.size() + "): " + String.join(", ", l.size() > 12 ? l.subList(0, 12) : l)
                        + (l.size() > 12 ? ", ..." : ""));
            }
            line(out, "  weights: " + Bytes.human(st.fileSize()) + " mapped (" + Bytes.human(m.weightBytes()) + " used by the nodes), "
                    + Bytes.human(m.heldBytes()) + " held by the layers (converted copies and packed panels; a convolution whose path is picked per call packs a form when a call first takes it, "
                    + "and a GRU its oneDNN form when a batch first takes it)");
            line(out, "  plan: " + planLine(m));
        }
        return 0;
    }

    /**
     * What a tensor is in a quantized file: the I8 values and their {@code _scale}s say so (the values are q, the
     * weights q·scale); a BF16 tensor is named by its dtype already.
     */
    private static String quantNote(String name, Tensor t, java.util.Set<String> names) {
        String sfx = dev.isthmus.engine.ir.Weights.SCALE_SUFFIX;
        if (t.dtype() == dev.isthmus.engine.tensor.DType.I8 && names.contains(name + sfx)) {
            return "  int8 values, weight = q·" + name + sfx + "[row]";
        }
        if (name.endsWith(sfx) && names.contains(name.substring(0, name.length() - sfx.length()))) {
            return "  per-row scales of " + name.substring(0, name.length() - sfx.length());
        }
        return "";
    }

    /** One line of the report, escaped: names in a spec (inputs, nodes, outputs) and file names come from strangers. */
    private static void line(PrintWriter out, String text) {
        out.println(Terminal.printable(text));
    }

    /** The plan's size for the declared input shapes with every free dimension 1 (zeros in; nothing is run). */
    private static String planLine(Model m) {
        Map<String, Tensor> in = new java.util.LinkedHashMap<>();
        List<String> shapes = new java.util.ArrayList<>();
        for (InputSpec i : m.inputs()) {
            long[] s = i.shape().clone();
            long n = 1;
            for (int d = 0; d < s.length; d++) {
                if (s[d] < 0) s[d] = 1;
                n *= s[d];
            }
            if (n > 1L << 28) return "not computed (an input of " + n + " values)";
            in.put(i.name(), i.dtype().isFloating() ? Tensor.ofFloats(new float[(int) n], s) : Tensor.ofLongs(new long[(int) n], s));
            shapes.add(i.name() + " " + Shape.toString(s));
        }
        try {
            return Bytes.human(m.planBytes(in)) + " for " + String.join(", ", shapes)
                    + " (free dimensions 1): every intermediate value, buffers shared by liveness, and the nodes' scratch; one per input shape and session";
        } catch (RuntimeException e) {
            return "not computed for " + String.join(", ", shapes) + " (" + e.getMessage() + ")";
        }
    }

    private static String nodeLine(dev.isthmus.engine.spec.NodeSpec n) {
        String args = n.args().entrySet().stream().map(e -> e.getKey() + "=" + Json.write(e.getValue())).collect(Collectors.joining(", "));
        return String.format("%3d %-12s %s(%s)", n.index(), n.name() == null ? "" : n.name(), n.op(), args);
    }
}
