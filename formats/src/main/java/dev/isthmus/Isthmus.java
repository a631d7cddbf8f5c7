package dev.isthmus;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.ModelLoader;

import java.nio.file.Path;

/**
 * The entry point for Java services: load a model once, share it between threads, run it through a
 * {@link dev.isthmus.engine.runtime.Session} per thread.
 *
 * <pre>{@code
 * try (Model model = Isthmus.load(Path.of("examples/mnist"), Isthmus.options().threads(2));
 *      Session session = model.newSession()) {
 *     Tensor logits = session.run(Tensor.ofFloats(pixels, 1, 1, 28, 28)).get("output"); // a view until the next run
 *     float[] copy = logits.toFloatArray();
 * }
 * }</pre>
 *
 * A model path is a {@code .safetensors} file holding its {@code isthmus/1} spec, a directory with
 * {@code model.json} and {@code model.safetensors}, a Hugging Face directory ({@code config.json} and
 * {@code model.safetensors}) or a sentence-transformers directory (with {@code modules.json}; {@link #embedder} adds
 * its tokenizer and returns vectors for texts). Failures are typed:
 * {@link dev.isthmus.engine.errors.ModelFormatException} (a malformed file),
 * {@link dev.isthmus.engine.errors.ModelSpecException} (spec and weights disagree; lists every problem),
 * {@link dev.isthmus.engine.errors.InvalidInputException} (a wrong input name, dtype or shape at run time).
 */
public final class Isthmus {
    private Isthmus() {
    }

    /**
     * How to load a model.
     *
     * @param threads compute threads the model owns (default: the available cores)
     * @param backend {@code auto} (default: per layer the backend measured faster, see
     *                {@link dev.isthmus.engine.backend.BackendProvider#openAuto}), {@code java} (the Java kernels only)
     *                or a backend's name such as {@code onednn} (every layer it implements)
     * @param quantize null (default: the weights as the file holds them), or {@link DType#I8} / {@link DType#BF16}:
     *                the weight matrices of Linear, Conv and GRU/LSTM/RNN layers quantized at load, as
     *                {@code isthmus quantize} would write them (see {@link dev.isthmus.formats.quant.Quantizer})
     */
    public record Options(int threads, String backend, DType quantize) {
        public Options {
            if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
            if (backend == null || backend.isBlank()) throw new IllegalArgumentException("backend must be named");
            if (quantize != null) dev.isthmus.formats.quant.Quantizer.dtypeName(quantize);
        }

        /** Options without quantization. */
        public Options(int threads, String backend) {
            this(threads, backend, null);
        }

        public Options threads(int n) {
            return new Options(n, backend, quantize);
        }

        public Options backend(String name) {
            return new Options(threads, name, quantize);
        }

        /** Quantizes the weights at load to {@code dtype}: {@link DType#I8} or {@link DType#BF16}; null for none. */
        public Options quantize(DType dtype) {
            return new Options(threads, backend, dtype);
        }
    }

    /** The defaults: all cores, backend {@code auto}. */
    public static Options options() {
        return new Options(ComputePool.defaultThreads(), "auto");
    }

    /** Loads a model with the default options. */
    public static Model load(Path path) {
        return load(path, options());
    }

    /** A text-embedding model (a sentence-transformers directory) with its tokenizer, the default options. */
    public static TextEmbedder embedder(Path dir) {
        return TextEmbedder.load(dir, options());
    }

    /** A text-embedding model with its tokenizer. The caller closes it. */
    public static TextEmbedder embedder(Path dir, Options options) {
        return TextEmbedder.load(dir, options);
    }

    /** A classifier (labels for images, sequences or texts, as {@code isthmus predict} gives them), the default options. */
    public static Classifier classifier(Path path) {
        return Classifier.load(path, options());
    }

    /** A classifier with the preprocessing its model declares. The caller closes it. */
    public static Classifier classifier(Path path, Options options) {
        return Classifier.load(path, options);
    }

    /** Loads a model. The caller closes it; it frees its threads, backend memory and mapped weights. */
    public static Model load(Path path, Options options) {
        return ModelLoader.load(path, options.threads(), options.backend(), options.quantize());
    }
}
