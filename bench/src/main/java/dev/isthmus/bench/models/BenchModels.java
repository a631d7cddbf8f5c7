package dev.isthmus.bench.models;

import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models written by {@code tools/export_models.py}: {@code manifest.json} plus one directory per model with the
 * weights (safetensors with spec, ONNX), the sample inputs and PyTorch's outputs.
 *
 * <p>The directory is {@code -Disthmus.bench.models=DIR}, default {@code bench/models} (relative to the working
 * directory; {@code bench/run} passes an absolute path).
 */
public final class BenchModels {
    public static final String MODELS_PROPERTY = "isthmus.bench.models";

    private BenchModels() {
    }

    /** One model at one batch size: where it is, its input, and the outputs every engine must reproduce. */
    public record Case(String model, int batch, Path dir, String inputName, float[] input, long[] inputShape,
                       Map<String, float[]> expected, long flops) {
    }

    public static Path dir() {
        return Path.of(System.getProperty(MODELS_PROPERTY, "bench/models")).toAbsolutePath().normalize();
    }

    @SuppressWarnings("unchecked")
    public static Case load(String model, int batch) {
        Path root = dir();
        Path manifestFile = root.resolve("manifest.json");
        if (!Files.isRegularFile(manifestFile)) {
            throw new IllegalStateException("no " + manifestFile + ": export the models first "
                    + "(/usr/bin/python3 tools/export_models.py, or just bench/run)");
        }
        Map<String, Object> manifest;
        try {
            manifest = Json.parseObject(Files.readString(manifestFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> models = (Map<String, Object>) manifest.get("models");
        Map<String, Object> m = models == null ? null : (Map<String, Object>) models.get(model);
        if (m == null) throw new IllegalStateException(manifestFile + " has no model '" + model + "'; re-export it");
        Map<String, Object> c = (Map<String, Object>) ((Map<String, Object>) m.get("cases")).get(Integer.toString(batch));
        if (c == null) throw new IllegalStateException(manifestFile + ": model '" + model + "' has no batch " + batch);
        Path dir = root.resolve((String) m.get("dir"));
        Tensor in = Npy.read(dir.resolve((String) c.get("input")), null);
        Map<String, float[]> expected = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) c.get("outputs")).entrySet()) {
            expected.put(e.getKey(), Npy.read(dir.resolve((String) e.getValue()), null).toFloatArray());
        }
        long flops = ((Number) c.get("flops")).longValue();
        return new Case(model, batch, dir, (String) m.get("input"), in.toFloatArray(), in.shape(), expected, flops);
    }

    /** Largest finite |x| over all outputs (the scale of the answer; a NaN in it fails the diff instead). */
    public static double maxAbs(Map<String, float[]> outputs) {
        double worst = 0;
        for (float[] x : outputs.values()) {
            for (float v : x) {
                double a = Math.abs((double) v);
                if (a > worst && Double.isFinite(a)) worst = a;
            }
        }
        return worst;
    }

    /** Largest |a − b| over all outputs; infinity when an output is missing or has another size. */
    public static double maxAbsDiff(Map<String, float[]> expected, Map<String, float[]> actual) {
        double worst = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] a = actual.get(e.getKey());
            float[] x = e.getValue();
            if (a == null || a.length != x.length) return Double.POSITIVE_INFINITY;
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs((double) a[i] - x[i]);
                if (!(d <= worst)) worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return worst;
    }
}
