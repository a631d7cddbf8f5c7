package dev.isthmus.cli;

import dev.isthmus.Classifier;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.formats.json.Json;
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
import java.util.function.Consumer;

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
            Classifier classifier = Classifier.of(m, model, false);
            if (classifier.kind() == Classifier.Kind.TEXT) return predictText(classifier, out, err);
            if (!texts.isEmpty()) throw new UsageException("--text needs a text model (a directory with tokenizer.json)");
            if (inputs.isEmpty()) throw new UsageException("no input files given");
            List<Path> files = FileArgs.expand(inputs, classifier.extensions());
            if (files.isEmpty()) throw new UsageException("no input files found in " + inputs);
            Progress progress = new Progress(err, files.size(), !json && Terminal.stderrIsTerminal() && files.size() >= 50);
            int failed = 0;
            long inferNanos = 0;
            int decoderThreads = Math.min(nThreads, 4);
            Consumer<String> notes = verbosity.verbose ? note -> {
                synchronized (err) {
                    Terminal.message(err, note);
                }
            } : null;
            // decoded at most a batch and a few per decoder ahead of the model: memory bounded by the batch, not the folder
            try (DecodeWindow<Path, Classifier.Input> decoded = new DecodeWindow<>(files, f -> classifier.file(f, notes),
                    decoderThreads, batch + 2 * decoderThreads)) {
                while (decoded.hasNext()) {
                    List<Classifier.Input> group = new ArrayList<>();
                    for (int ok = 0; decoded.hasNext() && ok < batch; ) {
                        Classifier.Input it = decoded.take();
                        group.add(it);
                        if (it.error() == null) ok++;
                    }
                    long r0 = System.nanoTime();
                    List<Classifier.Prediction> results = classifier.classify(group, topK);
                    inferNanos += System.nanoTime() - r0;
                    group.clear(); // classified: the pixels need not wait for the output
                    for (Classifier.Prediction p : results) {
                        progress.clear();
                        if (!emit(p, out, err)) failed++;
                        progress.advance();
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

    private static int summary(int failed, int total, PrintWriter err) {
        if (failed == 0) return 0;
        Terminal.message(err, failed + " of " + total + " input" + (total == 1 ? "" : "s") + " failed; " + (total - failed) + " predicted");
        return Main.EXIT_DATA;
    }

    /** Prints one result line (or its error); false when the input failed. */
    private boolean emit(Classifier.Prediction p, PrintWriter out, PrintWriter err) {
        if (p.error() != null) {
            Terminal.message(err, p.error());
            return false;
        }
        out.println(json ? jsonLine(p) : textLine(p));
        return true;
    }

    /** Text models: --text values, text files, or lines of standard input. */
    private int predictText(Classifier classifier, PrintWriter out, PrintWriter err) throws java.io.IOException {
        List<Classifier.Input> items = new ArrayList<>();
        for (TextInputs.Text t : TextInputs.read(texts, inputs)) {
            items.add(t.error() != null ? classifier.failed(t.source(), t.error()) : classifier.text(t.source(), t.text()));
        }
        int failed = 0;
        for (int start = 0; start < items.size(); start += batch) {
            for (Classifier.Prediction p : classifier.classify(items.subList(start, Math.min(items.size(), start + batch)), topK)) {
                if (!emit(p, out, err)) failed++;
            }
            out.flush();
        }
        return summary(failed, items.size(), err);
    }

    private String textLine(Classifier.Prediction p) {
        // a file is named by its path, a text given on the command line or a line of stdin by its beginning
        boolean fromFile = p.text() == null || !(p.source().equals("--text") || p.source().startsWith("stdin:"));
        StringBuilder b = new StringBuilder(Terminal.printable(fromFile ? p.source() : quoteShort(p.text())));
        for (Classifier.Score s : p.top()) {
            b.append("  ").append(Terminal.printable(s.label())).append(String.format(Locale.ROOT, " (%.1f%%)", s.score() * 100));
        }
        return b.toString();
    }

    private static String jsonLine(Classifier.Prediction p) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", p.source());
        if (p.text() != null) o.put("text", p.text());
        o.put("label", p.label());
        o.put("score", (double) p.score());
        List<Object> topList = new ArrayList<>();
        for (Classifier.Score s : p.top()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("label", s.label());
            e.put("score", (double) s.score());
            topList.add(e);
        }
        o.put("top", topList);
        return Json.write(o);
    }

    private static String quoteShort(String t) {
        String one = t.strip().replaceAll("\\s+", " ");
        return "\"" + (one.length() > 60 ? one.substring(0, 57) + "..." : one) + "\"";
    }
}
