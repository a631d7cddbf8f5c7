package dev.isthmus;

import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.tokenizer.ModelTokenizer;
import dev.isthmus.formats.tokenizer.TextBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text in, embeddings out: a sentence-transformers directory (or any model with a {@code sentence_embedding}
 * output and a {@code tokenizer.json}) with its tokenizer, in one object.
 *
 * <pre>{@code
 * try (TextEmbedder embedder = Isthmus.embedder(Path.of("examples/embed"))) {
 *     float[][] vectors = embedder.embed(List.of("a red car", "a crimson automobile"));
 * }
 * }</pre>
 *
 * Texts are tokenized, cut to the model's length, and run in batches of {@link #BATCH}, right-padded with the
 * attention mask. Safe to share between threads. A text the tokenizer will not finish throws
 * {@link dev.isthmus.formats.tokenizer.TokenizerInputException}.
 */
public final class TextEmbedder implements AutoCloseable {
    /** The output that holds one vector per text. */
    public static final String OUTPUT = "sentence_embedding";
    /** Texts per model run in {@link #embed(List)}. */
    public static final int BATCH = 32;

    private final Model model;
    private final ModelTokenizer tokenizer;
    private final boolean ownsModel;

    private TextEmbedder(Model model, ModelTokenizer tokenizer, boolean ownsModel) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.ownsModel = ownsModel;
    }

    /** Loads the model and its tokenizer; closing the embedder closes the model. */
    public static TextEmbedder load(Path dir, Isthmus.Options options) {
        Model m = Isthmus.load(dir, options);
        try {
            return of(m, dir, true);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * An embedder over a loaded model and the tokenizer in {@code dir} (or beside the model file); with
     * {@code ownsModel} false, closing the embedder leaves the model open.
     */
    public static TextEmbedder of(Model model, Path dir, boolean ownsModel) {
        if (!model.outputNames().contains(OUTPUT)) {
            throw new IsthmusException(dir + ": an embedding model needs an output named " + OUTPUT + " (a sentence-transformers"
                    + " directory: modules.json and a Pooling module); this one gives " + model.outputNames());
        }
        ModelTokenizer t = ModelTokenizer.near(dir);
        if (t == null) throw new ModelFormatException(dir.toString(), null, "tokenizer-missing", "a text model needs " + ModelTokenizer.FILE);
        return new TextEmbedder(model, t, ownsModel);
    }

    /** One text's embedding. */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /** The texts' embeddings, in order. */
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += BATCH) {
            List<long[]> rows = new ArrayList<>();
            for (String t : texts.subList(start, Math.min(texts.size(), start + BATCH))) rows.add(tokenizer.ids(t));
            float[][] part = embedIds(rows);
            System.arraycopy(part, 0, out, start, part.length);
        }
        return out;
    }

    /** One batch of tokenized texts ({@link ModelTokenizer#ids}) through the model: a vector per row. */
    public float[][] embedIds(List<long[]> rows) {
        Tensor e = model.run(TextBatch.feed(model.inputs(), rows, tokenizer.padId())).get(OUTPUT);
        int n = rows.size(), width = (int) e.dim(e.rank() - 1);
        float[] all = e.toFloatArray();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width);
        return out;
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        if (ownsModel) model.close();
    }
}
