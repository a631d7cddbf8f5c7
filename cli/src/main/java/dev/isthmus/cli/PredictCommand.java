package dev.isthmus.cli;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.tokenizer.ModelTokenizer;
import dev.isthmus.formats.tokenizer.TextBatch;
import dev.isthmus.formats.tokenizer.TokenizerInputException;
import dev.isthmus.formats.image.ImageInput;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.sequence.SequenceFiles;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code isthmus predict}: files in, one label per file out. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Label inputs (images, sequences, text) with a classifier.", "",
                "Images go to models with an image input (declared in the spec), text (--text, text files or lines of stdin) "
                        + "to models with a tokenizer.json, .npy/.csv sequences (rows = time steps) "
                        + "to other models. Prints one line per input, in input order: the file, the top label and its "
                        + "probability (softmax of the logits, unless the model ends in Softmax).",
                "Directories are walked; a file that can't be read or decoded is reported on stderr and the others go on; "
                        + "the exit code is then 1. Images declaring more than 25 megapixels are refused from their header "
                        + "(-Disthmus.image.maxPixels=N through ISTHMUS_JAVA_OPTS changes it).", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus predict examples/mnist examples/mnist/digits",
                "  isthmus predict examples/mnist 'photos/**.png' --top-k 3",
                "  isthmus predict examples/mnist examples/mnist/digits --json > labels.jsonl",
                "  isthmus predict examples/gru examples/gru/sequences/sine_09.csv"})
final class PredictCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model: .safetensors with its spec, or a model directory.")
    Path model;

    @Parameters(index = "1..*", paramLabel = "FILE|DIR|GLOB", arity = "0..*",
            description = "Inputs: files, directories (walked recursively) or glob patterns (quote them). For text models: "
                    + "text files (one input each), or - for one input per line of standard input (the default when no "
                    + "input and no --text is given).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to classify (text models: a directory with tokenizer.json). Repeatable.")
    List<String> texts = new ArrayList<>();

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "1", description = "Show the K best labels (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--json", description = "One JSON object per line: file, label, score, top [{label, score}].")
    boolean json;

    @Option(names = {"-b", "--batch"}, paramLabel = "B", defaultValue = "32", description = "Inputs per model run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    ComputeOptions compute;

    /** One input and what became of it. */
    private static final class Item {
        final Path file;
        final String source; // how the input is named in the output
        String text;
        float[] data;
        long[] shape;
        long[] tokens; // token ids, for text
        String error;
        float[] probs;

        Item(Path file) {
            this.file = file;
            this.source = file.toString();
        }

        Item(String source, String text) {
            this.file = null;
            this.source = source;
            this.text = text;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (topK < 1) throw new UsageException("--top-k must be ≥ 1");
        if (batch < 1) throw new UsageException("--batch must be ≥ 1");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int nThreads = compute.threads();
        long t0 = System.nanoTime();
        try (Model m = compute.load(model, err, verbosity.verbose)) {
            long t1 = System.nanoTime();
            if (m.inputs().size() != 1 && m.inputs().stream().noneMatch(i -> i.name().equals("input_ids"))) {
                throw new IsthmusException(model + ": predict needs a model with one input; this one has " + m.inputs().size()
                        + " (use 'isthmus run' with .npy tensors)");
            }
            if (m.inputs().stream().anyMatch(i -> i.name().equals("input_ids"))) {
                ModelTokenizer tok = ModelTokenizer.near(model);
                if (tok == null) {
                    throw new IsthmusException(model + ": a text model needs " + ModelTokenizer.FILE + " in its directory");
                }
                return predictText(m, tok, out, err);
            }
            if (!texts.isEmpty()) throw new UsageException("--text needs a text model (a directory with tokenizer.json)");
            if (inputs.isEmpty()) throw new UsageException("no input files given");
            InputSpec in = m.inputs().get(0);
            Decoder decoder = decoderFor(m, in);
            List<Path> files = FileArgs.expand(inputs, decoder.extensions());
            if (files.isEmpty()) throw new UsageException("no input files found in " + inputs);
            List<String> labels = m.labels();
            boolean endsInSoftmax = m.outputOp(0).equalsIgnoreCase("softmax");
            Progress progress = new Progress(err, files.size(), !json && Terminal.stderrIsTerminal() && files.size() >= 50);
            int failed = 0;
            long inferNanos = 0;
            int decoderThreads = Math.min(nThreads, 4);
            // decoded at most a batch and a few per decoder ahead of the model: memory bounded by the batch, not the folder
            try (DecodeWindow<Path, Item> decoded = new DecodeWindow<>(files, f -> decodeOne(decoder, f, err), decoderThreads,
                    batch + 2 * decoderThreads)) {
                while (decoded.hasNext()) {
                    List<Item> group = new ArrayList<>();
                    int ok = 0;
                    // gather up to `batch` decoded items of one shape; failed items pass through
                    while (decoded.hasNext() && ok < batch) {
                        Item it = decoded.peek();
                        Item firstOk = group.stream().filter(i -> i.error == null).findFirst().orElse(null);
                        if (it.error == null && firstOk != null && !java.util.Arrays.equals(firstOk.shape, it.shape)) break;
                        group.add(decoded.take());
                        if (it.error == null) ok++;
                    }
                    long r0 = System.nanoTime();
                    runBatch(m, in, group, endsInSoftmax);
                    inferNanos += System.nanoTime() - r0;
                    for (Item it : group) {
                        progress.clear();
                        if (!emit(it, labels, out, err)) failed++;
                        progress.advance();
                        it.data = null; // printed: its pixels need not wait for the rest of the group
                    }
                    out.flush();
                }
            } finally {
                progress.done();
            }
            if (verbosity.verbose) {
                err.printf("isthmus: load %.1f ms, decode and run %.1f ms (inference %.1f ms)%n", (t1 - t0) / 1e6,
                        (System.nanoTime() - t1) / 1e6, inferNanos / 1e6);
                Terminal.message(err, MemoryReport.describe(m, -1));
            }
            return summary(failed, files.size(), err);
        }
    }

    /** Decodes one input; a failure to read or decode it is that input's error, and the others go on. */
    private Item decodeOne(Decoder decoder, Path f, PrintWriter err) {
        Item it = new Item(f);
        try {
            decoder.decode(it, verbosity.verbose ? note -> {
                synchronized (err) {
                    Terminal.message(err, note);
                }
            } : null);
        } catch (IsthmusException | java.io.UncheckedIOException e) {
            it.error = e.getMessage();
        }
        return it;
    }

    private static int summary(int failed, int total, PrintWriter err) {
        if (failed == 0) return 0;
        Terminal.message(err, failed + " of " + total + " input" + (total == 1 ? "" : "s") + " failed; " + (total - failed) + " predicted");
        return Main.EXIT_DATA;
    }

    /** Prints one result line (or its error); false when the input failed. */
    private boolean emit(Item it, List<String> labels, PrintWriter out, PrintWriter err) {
        if (it.error != null) {
            Terminal.message(err, it.error);
            return false;
        }
        out.println(json ? jsonLine(it, labels) : textLine(it, labels));
        return true;
    }

    /** Text models: --text values, text files, or lines of standard input → input_ids and attention_mask. */
    private int predictText(Model m, ModelTokenizer tok, PrintWriter out, PrintWriter err) throws java.io.IOException {
        List<Item> items = new ArrayList<>();
        for (TextInputs.Text t : TextInputs.read(texts, inputs)) {
            Item it = t.file() != null ? new Item(t.file()) : new Item(t.source(), t.text());
            it.text = t.text();
            it.error = t.error();
            items.add(it);
        }
        for (Item it : items) {
            if (it.error != null) continue;
            try {
                it.tokens = tok.ids(it.text);
            } catch (TokenizerInputException e) {
                it.error = it.source + ": " + e.getMessage();
            }
        }
        List<String> labels = m.labels();
        int failed = 0;
        for (int start = 0; start < items.size(); start += batch) {
            List<Item> group = items.subList(start, Math.min(items.size(), start + batch));
            runTextBatch(m, tok, group);
            for (Item it : group) if (!emit(it, labels, out, err)) failed++;
            out.flush();
        }
        return summary(failed, items.size(), err);
    }

    /** One batch of tokenized texts through the model; an input the model refuses (an id out of range) fails the batch's texts. */
    private void runTextBatch(Model m, ModelTokenizer tok, List<Item> group) {
        List<Item> ok = group.stream().filter(i -> i.error == null).toList();
        if (ok.isEmpty()) return;
        Map<String, Tensor> feed = TextBatch.feed(m.inputs(), ok.stream().map(i -> i.tokens).toList(), tok.padId());
        Tensor logits;
        try {
            logits = m.run(feed).values().iterator().next();
        } catch (InvalidInputException e) {
            for (Item it : ok) it.error = it.source + ": " + e.getMessage();
            return;
        }
        if (logits.rank() != 2 || logits.dim(0) != ok.size()) {
            throw new IsthmusException(model + ": predict needs an output of shape [batch, classes]; this model gives "
                    + Shape.toString(logits.shape()) + " (a base model without a classification head?)");
        }
        int classes = (int) logits.dim(1);
        float[] all = logits.toFloatArray();
        for (int i = 0; i < ok.size(); i++) ok.get(i).probs = softmax(java.util.Arrays.copyOfRange(all, i * classes, (i + 1) * classes));
    }

    private void runBatch(Model m, InputSpec in, List<Item> group, boolean endsInSoftmax) {
        List<Item> ok = group.stream().filter(i -> i.error == null).toList();
        if (ok.isEmpty()) return;
        int per = ok.get(0).data.length;
        float[] data = new float[per * ok.size()];
        for (int i = 0; i < ok.size(); i++) System.arraycopy(ok.get(i).data, 0, data, i * per, per);
        long[] shape = new long[ok.get(0).shape.length + 1];
        shape[0] = ok.size();
        System.arraycopy(ok.get(0).shape, 0, shape, 1, ok.get(0).shape.length);
        Tensor t = Tensor.ofFloats(data, shape);
        Tensor logits;
        try {
            logits = m.run(Map.of(in.name(), t)).values().iterator().next();
        } catch (IsthmusException e) {
            for (Item it : ok) it.error = it.file + ": " + e.getMessage();
            return;
        }
        if (logits.rank() != 2 || logits.dim(0) != ok.size()) {
            throw new IsthmusException(model + ": predict needs an output of shape [batch, classes]; this model gives "
                    + Shape.toString(logits.shape()));
        }
        int classes = (int) logits.dim(1);
        float[] all = logits.toFloatArray();
        for (int i = 0; i < ok.size(); i++) {
            float[] row = java.util.Arrays.copyOfRange(all, i * classes, (i + 1) * classes);
            ok.get(i).probs = endsInSoftmax ? row : softmax(row);
        }
    }

    static float[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) sum += e[i] = Math.exp(x[i] - max);
        float[] p = new float[x.length];
        for (int i = 0; i < x.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    private int[] top(float[] p) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(p[b], p[a]) != 0 ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        int k = Math.min(topK, p.length);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }

    private static String label(List<String> labels, int i) {
        return i < labels.size() ? labels.get(i) : Integer.toString(i);
    }

    private String textLine(Item it, List<String> labels) {
        StringBuilder b = new StringBuilder(Terminal.printable(it.file != null ? it.source : quoteShort(it.text)));
        for (int i : top(it.probs)) {
            b.append("  ").append(Terminal.printable(label(labels, i))).append(String.format(Locale.ROOT, " (%.1f%%)", it.probs[i] * 100));
        }
        return b.toString();
    }

    private String jsonLine(Item it, List<String> labels) {
        int[] t = top(it.probs);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", it.source);
        if (it.text != null) o.put("text", it.text);
        o.put("label", label(labels, t[0]));
        o.put("score", (double) it.probs[t[0]]);
        List<Object> topList = new ArrayList<>();
        for (int i : t) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("label", label(labels, i));
            e.put("score", (double) it.probs[i]);
            topList.add(e);
        }
        o.put("top", topList);
        return Json.write(o);
    }

    private static String quoteShort(String t) {
        String one = t.strip().replaceAll("\\s+", " ");
        return "\"" + (one.length() > 60 ? one.substring(0, 57) + "..." : one) + "\"";
    }

    /** Turns one file into the model input of one example. */
    private interface Decoder {
        void decode(Item it, java.util.function.Consumer<String> notes);

        /** File extensions picked up when walking directories. */
        List<String> extensions();
    }

    private Decoder decoderFor(Model m, InputSpec in) {
        if (ImageInput.isImage(in)) {
            ImageInput img = ImageInput.of(in, m.source());
            return new Decoder() {
                @Override
                public void decode(Item it, java.util.function.Consumer<String> notes) {
                    float[] d = new float[img.size()];
                    img.load(it.file, d, 0, notes);
                    it.data = d;
                    it.shape = img.shape();
                }

                @Override
                public List<String> extensions() {
                    return List.of("png", "jpg", "jpeg", "bmp", "gif");
                }
            };
        }
        long[] s = in.shape();
        if (s.length == 3 && in.dtype().isFloating()) {
            boolean batchFirst = isBatchFirst(m);
            long features = s[2];
            return new Decoder() {
                @Override
                public void decode(Item it, java.util.function.Consumer<String> notes) {
                    Tensor t = SequenceFiles.read(it.file, features);
                    it.data = t.readFloats(); // only read: no copy of a heap array
                    it.shape = t.shape();
                    if (!batchFirst) throw new IsthmusException(it.file + ": predict feeds sequences batch-first; this model reads (seq, batch, features)");
                }

                @Override
                public List<String> extensions() {
                    return List.of("npy", "csv");
                }
            };
        }
        throw new IsthmusException(m.source() + ": predict needs an image input (an \"image\" object in the spec) or a sequence input"
                + " of shape (batch, steps, features); this model's input is " + in + ". Use 'isthmus run' with .npy tensors.");
    }

    /** True unless the first recurrent or Transformer node reads (seq, batch, features). */
    private static boolean isBatchFirst(Model m) {
        for (NodeSpec n : m.spec().nodes()) {
            boolean rnn = n.op().equals("GRU") || n.op().equals("LSTM") || n.op().equals("RNN");
            if (!rnn && !n.op().startsWith("TransformerEncoder")) continue;
            Object bf = n.args().get("batch_first");
            if (n.op().equals("TransformerEncoder") && n.args().get("encoder_layer") instanceof Map<?, ?> el) bf = el.get("batch_first");
            return Boolean.TRUE.equals(bf);
        }
        return true;
    }
}
