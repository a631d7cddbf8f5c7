package dev.isthmus.cli;

import dev.isthmus.TextEmbedder;
import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.tokenizer.TokenizerInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code isthmus embed}: texts in, one vector per text out. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed texts with a sentence-embedding model (a sentence-transformers directory: modules.json, a "
                + "Pooling module, tokenizer.json).", "",
                "Texts come from --text, text files (one input each; directories and globs take their .txt files) or "
                        + "lines of standard input (-, the default). Prints one JSON object per input, in input order: "
                        + "{\"text\": ...} or {\"file\": ...}, and \"embedding\": [...]. With --format npy, writes one "
                        + "(inputs × width) float32 matrix to -o instead; a row whose input failed is NaN.",
                "An input that can't be read or tokenized is reported on stderr and the others go on; the exit code "
                        + "is then 1.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus embed examples/embed --text \"a red car\" --text \"a crimson automobile\"",
                "  isthmus embed examples/embed < sentences.txt > embeddings.jsonl",
                "  isthmus embed examples/embed - --similar-to \"my puppy is asleep\" < examples/embed/sentences.txt",
                "  isthmus embed examples/embed docs/ --format npy -o embeddings.npy"})
final class EmbedCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A sentence-embedding model directory.")
    Path model;

    @Parameters(index = "1..*", paramLabel = "FILE|DIR|GLOB|-", arity = "0..*",
            description = "Text files (one input each), directories or globs (their .txt files), or - for one input per "
                    + "line of standard input (the default when no input and no --text is given).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to embed. Repeatable.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--format", paramLabel = "F", defaultValue = "jsonl",
            description = "jsonl (default: one JSON line per input on standard output) or npy (one matrix, to -o).")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where --format npy writes the matrix.")
    Path output;

    @Option(names = "--similar-to", paramLabel = "QUERY",
            description = "Instead of the vectors, print the inputs most similar to QUERY first: cosine similarity, then the input.")
    String query;

    @Option(names = {"-b", "--batch"}, paramLabel = "B", defaultValue = "32", description = "Texts per model run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new UsageException("--batch must be ≥ 1");
        boolean npy = switch (format) {
            case "jsonl" -> false;
            case "npy" -> true;
            default -> throw new UsageException("--format must be jsonl or npy, not '" + format + "'");
        };
        if (npy && output == null) throw new UsageException("--format npy needs -o FILE");
        if (!npy && output != null) throw new UsageException("-o goes with --format npy (jsonl is written to standard output)");
        if (npy && query != null) throw new UsageException("--similar-to prints a ranking; it does not go with --format npy");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Model m = compute.load(model, err, verbosity.verbose);
             TextEmbedder embedder = TextEmbedder.of(m, model, false)) {
            List<TextInputs.Text> items = TextInputs.read(texts, inputs);
            String[] errors = new String[items.size()];
            long[][] ids = new long[items.size()][];
            for (int i = 0; i < items.size(); i++) {
                TextInputs.Text t = items.get(i);
                errors[i] = t.error();
                if (t.error() != null) continue;
                try {
                    ids[i] = embedder.tokenizer().ids(t.text());
                } catch (TokenizerInputException e) {
                    errors[i] = t.source() + ": " + e.getMessage();
                }
            }
            Progress progress = new Progress(err, items.size(), Terminal.stderrIsTerminal() && items.size() >= 50);
            float[][] vectors = new float[items.size()][];
            int failed = 0;
            for (int start = 0; start < items.size(); start += batch) {
                int end = Math.min(items.size(), start + batch);
                List<Integer> ok = new ArrayList<>();
                for (int i = start; i < end; i++) if (errors[i] == null) ok.add(i);
                if (!ok.isEmpty()) {
                    try {
                        float[][] part = embedder.embedIds(ok.stream().map(i -> ids[i]).toList());
                        for (int k = 0; k < ok.size(); k++) vectors[ok.get(k)] = part[k];
                    } catch (InvalidInputException e) {
                        for (int i : ok) errors[i] = items.get(i).source() + ": " + e.getMessage();
                    }
                }
                for (int i = start; i < end; i++) {
                    if (errors[i] != null) {
                        progress.clear();
                        Terminal.message(err, errors[i]);
                        failed++;
                    } else if (!npy && query == null) {
                        progress.clear();
                        out.println(jsonLine(items.get(i), vectors[i]));
                    }
                    progress.advance();
                }
                out.flush();
            }
            progress.clear();
            if (npy) writeMatrix(vectors);
            if (query != null) printRanking(items, vectors, embedder.embed(query), out);
            if (failed == 0) return 0;
            Terminal.message(err, failed + " of " + items.size() + " input" + (items.size() == 1 ? "" : "s") + " failed; "
                    + (items.size() - failed) + " embedded");
            return Main.EXIT_DATA;
        }
    }

    static String jsonLine(TextInputs.Text t, float[] v) {
        StringBuilder b = new StringBuilder(v.length * 12 + 64).append('{');
        if (t.file() != null) b.append("\"file\": ").append(Json.quote(t.file().toString()));
        else b.append("\"text\": ").append(Json.quote(t.text()));
        b.append(", \"embedding\": [");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ");
            if (Float.isFinite(v[i])) b.append(v[i]);
            else b.append("null");
        }
        return b.append("]}").toString();
    }

    /** The embedded inputs by cosine similarity to the query's vector, the most similar first. */
    private static void printRanking(List<TextInputs.Text> items, float[][] vectors, float[] q, PrintWriter out) {
        List<Integer> order = new ArrayList<>();
        double[] score = new double[items.size()];
        for (int i = 0; i < items.size(); i++) {
            if (vectors[i] == null) continue;
            score[i] = cosine(q, vectors[i]);
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(score[b], score[a]));
        for (int i : order) {
            TextInputs.Text t = items.get(i);
            out.printf(java.util.Locale.ROOT, "%.3f  %s%n", score[i], Terminal.printable(t.file() != null ? t.file().toString() : t.text()));
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-12);
    }

    private void writeMatrix(float[][] vectors) {
        int width = Arrays.stream(vectors).filter(v -> v != null).mapToInt(v -> v.length).findFirst().orElse(0);
        float[] all = new float[vectors.length * width];
        for (int i = 0; i < vectors.length; i++) {
            if (vectors[i] != null) System.arraycopy(vectors[i], 0, all, i * width, width);
            else Arrays.fill(all, i * width, (i + 1) * width, Float.NaN);
        }
        Npy.write(output, Tensor.ofFloats(all, vectors.length, width));
    }
}
