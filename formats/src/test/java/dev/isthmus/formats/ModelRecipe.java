package dev.isthmus.formats;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.safetensors.SafetensorsFile;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The input of the model-loading fuzz targets, as text: a JSON document (a model spec, or a Hugging Face config),
 * then a line {@code ---}, then one weight tensor a line, {@code name DTYPE dim dim ...}:
 * <pre>
 * {"format": "isthmus/1", "inputs": [...], "nodes": [...]}
 * ---
 * fc.weight F32 3 4
 * fc.bias F32 3
 * </pre>
 * The target writes the tensors to a real safetensors file, so the fuzzer mutates what a model says and which weights
 * come with it rather than the file's byte layout (the safetensors target does that). Lines that are no tensor are
 * skipped, and so are the tensors past {@link #MAX_ELEMENTS} in all; the harness is not what is tested.
 */
public record ModelRecipe(byte[] json, Map<String, Tensor> tensors) {
    /** The most weight elements a recipe makes (1 MB of F32). */
    public static final long MAX_ELEMENTS = 1 << 18;

    public static ModelRecipe parse(byte[] data) {
        int split = indexOf(data, "\n---\n".getBytes(StandardCharsets.US_ASCII));
        byte[] json = split < 0 ? data : Arrays.copyOfRange(data, 0, split);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        if (split >= 0) {
            String table = new String(data, split + 5, data.length - split - 5, StandardCharsets.UTF_8);
            long total = 0;
            for (String line : table.split("\n")) {
                String[] t = line.strip().split("\\s+");
                if (t.length < 2 || t[0].equals(SafetensorsFile.METADATA_KEY)) continue;
                DType dtype = DType.fromName(t[1]);
                if (dtype == null) continue;
                long[] shape = new long[t.length - 2];
                long n = 1;
                boolean ok = true;
                for (int i = 0; i < shape.length && ok; i++) {
                    try {
                        shape[i] = Long.parseLong(t[i + 2]);
                    } catch (NumberFormatException e) {
                        ok = false;
                        break;
                    }
                    ok = shape[i] >= 0 && shape[i] <= MAX_ELEMENTS;
                    n *= Math.max(shape[i], 1);
                    ok &= n <= MAX_ELEMENTS;
                }
                if (!ok || total + n > MAX_ELEMENTS) continue;
                total += n;
                tensors.put(t[0], filled(dtype, shape));
            }
        }
        return new ModelRecipe(json, tensors);
    }

    /** A tensor of small values that differ from element to element (zeros for the integer types). */
    private static Tensor filled(DType dtype, long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(n * dtype.byteSize())]);
        if (dtype == DType.F32) {
            for (long i = 0; i < n; i++) seg.setAtIndex(Tensor.F32_LE, i, ((i * 7919) % 17 - 8) / 16f);
        }
        return Tensor.wrap(dtype, shape, seg);
    }

    /**
     * Inputs of the shapes a model declares (a free dimension taken as 2), for {@link Model#planBytes}: the shapes
     * flow through every node without running one. Null when they would exceed {@code maxElements}.
     */
    public static Map<String, Tensor> inputsFor(Model model, long maxElements) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        long total = 0;
        for (InputSpec spec : model.inputs()) {
            long[] shape = spec.shape();
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0) shape[i] = 2;
                n = Math.multiplyHigh(n, shape[i]) != 0 ? Long.MAX_VALUE : n * shape[i];
                if (n > maxElements) return null;
            }
            total += n;
            if (total > maxElements) return null;
            in.put(spec.name(), Tensor.wrap(spec.dtype(), shape,
                    MemorySegment.ofArray(new byte[Math.toIntExact(n * spec.dtype().byteSize())])));
        }
        return in;
    }

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= data.length; i++) {
            for (int j = 0; j < what.length; j++) if (data[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** The recipe's tensor names in order, for messages. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

}
