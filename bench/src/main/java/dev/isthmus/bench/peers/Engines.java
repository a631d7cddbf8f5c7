package dev.isthmus.bench.peers;

import java.nio.file.Path;
import java.util.List;

/** The engines the peer benchmarks know, by name. */
public final class Engines {
    /** isthmus as users get it: the default backend ({@code auto}, the faster of the two per layer). */
    public static final String ISTHMUS_DEFAULT = "isthmus-default";
    /** isthmus with its own Vector API kernels. */
    public static final String ISTHMUS_JAVA = "isthmus-java";
    /** isthmus with the oneDNN backend for the ops it implements (Java kernels for the rest). */
    public static final String ISTHMUS_ONEDNN = "isthmus-onednn";
    /** ONNX Runtime Java (CPU execution provider, natives from the Maven Central jar). */
    public static final String ORT = "ort";

    private Engines() {
    }

    /** The names {@link #open} accepts. */
    public static List<String> names() {
        return List.of(ISTHMUS_DEFAULT, ISTHMUS_JAVA, ISTHMUS_ONEDNN, ORT);
    }

    /**
     * Loads the model in {@code modelDir} (the directory written by {@code tools/export_models.py}: {@code
     * model.safetensors} with its spec, {@code model.onnx}) into the named engine with {@code threads} compute threads.
     */
    public static InferenceEngine open(String engine, Path modelDir, int threads) {
        return switch (engine) {
            case ISTHMUS_DEFAULT -> new IsthmusJavaEngine(modelDir.resolve("model.safetensors"), threads, "auto", ISTHMUS_DEFAULT);
            case ISTHMUS_JAVA -> new IsthmusJavaEngine(modelDir.resolve("model.safetensors"), threads, "java", ISTHMUS_JAVA);
            case ISTHMUS_ONEDNN -> new IsthmusJavaEngine(modelDir.resolve("model.safetensors"), threads, "onednn", ISTHMUS_ONEDNN);
            case ORT -> new OrtEngine(modelDir.resolve("model.onnx"), threads);
            default -> throw new IllegalArgumentException("unknown engine '" + engine + "'; known: " + names());
        };
    }
}
