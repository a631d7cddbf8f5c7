package dev.isthmus.bench.peers;

import java.nio.file.Path;
import java.util.List;

/** The engines the peer benchmarks know, by name. */
public final class Engines {
    /** isthmus with its own Vector API kernels. */
    public static final String ISTHMUS_JAVA = "isthmus-java";
    /** ONNX Runtime Java (CPU execution provider, natives from the Maven Central jar). */
    public static final String ORT = "ort";

    private Engines() {
    }

    /** The names {@link #open} accepts. */
    public static List<String> names() {
        return List.of(ISTHMUS_JAVA, ORT);
    }

    /**
     * Loads the model in {@code modelDir} (the directory written by {@code tools/export_models.py}: {@code
     * model.safetensors} with its spec, {@code model.onnx}) into the named engine with {@code threads} compute threads.
     */
    public static InferenceEngine open(String engine, Path modelDir, int threads) {
        return switch (engine) {
            case ISTHMUS_JAVA -> new IsthmusJavaEngine(modelDir.resolve("model.safetensors"), threads);
            case ORT -> new OrtEngine(modelDir.resolve("model.onnx"), threads);
            // A new engine is one more line here, e.g. "isthmus-onednn" once native-bindings offers the oneDNN backend.
            default -> throw new IllegalArgumentException("unknown engine '" + engine + "'; known: " + names());
        };
    }
}
