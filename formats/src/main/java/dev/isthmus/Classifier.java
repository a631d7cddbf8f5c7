package dev.isthmus;

import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.TextFiles;
import dev.isthmus.formats.image.ImageInput;
import dev.isthmus.formats.sequence.SequenceFiles;
import dev.isthmus.formats.tokenizer.ModelTokenizer;
import dev.isthmus.formats.tokenizer.TextBatch;
import dev.isthmus.formats.tokenizer.TokenizerInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Inputs in, labels out: a classifier with the preprocessing its model declares. What {@code isthmus predict} and the
 * Spark job run, so both give the same labels.
 *
 * <pre>{@code
 * try (Classifier c = Isthmus.classifier(Path.of("examples/mnist"))) {
 *     List<Classifier.Prediction> p = c.classify(List.of(c.file(Path.of("digit.png"))), 3);
 *     System.out.println(p.get(0).label() + " " + p.get(0).score());
 * }
 * }</pre>
 *
 * <p>The kind of input follows from the model: {@link Kind#IMAGE} when its one input declares an {@code image} object
 * (decoded with ImageIO, resized and normalised as declared), {@link Kind#TEXT} when it reads {@code input_ids} (a
 * {@code tokenizer.json} beside it), {@link Kind#SEQUENCE} for a float input of shape (batch, steps, features)
 * ({@code .npy} or {@code .csv} files, rows = time steps). Scores are probabilities: the softmax of the logits, or the
 * output itself when the model ends in Softmax.
 *
 * <p>An input that cannot be read, decoded or run is an {@link Input} with an {@link Input#error() error}, and its
 * {@link Prediction} carries that error; the other inputs are classified. Safe to share between threads.
 */
public final class Classifier implements AutoCloseable {
    /** What the model reads. */
    public enum Kind { IMAGE, SEQUENCE, TEXT }

    /** A label and its probability. */
    public record Score(String label, float score) {
    }

    /**
     * The result for one input: its {@code top} labels, best first, or the {@code error} that stopped it (then
     * {@code top} is empty). {@code text} is the input's text for text models, else null.
     */
    public record Prediction(String source, String text, List<Score> top, String error) {
        /** The best label, or null for a failed input. */
        public String label() {
            return top.isEmpty() ? null : top.get(0).label();
        }

        /** The best label's probability, or NaN for a failed input. */
        public float score() {
            return top.isEmpty() ? Float.NaN : top.get(0).score();
        }
    }

    /** One input made ready for the model (pixels, a sequence or token ids), or the reason it could not be. */
    public static final class Input {
        private final String source;
        private final String text;
        private final float[] data;
        private final long[] shape; // of one example, without the batch
        private final long[] tokens;
        private final String error;

        private Input(String source, String text, float[] data, long[] shape, long[] tokens, String error) {
            this.source = source;
            this.text = text;
            this.data = data;
            this.shape = shape;
            this.tokens = tokens;
            this.error = error;
        }

        /** How the input is named in results and errors (a file name, or a text's own name). */
        public String source() {
            return source;
        }

        /** Why the input cannot be classified, or null. */
        public String error() {
            return error;
        }
    }

    private final Model model;
    private final boolean ownsModel;
    private final Kind kind;
    private final InputSpec input;
    private final ImageInput image;         // IMAGE
    private final long features;            // SEQUENCE
    private final ModelTokenizer tokenizer; // TEXT
    private final boolean endsInSoftmax;
    private final List<String> labels;

    private Classifier(Model model, boolean ownsModel, Kind kind, InputSpec input, ImageInput image, long features,
                       ModelTokenizer tokenizer) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.kind = kind;
        this.input = input;
        this.image = image;
        this.features = features;
        this.tokenizer = tokenizer;
        this.endsInSoftmax = model.outputOp(0).equalsIgnoreCase("softmax");
        this.labels = model.labels();
    }

    /** Loads the model at {@code path}; closing the classifier closes it. */
    public static Classifier load(Path path, Isthmus.Options options) {
        Model m = Isthmus.load(path, options);
        try {
            return of(m, path, true);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * A classifier over a loaded model ({@code path} is where it was loaded from: a text model's tokenizer is looked
     * up there); with {@code ownsModel} false, closing the classifier leaves the model open.
     *
     * @throws IsthmusException when the model has no input a classifier can feed
     */
    public static Classifier of(Model m, Path path, boolean ownsModel) {
        if (m.inputs().stream().anyMatch(i -> i.name().equals("input_ids"))) {
            ModelTokenizer tok = ModelTokenizer.near(path);
            if (tok == null) throw new IsthmusException(path + ": a text model needs " + ModelTokenizer.FILE + " in its directory");
            return new Classifier(m, ownsModel, Kind.TEXT, null, null, -1, tok);
        }
        if (m.inputs().size() != 1) {
            throw new IsthmusException(path + ": a classifier needs a model with one input; this one has " + m.inputs().size()
                    + " (use 'isthmus run' with .npy tensors)");
        }
        InputSpec in = m.inputs().get(0);
        if (ImageInput.isImage(in)) return new Classifier(m, ownsModel, Kind.IMAGE, in, ImageInput.of(in, m.source()), -1, null);
        long[] s = in.shape();
        if (s.length == 3 && in.dtype().isFloating()) {
            if (!isBatchFirst(m)) {
                throw new IsthmusException(path + ": sequences are fed batch-first; this model reads (seq, batch, features)");
            }
            return new Classifier(m, ownsModel, Kind.SEQUENCE, in, null, s[2], null);
        }
        throw new IsthmusException(m.source() + ": a classifier needs an image input (an \"image\" object in the spec), a "
                + "sequence input of shape (batch, steps, features) or a text model; this model's input is " + in
                + ". Use 'isthmus run' with .npy tensors.");
    }

    public Kind kind() {
        return kind;
    }

    public Model model() {
        return model;
    }

    /** The class names, in output order (empty when the model has none: labels are then the indices). */
    public List<String> labels() {
        return labels;
    }

    /** The file extensions this model's inputs come in (picked up when a folder is walked). */
    public List<String> extensions() {
        return switch (kind) {
            case IMAGE -> List.of("png", "jpg", "jpeg", "bmp", "gif");
            case SEQUENCE -> List.of("npy", "csv");
            case TEXT -> List.of("txt");
        };
    }

    /** Reads and decodes a file; a failure is the input's error. */
    public Input file(Path file) {
        return file(file, null);
    }

    /** Reads and decodes a file; {@code notes} (may be null) receives remarks such as a resize. */
    public Input file(Path file, Consumer<String> notes) {
        String source = file.toString();
        try {
            return switch (kind) {
                case IMAGE -> {
                    float[] d = new float[image.size()];
                    image.load(file, d, 0, notes);
                    yield new Input(source, null, d, image.shape(), null, null);
                }
                case SEQUENCE -> sequence(source, SequenceFiles.read(file, features));
                case TEXT -> text(source, TextFiles.readUtf8(file));
            };
        } catch (IsthmusException | java.io.UncheckedIOException e) {
            return failed(source, e.getMessage());
        }
    }

    /** Decodes a file's bytes (a row of a table of files); {@code source} names it and its extension tells CSV from npy. */
    public Input bytes(String source, byte[] content) {
        try {
            return switch (kind) {
                case IMAGE -> {
                    float[] d = new float[image.size()];
                    image.load(source, content, d, 0, null);
                    yield new Input(source, null, d, image.shape(), null, null);
                }
                case SEQUENCE -> sequence(source, SequenceFiles.read(source, content, features));
                case TEXT -> text(source, TextFiles.decode(source, content));
            };
        } catch (IsthmusException | java.io.UncheckedIOException e) {
            return failed(source, e.getMessage());
        }
    }

    /** A text, for text models: tokenized now (a text over the tokenizer's budget is the input's error). */
    public Input text(String source, String text) {
        if (kind != Kind.TEXT) return failed(source, source + ": this model does not read text (its input: " + input + ")");
        try {
            return new Input(source, text, null, null, tokenizer.ids(text), null);
        } catch (TokenizerInputException e) {
            return new Input(source, text, null, null, null, source + ": " + e.getMessage());
        }
    }

    /**
     * Values already preprocessed: one image's C·H·W floats, or a sequence's steps × features floats (row-major,
     * steps = length / features).
     */
    public Input floats(String source, float[] values) {
        return switch (kind) {
            case IMAGE -> values.length == image.size() ? new Input(source, null, values.clone(), image.shape(), null, null)
                    : failed(source, source + ": " + values.length + " values; the model's image input needs "
                    + Shape.toString(image.shape()) + " = " + image.size());
            case SEQUENCE -> values.length == 0 || values.length % features != 0
                    ? failed(source, source + ": " + values.length + " values are not whole steps of " + features + " features")
                    : new Input(source, null, values.clone(), new long[]{values.length / features, features}, null, null);
            case TEXT -> failed(source, source + ": a text model reads text, not numbers");
        };
    }

    /** An input that failed before it got here (e.g. it could not be read). */
    public Input failed(String source, String error) {
        return new Input(source, null, null, null, null, error == null ? source + ": failed" : error);
    }

    private static Input sequence(String source, Tensor t) {
        return new Input(source, null, t.readFloats(), t.shape(), null, null);
    }

    /**
     * Classifies the inputs in one model run per run of consecutive inputs of the same shape (text: one run, padded);
     * the caller sizes the list as its batch. Results are in input order; failed inputs keep their errors, and an input
     * the model refuses at run time fails with the others of its run.
     *
     * @throws IsthmusException when the model's output is not (batch, classes)
     */
    public List<Prediction> classify(List<Input> inputs, int topK) {
        if (topK < 1) throw new IllegalArgumentException("topK must be ≥ 1, got " + topK);
        String[] errors = new String[inputs.size()];
        float[][] rows = run(inputs, errors);
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            Input in = inputs.get(k);
            out.add(errors[k] != null ? new Prediction(in.source, in.text, List.of(), errors[k])
                    : new Prediction(in.source, in.text, top(endsInSoftmax ? rows[k] : softmax(rows[k]), topK), null));
        }
        return out;
    }

    /**
     * The model's output row (its logits, or its probabilities when it ends in Softmax) for each input, run as
     * {@link #classify} runs them; null for an input that failed.
     */
    public float[][] outputs(List<Input> inputs) {
        return run(inputs, new String[inputs.size()]);
    }

    private float[][] run(List<Input> inputs, String[] errors) {
        float[][] rows = new float[inputs.size()][];
        int i = 0;
        while (i < inputs.size()) {
            if (inputs.get(i).error != null) {
                errors[i] = inputs.get(i).error;
                i++;
                continue;
            }
            int j = i + 1;
            while (j < inputs.size() && (inputs.get(j).error != null || sameShape(inputs.get(i), inputs.get(j)))) j++;
            List<Integer> run = new ArrayList<>();
            for (int k = i; k < j; k++) if (inputs.get(k).error == null) run.add(k);
            for (int k = i; k < j; k++) if (inputs.get(k).error != null) errors[k] = inputs.get(k).error;
            runOnce(inputs, run, rows, errors);
            i = j;
        }
        return rows;
    }

    private boolean sameShape(Input a, Input b) {
        return kind == Kind.TEXT || Arrays.equals(a.shape, b.shape);
    }

    private void runOnce(List<Input> inputs, List<Integer> run, float[][] rows, String[] errors) {
        Map<String, Tensor> feed;
        if (kind == Kind.TEXT) {
            feed = TextBatch.feed(model.inputs(), run.stream().map(k -> inputs.get(k).tokens).toList(), tokenizer.padId());
        } else {
            Input first = inputs.get(run.get(0));
            int per = first.data.length;
            float[] data = new float[per * run.size()];
            for (int r = 0; r < run.size(); r++) System.arraycopy(inputs.get(run.get(r)).data, 0, data, r * per, per);
            long[] shape = new long[first.shape.length + 1];
            shape[0] = run.size();
            System.arraycopy(first.shape, 0, shape, 1, first.shape.length);
            feed = Map.of(input.name(), Tensor.ofFloats(data, shape));
        }
        Tensor logits;
        try {
            logits = model.run(feed).values().iterator().next();
        } catch (IsthmusException e) { // an input the model refuses (InvalidInputException), or a failure of this run
            for (int k : run) errors[k] = inputs.get(k).source + ": " + e.getMessage();
            return;
        }
        if (logits.rank() != 2 || logits.dim(0) != run.size()) {
            throw new IsthmusException(model.source() + ": a classifier needs an output of shape [batch, classes]; this model gives "
                    + Shape.toString(logits.shape()) + (kind == Kind.TEXT ? " (a base model without a classification head?)" : ""));
        }
        int classes = (int) logits.dim(1);
        float[] all = logits.toFloatArray();
        for (int r = 0; r < run.size(); r++) rows[run.get(r)] = Arrays.copyOfRange(all, r * classes, (r + 1) * classes);
    }

    /**
     * Runs the model on random inputs of {@code batch} examples until its calls stop getting faster (ten in a row
     * within 1.5× of the fastest) or {@code budgetMillis} have passed, so that a long-running process's first real
     * inputs find its kernels compiled. Vector API code runs interpreted, about 1000× slower, until C2 compiles it; run
     * on one thread here, while other threads wait, the compiler has the other cores (a Spark executor whose two tasks
     * both started on the model's kernels at once took twice as long over its first 10,000 images). Image and sequence
     * models (sequences of the length the spec fixes, else 16 steps); text models are warmed by the engine at load. Returns
     * the calls made; an input the model refuses ends the warm-up, not the caller.
     */
    public int warmUp(int batch, long budgetMillis) {
        if (kind == Kind.TEXT || batch < 1) return 0;
        long steps = input.shape()[1] > 0 ? input.shape()[1] : 16; // a sequence length the spec fixes, else 16
        long[] one = kind == Kind.IMAGE ? image.shape() : new long[]{steps, features};
        long[] shape = new long[one.length + 1];
        shape[0] = batch;
        System.arraycopy(one, 0, shape, 1, one.length);
        float[] x = new float[Math.toIntExact(Shape.numel(shape))];
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Map<String, Tensor> feed = Map.of(input.name(), Tensor.ofFloats(x, shape));
        long end = System.nanoTime() + budgetMillis * 1_000_000L, best = Long.MAX_VALUE;
        int calls = 0, steady = 0;
        while (steady < 10 && System.nanoTime() < end) {
            long t0 = System.nanoTime();
            try {
                model.run(feed);
            } catch (IsthmusException e) {
                return calls; // an input this model refuses: real inputs will say why, warming is only a speed-up
            }
            long dt = System.nanoTime() - t0;
            best = Math.min(best, dt);
            steady = dt <= best * 3 / 2 ? steady + 1 : 0;
            calls++;
        }
        return calls;
    }

    /** The softmax of {@code x}, summed in double. */
    private static float[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) sum += e[i] = Math.exp(x[i] - max);
        float[] p = new float[x.length];
        for (int i = 0; i < x.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    /** The k best classes, best first; ties go to the lower index. */
    private List<Score> top(float[] p, int k) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Float.compare(p[b], p[a]) != 0 ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        List<Score> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) out.add(new Score(label(idx[i]), p[idx[i]]));
        return out;
    }

    private String label(int i) {
        return i < labels.size() ? labels.get(i) : Integer.toString(i);
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

    @Override
    public void close() {
        if (ownsModel) model.close();
    }
}
