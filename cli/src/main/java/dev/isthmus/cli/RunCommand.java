package dev.isthmus.cli;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.npy.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code isthmus run}: npy tensors in, npy tensors out. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a model on .npy tensors and write its outputs as .npy files.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus run model.safetensors -i input.npy -o logits.npy",
                "  isthmus run bert/ -i input_ids=ids.npy -i attention_mask=mask.npy -o out.npy",
                "  isthmus run gru.safetensors -i x=seq.npy -o logits.npy -o h_n.npy",
                "",
                "",
                "Inputs without NAME= are given to the model's inputs in order. Without -o, each output's shape and "
                        + "first values are printed instead."})
final class RunCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A .safetensors model (spec in its metadata) or a model directory.")
    Path model;

    @Option(names = {"-i", "--input"}, paramLabel = "[NAME=]FILE.npy", required = true,
            description = "An input tensor. Repeat for several inputs.")
    List<String> inputs = new ArrayList<>();

    @Mixin
    ComputeOptions compute;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.npy", description = "Where to write an output, one per output in order.")
    List<Path> outputs = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        try (Model m = compute.load(model, err, verbosity.verbose)) {
            if (outputs.size() > m.outputNames().size()) {
                throw new UsageException(outputs.size() + " -o given, the model has " + m.outputNames().size() + " output(s): "
                        + m.outputNames());
            }
            Map<String, Tensor> feed = readInputs(m, inputs);
            long t1 = System.nanoTime();
            // a session of its own, so --verbose can tell the plan's size; results are read before it closes
            try (Session session = m.newSession()) {
                Map<String, Tensor> res = session.run(feed);
                long t2 = System.nanoTime();
                int k = 0;
                for (Map.Entry<String, Tensor> e : res.entrySet()) {
                    if (k < outputs.size()) {
                        Npy.write(outputs.get(k), e.getValue());
                        if (verbosity.verbose) Terminal.message(err, "wrote " + e.getKey() + " " + e.getValue() + " to " + outputs.get(k));
                    } else if (outputs.isEmpty()) {
                        out.println(Terminal.printable(e.getKey()) + ": " + e.getValue().dtype() + " " + Shape.toString(e.getValue().shape()) + " " + preview(e.getValue()));
                    }
                    k++;
                }
                if (verbosity.verbose) {
                    err.printf("isthmus: load %.1f ms, run %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
                    Terminal.message(err, MemoryReport.describe(m, session.planBytes()));
                }
            }
        }
        return 0;
    }

    /** Reads {@code [NAME=]FILE.npy} arguments, matching unnamed ones to the model's inputs in order. */
    static Map<String, Tensor> readInputs(Model m, List<String> args) {
        Map<String, Tensor> feed = new LinkedHashMap<>();
        List<InputSpec> declared = m.inputs();
        int next = 0;
        for (String a : args) {
            int eq = a.indexOf('=');
            String name;
            String file;
            if (eq > 0 && !a.substring(0, eq).contains("/")) {
                name = a.substring(0, eq);
                file = a.substring(eq + 1);
                if (declared.stream().noneMatch(d -> d.name().equals(name))) {
                    throw new UsageException("the model has no input '" + name + "'; its inputs are "
                            + declared.stream().map(InputSpec::name).toList());
                }
            } else {
                while (next < declared.size() && feed.containsKey(declared.get(next).name())) next++;
                if (next >= declared.size()) throw new UsageException("more inputs given than the model has (" + declared.size() + ")");
                name = declared.get(next++).name();
                file = a;
            }
            // Path.of("") is the working directory: an empty name was read as a directory
            if (file.isEmpty()) throw new UsageException("-i " + (a.isEmpty() ? "''" : a) + ": empty path (give a .npy file)");
            if (feed.containsKey(name)) throw new UsageException("input '" + name + "' given twice");
            feed.put(name, Npy.read(Path.of(file), null));
        }
        return feed;
    }

    static String preview(Tensor t) {
        StringBuilder b = new StringBuilder("[");
        long n = Math.min(t.numel(), 8);
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(", ");
            b.append(String.format(java.util.Locale.ROOT, "%.6g", t.getFloat(i)));
        }
        if (t.numel() > n) b.append(", ...");
        return b.append(']').toString();
    }
}
