package dev.isthmus.formats.quant;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.safetensors.SafetensorsFile;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The int8 and bf16 quantization rules, the file {@code isthmus quantize} writes, and loading it. */
class QuantizerTest {
    @TempDir
    Path tmp;

    @Test
    void int8RowsRoundTripWithinHalfAStep() {
        SplittableRandom r = new SplittableRandom(3);
        int rows = 5, n = 37;
        float[] w = new float[rows * n];
        for (int i = 0; i < w.length; i++) w[i] = (float) ((r.nextDouble() * 2 - 1) * (1 + i / n));
        byte[] q = new byte[w.length];
        for (int row = 0; row < rows; row++) {
            float scale = Quantizer.quantizeRow(w, row * n, n, q);
            float max = 0;
            for (int i = row * n; i < row * n + n; i++) max = Math.max(max, Math.abs(w[i]));
            assertEquals(max / 127f, scale, "row " + row + " scale is max|w| / 127");
            boolean reaches127 = false;
            for (int i = row * n; i < row * n + n; i++) {
                assertTrue(Math.abs(q[i]) <= 127, "q in [-127, 127]");
                assertTrue(Math.abs(q[i] * (double) scale - w[i]) <= scale * 0.5000001, "w " + w[i] + " q " + q[i] + " scale " + scale);
                reaches127 |= Math.abs(q[i]) == 127;
            }
            assertTrue(reaches127, "the row's largest weight maps to ±127");
        }
    }

    @Test
    void roundsTiesToEvenAndClamps() {
        float[] w = {127f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f, -127f};
        byte[] q = new byte[w.length];
        assertEquals(1f, Quantizer.quantizeRow(w, 0, w.length, q));
        assertArrayEquals(new byte[]{127, 0, 2, 2, 0, -2, -2, 4, -127}, q);
    }

    @Test
    void aRowOfZerosGetsScaleOneAndNoNaN() {
        float[] w = {0f, -0f, 0f, 3f, 0f};
        byte[] q = {9, 9, 9, 9, 9};
        assertEquals(1f, Quantizer.quantizeRow(w, 0, 3, q));
        assertArrayEquals(new byte[]{0, 0, 0, 9, 9}, q, "only the row is written");
        Tensor t = Quantizer.quantize(Tensor.ofFloats(new float[]{0, 0, 0, 1, -2, 4}, 2, 3), DType.I8);
        assertArrayEquals(new float[]{1f, 4f / 127f}, t.scales());
        float[] back = t.toFloatArray();
        assertEquals(0f, back[0]);
        assertEquals(4f, back[5]);
        assertFalse(Float.isNaN(back[1]));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantizeRow(new float[]{1f, Float.NaN}, 0, 2, new byte[2]));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, Quantizer.toBf16(1f));
        assertEquals((short) 0x3F80, Quantizer.toBf16(Float.intBitsToFloat(0x3F808000)), "tie, even below");
        assertEquals((short) 0x3F82, Quantizer.toBf16(Float.intBitsToFloat(0x3F818000)), "tie, even above");
        assertEquals((short) 0x3F81, Quantizer.toBf16(Float.intBitsToFloat(0x3F808001)), "above the tie");
        assertEquals((short) 0x3F80, Quantizer.toBf16(Float.intBitsToFloat(0x3F807FFF)), "below the tie");
        assertEquals((short) 0xBF80, Quantizer.toBf16(-1f));
        assertEquals((short) 0x7F80, Quantizer.toBf16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7F80, Quantizer.toBf16(Float.MAX_VALUE), "rounds up to infinity as RNE does");
        assertTrue(Float.isNaN(Float.intBitsToFloat(Quantizer.toBf16(Float.NaN) << 16)));
        Tensor t = Quantizer.quantize(Tensor.ofFloats(new float[]{1f, -2.5f, 3.140625f}, 1, 3), DType.BF16);
        assertEquals(DType.BF16, t.dtype());
        assertArrayEquals(new float[]{1f, -2.5f, 3.140625f}, t.toFloatArray());
    }

    /** A Linear, a GRU and a Conv1d, so each kind of quantized parameter is written and bound. */
    private static final String SPEC = """
            {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 6, 3], "dtype": "F32"}],
             "nodes": [{"op": "GRU", "name": "gru", "input_size": 3, "hidden_size": 8, "batch_first": true, "outputs": ["seq", "h"]},
                       {"op": "Conv1d", "name": "conv", "in_channels": 6, "out_channels": 5, "kernel_size": 3, "input": "seq"},
                       {"op": "Flatten"},
                       {"op": "Linear", "name": "fc", "in_features": 30, "out_features": 4}]}""";

    private Path model() {
        SplittableRandom r = new SplittableRandom(11);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("gru.weight_ih_l0", random(r, 24, 3));
        w.put("gru.weight_hh_l0", random(r, 24, 8));
        w.put("gru.bias_ih_l0", random(r, 24));
        w.put("gru.bias_hh_l0", random(r, 24));
        w.put("conv.weight", random(r, 5, 6, 3));
        w.put("conv.bias", random(r, 5));
        w.put("fc.weight", random(r, 4, 30));
        w.put("fc.bias", random(r, 4));
        Path f = tmp.resolve("f32.safetensors");
        SafetensorsWriter.write(f, w, Map.of(ModelLoader.SPEC_KEY, SPEC, "note", "kept"));
        return f;
    }

    private static Tensor random(SplittableRandom r, long... shape) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() - 0.5);
        return Tensor.ofFloats(a, shape);
    }

    private static float[] run(Model m, Tensor x) {
        return m.run(x).get("output").toFloatArray();
    }

    @Test
    void writesAFileThatRecordsWhatItDidAndLoads() {
        Path f32 = model(), q8 = tmp.resolve("int8.safetensors"), bf = tmp.resolve("bf16.safetensors");
        QuantizedFile.Result r = QuantizedFile.write(f32, q8, DType.I8);
        assertEquals(List.of("gru.weight_hh_l0", "gru.weight_ih_l0", "conv.weight", "fc.weight"), r.tensors());
        QuantizedFile.write(f32, bf, DType.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(q8)) {
            assertEquals(DType.I8, f.tensor("fc.weight").dtype());
            assertEquals(DType.F32, f.tensor("fc.weight_scale").dtype());
            assertArrayEquals(new long[]{4}, f.tensor("fc.weight_scale").shape());
            assertArrayEquals(new long[]{5}, f.tensor("conv.weight_scale").shape());
            assertEquals(DType.F32, f.tensor("fc.bias").dtype(), "biases stay F32");
            assertEquals("kept", f.metadata().get("note"));
            Map<String, Object> spec = Json.parseObject(f.metadata().get(ModelLoader.SPEC_KEY));
            Map<?, ?> q = (Map<?, ?>) spec.get(Quantizer.SPEC_KEY);
            assertEquals("int8", q.get("dtype"));
            assertEquals("per-channel-symmetric", q.get("scheme"));
            assertEquals(r.tensors(), q.get("tensors"));
            // the stored values and scales are the quantizer's
            float[] w;
            try (SafetensorsFile src = SafetensorsFile.open(f32)) {
                w = src.tensor("fc.weight").toFloatArray();
            }
            byte[] want = new byte[w.length];
            float scale = Quantizer.quantizeRow(w, 30, 30, want); // row 1
            assertEquals(scale, f.tensor("fc.weight_scale").getFloat(1));
            for (int i = 0; i < 30; i++) assertEquals(want[30 + i], (byte) f.tensor("fc.weight").getLong(30 + i));
        }
        try (SafetensorsFile f = SafetensorsFile.open(bf)) {
            assertEquals(DType.BF16, f.tensor("gru.weight_hh_l0").dtype());
            assertFalse(f.names().contains("fc.weight_scale"));
        }
        Tensor x = random(new SplittableRandom(2), 2, 6, 3);
        try (Model ref = ModelLoader.load(f32, 1); Model m8 = ModelLoader.load(q8, 1); Model mb = ModelLoader.load(bf, 2);
             Model atLoad = ModelLoader.load(f32, 1, "java", DType.I8)) {
            float[] e = run(ref, x), a8 = run(m8, x), ab = run(mb, x);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a8[i], 0.02, "int8 output " + i);
                assertEquals(e[i], ab[i], 0.01, "bf16 output " + i);
            }
            assertTrue(!java.util.Arrays.equals(e, a8), "the int8 model's outputs differ from F32 (it was quantized)");
            assertArrayEquals(a8, run(atLoad, x), "quantizing at load gives the file's model");
            assertTrue(m8.nodes().stream().anyMatch(n -> n.summary().contains("int8 weights")), "the layers say what they hold");
        }
    }

    /** An Embedding of 50 rows of 7 over integer ids. */
    private static final String EMBEDDING = """
            {"format": "isthmus/1", "inputs": [{"name": "ids", "shape": [-1, -1], "dtype": "I64"}],
             "nodes": [{"op": "Embedding", "name": "emb", "num_embeddings": 50, "embedding_dim": 7}]}""";

    /**
     * Embedding tables are quantized too (int8 with a scale per row, i.e. per token; bf16), and every table, F32 ones
     * included, is gathered from where the file is mapped: a row's output is exactly the stored row widened
     * (q·scale, or the bf16 value), and the model holds no float copy of the table.
     */
    @Test
    void embeddingTablesAreQuantizedAndGatheredWhereTheyAreMapped() {
        Path f32 = tmp.resolve("emb.safetensors");
        SafetensorsWriter.write(f32, Map.of("emb.weight", random(new SplittableRandom(5), 50, 7)), Map.of(ModelLoader.SPEC_KEY, EMBEDDING));
        long[] ids = {0, 49, 3, 3, 17, 0};
        Tensor x = Tensor.wrap(DType.I64, new long[]{2, 3}, MemorySegment.ofArray(ids));
        for (DType dtype : new DType[]{DType.F32, DType.I8, DType.BF16}) {
            Path f = f32;
            if (dtype != DType.F32) {
                f = tmp.resolve("emb-" + dtype + ".safetensors");
                assertEquals(List.of("emb.weight"), QuantizedFile.write(f32, f, dtype).tensors());
            }
            try (SafetensorsFile file = SafetensorsFile.open(f); Model m = ModelLoader.load(f, 1)) {
                Tensor table = file.tensor("emb.weight");
                assertEquals(dtype, table.dtype());
                float[] want = new float[ids.length * 7];
                for (int i = 0; i < ids.length; i++) {
                    for (int c = 0; c < 7; c++) {
                        float v = table.getFloat(ids[i] * 7 + c);
                        want[i * 7 + c] = dtype == DType.I8 ? v * file.tensor("emb.weight_scale").getFloat(ids[i]) : v;
                    }
                }
                assertArrayEquals(want, run(m, x), dtype + ": the stored rows, widened");
                assertEquals(0, m.heldBytes(), dtype + ": no copy of the table");
                String summary = m.nodes().getFirst().summary();
                assertTrue(dtype == DType.F32 ? summary.equals("50 × 7") : summary.endsWith(Quantizer.dtypeName(dtype) + " weights"), summary);
            }
        }
    }

    /** A 2-layer post-LN encoder (odd sizes: d 36, 3 heads, ff 53) and its pre-LN twin. */
    private static final String ENCODER = """
            {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, -1, 36], "dtype": "F32"}],
             "nodes": [{"op": "TransformerEncoder", "name": "enc", "num_layers": 2,
                        "encoder_layer": {"d_model": 36, "nhead": 3, "dim_feedforward": 53, "batch_first": true,
                                          "norm_first": NORM_FIRST, "activation": "ACT"}}]}""";

    private Path encoder(boolean normFirst) {
        SplittableRandom r = new SplittableRandom(normFirst ? 3 : 4);
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            String p = "enc.layers." + i + ".";
            w.put(p + "self_attn.in_proj_weight", random(r, 108, 36));
            w.put(p + "self_attn.in_proj_bias", random(r, 108));
            w.put(p + "self_attn.out_proj.weight", random(r, 36, 36));
            w.put(p + "self_attn.out_proj.bias", random(r, 36));
            w.put(p + "linear1.weight", random(r, 53, 36));
            w.put(p + "linear1.bias", random(r, 53));
            w.put(p + "linear2.weight", random(r, 36, 53));
            w.put(p + "linear2.bias", random(r, 36));
            for (String n : new String[]{"norm1", "norm2"}) {
                float[] g = new float[36];
                for (int j = 0; j < g.length; j++) g[j] = 1f + (float) (r.nextDouble() - 0.5) * 0.2f;
                w.put(p + n + ".weight", Tensor.ofFloats(g, 36));
                w.put(p + n + ".bias", random(r, 36));
            }
        }
        Path f = tmp.resolve("encoder-" + normFirst + ".safetensors");
        String spec = ENCODER.replace("NORM_FIRST", String.valueOf(normFirst)).replace("ACT", normFirst ? "gelu" : "relu");
        SafetensorsWriter.write(f, w, Map.of(ModelLoader.SPEC_KEY, spec));
        return f;
    }

    /** Every node on the scalar reference kernels. */
    private static final class ReferenceBackend implements dev.isthmus.engine.backend.Backend {
        @Override
        public String name() {
            return "reference";
        }

        @Override
        public dev.isthmus.engine.ir.Executable compile(dev.isthmus.engine.ir.Node node) {
            return node.op().compile(dev.isthmus.engine.kernels.KernelProvider.reference());
        }

        @Override
        public void close() {
        }
    }

    /**
     * On the Java backend an int8 or bf16 encoder's projections stay narrow (the weight-only kernels; nothing widened
     * to F32 at load) and give the reference kernels' results on the same quantized weights, at 1 and 2 threads and
     * at 1, 3 and 12 rows (12 takes the path that widens the weight per call).
     */
    @Test
    void narrowEncodersOnTheJavaKernelsMatchTheReference() {
        for (boolean normFirst : new boolean[]{false, true}) {
            Path f32 = encoder(normFirst);
            long f32Held;
            try (Model m = ModelLoader.load(f32, 1, "java")) {
                f32Held = m.heldBytes();
            }
            for (DType dt : new DType[]{DType.I8, DType.BF16}) {
                var loc = ModelLoader.locate(f32);
                SafetensorsFile file = ModelLoader.openWeights(loc.weights());
                var format = ModelLoader.format(loc);
                var spec = format.spec(loc, file);
                var weights = Quantizer.atLoad(spec, format.weights(loc, file), dt);
                try (Model ref = Model.build(spec, weights, file, 1, new ReferenceBackend());
                     Model one = ModelLoader.load(f32, 1, "java", dt); Model two = ModelLoader.load(f32, 2, "java", dt)) {
                    String what = dt + (normFirst ? " pre-LN" : " post-LN");
                    // 1 or 2 bytes per weight, plus the F32 biases, norms and int8 scales
                    double most = dt == DType.I8 ? 0.35 : 0.55;
                    assertTrue(one.heldBytes() < most * f32Held, what + ": holds " + one.heldBytes() + " bytes, the F32 encoder " + f32Held);
                    SplittableRandom r = new SplittableRandom(7);
                    for (int[] bs : new int[][]{{1, 1}, {3, 1}, {1, 12}, {3, 4}}) {
                        Tensor x = random(r, bs[0], bs[1], 36);
                        float[] e = run(ref, x);
                        for (Model m : new Model[]{one, two}) {
                            float[] a = run(m, x);
                            for (int i = 0; i < e.length; i++) {
                                assertEquals(e[i], a[i], 1e-4 * Math.max(1, Math.abs(e[i])), what + " " + java.util.Arrays.toString(bs) + " output " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesAQuantizedModelAndReportsAMissingScale() {
        Path f32 = model(), q8 = tmp.resolve("q.safetensors");
        QuantizedFile.write(f32, q8, DType.I8);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantizedFile.write(q8, tmp.resolve("qq.safetensors"), DType.I8));
        assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> QuantizedFile.write(f32, f32, DType.I8));
        // an I8 weight without its scales, and scales of the wrong shape
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc.weight", Tensor.wrap(DType.I8, new long[]{3, 2}, MemorySegment.ofArray(new byte[]{1, 2, 3, 4, 5, 6})));
        w.put("fc.bias", Tensor.ofFloats(new float[3], 3));
        String spec = """
                {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 2], "dtype": "F32"}],
                 "nodes": [{"op": "Linear", "name": "fc", "in_features": 2, "out_features": 3}]}""";
        Path bad = tmp.resolve("bad.safetensors");
        SafetensorsWriter.write(bad, w, Map.of(ModelLoader.SPEC_KEY, spec));
        ModelSpecException missing = assertThrows(ModelSpecException.class, () -> ModelLoader.load(bad, 1).close());
        assertTrue(missing.getMessage().contains("fc.weight_scale"), missing.getMessage());
        w.put("fc.weight_scale", Tensor.ofFloats(new float[2], 2));
        SafetensorsWriter.write(bad, w, Map.of(ModelLoader.SPEC_KEY, spec));
        ModelSpecException shape = assertThrows(ModelSpecException.class, () -> ModelLoader.load(bad, 1).close());
        assertTrue(shape.getMessage().contains("F32 of shape [3]"), shape.getMessage());
        w.put("fc.weight_scale", Tensor.ofFloats(new float[]{1f, Float.NaN, 1f}, 3));
        SafetensorsWriter.write(bad, w, Map.of(ModelLoader.SPEC_KEY, spec));
        ModelSpecException nan = assertThrows(ModelSpecException.class, () -> ModelLoader.load(bad, 1).close());
        assertTrue(nan.getMessage().contains("not finite"), nan.getMessage());
        // a file written by hand with I8 + scales loads and reads q·scale
        w.put("fc.weight_scale", Tensor.ofFloats(new float[]{0.5f, 1f, 2f}, 3));
        SafetensorsWriter.write(bad, w, Map.of(ModelLoader.SPEC_KEY, spec));
        try (Model m = ModelLoader.load(bad, 1)) {
            assertArrayEquals(new float[]{1.5f, 7f, 22f}, m.run(Tensor.ofFloats(new float[]{1, 1}, 1, 2)).get("output").toFloatArray());
        }
    }
}
