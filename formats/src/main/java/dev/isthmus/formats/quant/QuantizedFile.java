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
 * Writes a quantized copy of an {@code isthmus/1}·{@code /2} model as one self-contained safetensors file: the
 * tensors {@link Quantizer#select} picks as I8 (with their {@code _scale}) or BF16, every other tensor as it was, and
 * the spec in the metadata with its {@link Quantizer#SPEC_KEY} record. The result loads like any model.
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

    /** Quantizes the model at {@code model} (any path {@link ModelLoader#locate} accepts) into {@code out}. */
    public static Result write(Path model, Path out, DType dtype) {
        Quantizer.dtypeName(dtype); // refuses other dtypes before any file is read
        ModelLoader.Location loc = ModelLoader.locate(model);
        ModelFormat format = ModelLoader.format(loc);
        if (format instanceof HuggingFaceFormat) {
            throw new ModelFormatException(model.toString(), null, "unsupported",
                    "quantizing a Hugging Face directory to a file is not supported yet; load it with the quantize option instead");
        }
        try (SafetensorsFile file = ModelLoader.openWeights(loc.weights())) {
            if (sameFile(loc.weights(), out)) {
                throw new ModelFormatException(out.toString(), null, "same-file", "the output is the model's own weights file");
            }
            ModelSpec spec = format.spec(loc, file);
            if (spec.extras().containsKey(Quantizer.SPEC_KEY)) throw Quantizer.alreadyQuantized(loc.weights().toString());
            WeightSource weights = format.weights(loc, file);
            List<String> chosen = Quantizer.select(spec, weights);
            Set<String> names = new HashSet<>(file.names());
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
            Map<String, Object> json = SpecReader.toJson(spec);
            json.put(Quantizer.SPEC_KEY, Quantizer.record(dtype, chosen));
            Map<String, String> meta = new LinkedHashMap<>(file.metadata());
            meta.put(ModelLoader.SPEC_KEY, Json.write(json));
            SafetensorsWriter.write(out, tensors, meta);
            return new Result(loc.weights(), file.fileSize(), out, size(out), dtype, chosen);
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
