package dev.isthmus.formats;

import dev.isthmus.engine.backend.Backends;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.hf.HfModels;
import dev.isthmus.formats.hf.HuggingFaceFormat;
import dev.isthmus.formats.quant.Quantizer;
import dev.isthmus.formats.spec.IsthmusFormat;
import dev.isthmus.formats.safetensors.SafetensorsFile;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds and loads a model: weights (safetensors, PyTorch state-dict names) and an {@code isthmus/1} spec, given as
 * <ul>
 *   <li>one {@code .safetensors} file whose {@code __metadata__} holds the spec under {@code isthmus.spec};</li>
 *   <li>a directory with {@code model.json} (the spec) and {@code model.safetensors};</li>
 *   <li>a directory with just {@code model.safetensors} holding its spec;</li>
 *   <li>a spec file {@code NAME.json} beside {@code NAME.safetensors} (or {@code model.safetensors});</li>
 *   <li>a Hugging Face directory: {@code config.json} and {@code model.safetensors}, no {@code model.json}; the spec is
 *       derived from the config by {@link HfModels}.</li>
 * </ul>
 */
public final class ModelLoader {
    /** The metadata key that holds the spec in a self-contained safetensors file. */
    public static final String SPEC_KEY = "isthmus.spec";
    public static final String SPEC_FILE = "model.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** The model formats, asked in order: the first that reads a location lowers it. */
    public static final java.util.List<ModelFormat> FORMATS = java.util.List.of(new HuggingFaceFormat(), new IsthmusFormat());

    private ModelLoader() {
    }

    /** Where a model's spec and weights are. */
    public record Location(Path weights, Path specFile) {
    }

    /** Resolves a path given by a user to the model's files, or throws a message saying what a model looks like. */
    public static Location locate(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path.toString(), null, "not-found", "no such file or directory");
        }
        if (Files.isDirectory(path)) {
            Path spec = path.resolve(SPEC_FILE);
            Path weights = path.resolve(WEIGHTS_FILE);
            Path hfConfig = path.resolve(HfModels.CONFIG_FILE);
            if (Files.isRegularFile(weights) && !Files.isRegularFile(spec) && Files.isRegularFile(hfConfig)) {
                return new Location(weights, hfConfig);
            }
            if (Files.isRegularFile(weights)) return new Location(weights, Files.isRegularFile(spec) ? spec : null);
            if (Files.isRegularFile(path.resolve("config.json"))) {
                throw new ModelFormatException(path.toString(), null, "model-layout",
                        "a Hugging Face directory (config.json) needs " + WEIGHTS_FILE + ", which is missing");
            }
            throw new ModelFormatException(path.toString(), null, "model-layout",
                    "not a model directory: expected " + WEIGHTS_FILE + " (with " + SPEC_FILE + " or the spec in its metadata)");
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) {
            Path sibling = path.resolveSibling(name.substring(0, name.length() - 5) + ".safetensors");
            Path weights = Files.isRegularFile(sibling) ? sibling : path.resolveSibling(WEIGHTS_FILE);
            if (!Files.isRegularFile(weights)) {
                throw new ModelFormatException(path.toString(), null, "model-layout",
                        "spec without weights: expected " + sibling.getFileName() + " or " + WEIGHTS_FILE + " beside it");
            }
            return new Location(weights, path);
        }
        return new Location(path, null);
    }

    /** Loads and builds a model; see {@link Model#build} for the checks. The model owns the mapped file. */
    public static Model load(Path path) {
        return load(path, dev.isthmus.engine.parallel.ComputePool.defaultThreads());
    }

    /** Loads with {@code threads} compute threads (owned by the model) and the Java kernels. */
    public static Model load(Path path, int threads) {
        return load(path, threads, "java");
    }

    /**
     * Loads with {@code threads} compute threads and a backend choice: {@code java}, {@code auto} (the first
     * available native backend for the ops it implements, else Java) or a backend's name (an error if unavailable).
     */
    public static Model load(Path path, int threads, String backend) {
        return load(path, threads, backend, null);
    }

    /**
     * {@link #load(Path, int, String)}, with the weights {@link Quantizer} picks quantized to {@code quantize}
     * ({@code I8} or {@code BF16}) as they are bound, when it is not null: the model {@code isthmus quantize} would
     * write, without a file.
     */
    public static Model load(Path path, int threads, String backend, DType quantize) {
        ComputePool.checkThreads(threads); // before any file is read or any thread made
        if (quantize != null) Quantizer.dtypeName(quantize);
        Location loc = locate(path);
        SafetensorsFile file = openWeights(loc.weights());
        try {
            ModelFormat format = format(loc);
            ModelSpec spec = format.spec(loc, file);
            WeightSource weights = format.weights(loc, file);
            if (quantize != null) weights = Quantizer.atLoad(spec, weights, quantize);
            return Model.build(spec, weights, file, threads, Backends.open(backend, threads));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Opens a safetensors file, turning I/O failures into {@link ModelFormatException}s naming the file. */
    public static SafetensorsFile openWeights(Path weights) {
        try {
            return SafetensorsFile.open(weights);
        } catch (UncheckedIOException e) {
            throw new ModelFormatException(weights.toString(), null, "io", "cannot read: " + describe(e.getCause()), e);
        }
    }

    /** The format that reads a located model. */
    public static ModelFormat format(Location loc) {
        for (ModelFormat f : FORMATS) if (f.reads(loc)) return f;
        throw new IllegalStateException("no format reads " + loc);
    }

    /** The spec of a located model, as its format lowers it. */
    public static ModelSpec readSpec(Location loc, SafetensorsFile file) {
        return format(loc).spec(loc, file);
    }

    /** The weights of a located model as its spec names them. */
    public static WeightSource weights(Location loc, SafetensorsFile file) {
        return format(loc).weights(loc, file);
    }

    /** The weights of an open file as a {@link WeightSource}. */
    public static WeightSource weightSource(SafetensorsFile file) {
        return weightSource(file, new LinkedHashSet<>(file.names()));
    }

    /** The named tensors of an open file (a subset of its names) as a {@link WeightSource}. */
    public static WeightSource weightSource(SafetensorsFile file, Set<String> names) {
        return new WeightSource() {
            @Override
            public Tensor get(String name) {
                return names.contains(name) ? file.tensor(name) : null;
            }

            @Override
            public Set<String> names() {
                return names;
            }

            @Override
            public String source() {
                return file.path().toString();
            }

            @Override
            public void releasePages() {
                file.releasePages();
            }
        };
    }

    /** A short reason for an I/O failure. */
    public static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
