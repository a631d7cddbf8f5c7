package dev.isthmus.formats.quant;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelFormat;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.hf.HuggingFaceFormat;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.safetensors.SafetensorsFile;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import dev.isthmus.formats.spec.SpecReader;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a quantized copy of a model: the tensors {@link Quantizer#select} picks as I8 (with their {@code _scale}) or
 * BF16, every other tensor as it was. An {@code isthmus/1}·{@code /2} model becomes one self-contained safetensors
 * file with the spec in its metadata and the spec's {@link Quantizer#SPEC_KEY} record; a Hugging Face directory
 * becomes a directory laid out like it, with the record in the weights file's metadata. The result loads like any
 * model.
 */
public final class QuantizedFile {
    private QuantizedFile() {
    }

    /**
     * What was written.
     *
     * @param inputBytes  the source weights file's size
     * @param outputBytes the written file's size
     * @param tensors     the quantized tensors' names
     */
    public record Result(Path input, long inputBytes, Path output, long outputBytes, DType dtype, List<String> tensors) {
    }

    /**
     * Quantizes the model at {@code model} (any path {@link ModelLoader#locate} accepts) into {@code out}: one
     * self-contained {@code .safetensors} file for an isthmus model; for a Hugging Face directory, a directory laid out
     * like it (every other file copied as it is, the weights file quantized, the record in its metadata under
     * {@link #HF_RECORD_KEY}).
     */
    public static Result write(Path model, Path out, DType dtype) {
        Quantizer.dtypeName(dtype); // refuses other dtypes before any file is read
        ModelLoader.Location loc = ModelLoader.locate(model);
        ModelFormat format = ModelLoader.format(loc);
        boolean hf = format instanceof HuggingFaceFormat;
        try (SafetensorsFile file = ModelLoader.openWeights(loc.weights())) {
            Path target = hf ? out.resolve(loc.weights().getFileName()) : out;
            if (sameFile(loc.weights(), target) || (hf && sameFile(loc.weights().getParent(), out))) {
                throw new ModelFormatException(out.toString(), null, "same-file", "the output is the model's own "
                        + (hf ? "directory" : "weights file"));
            }
            ModelSpec spec = format.spec(loc, file);
            if (spec.extras().containsKey(Quantizer.SPEC_KEY) || file.metadata().containsKey(HF_RECORD_KEY)) {
                throw Quantizer.alreadyQuantized(loc.weights().toString());
            }
            WeightSource weights = format.weights(loc, file);
            Set<String> names = new HashSet<>(file.names());
            // only this file's tensors (a sentence-transformers Dense module's own file is copied as it is)
            List<String> chosen = Quantizer.select(spec, weights).stream().filter(names::contains).toList();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : file.names()) tensors.put(n, file.tensor(n));
            for (String n : chosen) {
                Tensor q = Quantizer.quantize(file.tensor(n), dtype);
                tensors.put(n, q);
                if (q.isQuantized()) {
                    String sn = n + Weights.SCALE_SUFFIX;
                    if (names.contains(sn)) {
                        throw new ModelFormatException(loc.weights().toString(), sn, "name-clash",
                                "the file already has a tensor named like the scales of '" + n + "'");
                    }
                    float[] s = q.scales();
                    tensors.put(sn, Tensor.wrap(DType.F32, new long[]{s.length}, MemorySegment.ofArray(s)));
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(file.metadata());
            if (hf) {
                copyBeside(loc.weights().getParent(), out, loc.weights());
                meta.put(HF_RECORD_KEY, Json.write(Quantizer.record(dtype, chosen)));
            } else {
                Map<String, Object> json = SpecReader.toJson(spec);
                json.put(Quantizer.SPEC_KEY, Quantizer.record(dtype, chosen));
                meta.put(ModelLoader.SPEC_KEY, Json.write(json));
            }
            SafetensorsWriter.write(target, tensors, meta);
            return new Result(loc.weights(), file.fileSize(), target, size(target), dtype, chosen);
        }
    }

    /** Where a quantized Hugging Face weights file records what was quantized (its safetensors metadata). */
    public static final String HF_RECORD_KEY = "isthmus.quantization";

    /**
     * Copies every regular file under {@code dir} but {@code skip} into {@code out} (created; it must be empty or new),
     * keeping sub-folders. Symbolic links are not followed.
     */
    private static void copyBeside(Path dir, Path out, Path skip) {
        try {
            if (Files.exists(out) && (!Files.isDirectory(out) || hasEntries(out))) {
                throw new ModelFormatException(out.toString(), null, "output-exists",
                        "a Hugging Face model is written as a directory: give a new or empty one");
            }
            Files.createDirectories(out);
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.toList()) {
                    if (p.equals(skip) || Files.isSymbolicLink(p)) continue;
                    Path to = out.resolve(dir.relativize(p).toString());
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(to);
                    else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.copy(p, to);
                }
            }
        } catch (java.io.IOException e) {
            throw new ModelFormatException(out.toString(), null, "io", "cannot write the model directory: " + ModelLoader.describe(e), e);
        }
    }

    private static boolean hasEntries(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
