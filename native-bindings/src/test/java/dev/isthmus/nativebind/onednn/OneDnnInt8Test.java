package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.ir.ops.Recurrent;
import dev.isthmus.engine.ir.ops.TransformerEncoder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.reference.Int8Rows;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.quant.Quantizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * int8 compute on oneDNN against {@link Int8Rows#linear}, the scalar reference that performs the same steps (rows
 * quantized with the same scales and rounding, exact integer sums, the same epilogue), within 1e-4: so the kernels are
 * tested exactly, apart from the quantization error. Awkward sizes (primes, 1), 1 and 3 rows and many, in-place
 * residuals; whole Transformer encoders (post-LN and pre-LN, masks) quantized at load.
 */
class OneDnnInt8Test {
    static final double TOL = 1e-4;
    static final ComputePool POOL = ComputePool.single();

    @BeforeAll
    static void available() {
        OneDnnStatus s = OneDnn.probe();
        assertTrue(s.available(), "oneDNN must load in this build (the jar is a dependency): " + s.reason());
    }

    /** A random int8 weight (out × in) with a scale per row, as {@code isthmus quantize} stores one. */
    static Tensor int8Weight(Random r, int out, int in) {
        byte[] q = new byte[out * in];
        for (int i = 0; i < q.length; i++) q[i] = (byte) (r.nextInt(255) - 127);
        float[] s = new float[out];
        for (int i = 0; i < out; i++) s[i] = i % 11 == 7 ? 0f : 0.001f + r.nextFloat() * 0.01f;
        return Tensor.quantized(Tensor.wrap(DType.I8, new long[]{out, in}, java.lang.foreign.MemorySegment.ofArray(q)), s);
    }

    static LinearKernel reference(Tensor w, float[] bias, Activation act) {
        return Int8Rows.linear(w.segment().toArray(ValueLayout.JAVA_BYTE), w.scales(), bias, (int) w.dim(0), (int) w.dim(1), act);
    }

    @Test
    void linearMatchesTheInt8Reference() {
        Random r = new Random(3);
        int cases = 0;
        for (int threads : new int[]{1, 2}) {
            OneDnnBackend b = OneDnnBackend.open(threads);
            try {
                for (int[] oi : new int[][]{{1, 1}, {5, 7}, {37, 131}, {130, 64}, {64, 3}}) {
                    for (Activation act : new Activation[]{Activation.NONE, Activation.RELU, Activation.GELU}) {
                        int out = oi[0], in = oi[1];
                        Tensor w = int8Weight(r, out, in);
                        float[] bias = act == Activation.RELU ? null : Nodes.random(r, out);
                        OneDnnInt8Linear k = new OneDnnInt8Linear(b, "l" + cases, w, bias, act);
                        LinearKernel ref = reference(w, bias, act);
                        for (int rows : new int[]{1, 3, 32, 129}) {
                            for (int residual = 0; residual < 3; residual++) { // none, another array, y itself
                                int ldx = in + 2, ldy = out + 3;
                                float[] x = Nodes.random(r, 1 + rows * ldx);
                                for (int i = 0; i < x.length; i++) x[i] *= 4;
                                float[] res = Nodes.random(r, rows * out), start = Nodes.random(r, 2 + rows * ldy);
                                float[] ye = start.clone(), ya = start.clone();
                                run(ref, x, ldx, rows, ye, ldy, residual, res, out);
                                run(k, x, ldx, rows, ya, ldy, residual, res, out);
                                Nodes.assertClose(out + "×" + in + " " + act + " rows " + rows + " residual " + residual + " threads " + threads,
                                        ye, ya, TOL);
                                cases++;
                            }
                        }
                        assertTrue(k.implementation().contains("matmul"), k.implementation());
                        k.close();
                    }
                }
            } finally {
                b.close();
            }
            assertEquals(0, b.openLayers());
        }
        assertEquals(360, cases);
    }

    private static void run(LinearKernel k, float[] x, int ldx, int rows, float[] y, int ldy, int residual, float[] res, int out) {
        switch (residual) {
            case 0 -> k.run(x, 1, ldx, rows, y, 2, ldy, null, 0, 0, POOL);
            case 1 -> k.run(x, 1, ldx, rows, y, 2, ldy, res, 0, out, POOL);
            default -> k.run(x, 1, ldx, rows, y, 2, ldy, y, 2, ldy, POOL);
        }
    }

    @Test
    void refusesWhatIsNotInt8WithScales() {
        OneDnnBackend b = OneDnnBackend.open(1);
        try {
            Tensor f = Tensor.ofFloats(new float[6], 2, 3);
            assertThrows(IllegalArgumentException.class, () -> new OneDnnInt8Linear(b, "f32", f, null, Activation.NONE));
            Tensor w = int8Weight(new Random(1), 2, 3);
            assertThrows(IllegalArgumentException.class, () -> new OneDnnInt8Linear(b, "bias", w, new float[3], Activation.NONE));
        } finally {
            b.close();
        }
    }

    /**
     * The int8 reference as a backend: quantized encoders, Linear layers and the input projections of GRU and LSTM
     * layers through {@link Int8Rows#linear}, the rest on the reference kernels.
     */
    static final class Int8ReferenceBackend implements Backend {
        @Override
        public String name() {
            return "int8 reference";
        }

        @Override
        public Executable compile(Node node) {
            KernelProvider ref = KernelProvider.reference();
            return switch (node.op()) {
                case TransformerEncoder e when e.quantizedInt8() -> e.compile(ref, (name, w, bias, act) -> reference(w, bias, act));
                case Recurrent r when r.quantizedInt8() -> r.compile(ref, (name, w, bias, act) -> reference(w, bias, act));
                case Linear l when l.weight().isQuantized() -> {
                    LinearKernel k = reference(l.weight(), l.biasFloats(), l.activation());
                    yield f -> {
                        long[] s = f.inShape[0];
                        int rows = Math.toIntExact(dev.isthmus.engine.tensor.Shape.prod(s, 0, s.length - 1));
                        k.run(f.buf, f.in[0], l.inFeatures(), rows, f.buf, f.out[0], l.outFeatures(), l.hasResidual() ? f.buf : null,
                                l.hasResidual() ? f.in[1] : 0, l.outFeatures(), f.pool);
                    };
                }
                default -> node.op().compile(ref);
            };
        }

        @Override
        public void close() {
        }
    }

    static ModelSpec encoder(int layers, int d, int heads, int ff, boolean normFirst, String act, boolean mask) {
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("d_model", d);
        layer.put("nhead", heads);
        layer.put("dim_feedforward", ff);
        layer.put("batch_first", true);
        layer.put("norm_first", normFirst);
        layer.put("activation", act);
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("encoder_layer", layer);
        args.put("num_layers", layers);
        return mask ? Nodes.oneNodeOf("TransformerEncoder", "enc", args, 1, new long[]{-1, -1, d}, new long[]{-1, -1})
                : Nodes.oneNode("TransformerEncoder", "enc", args, 1, -1, -1, d);
    }

    static Nodes.Weights encoderWeights(long seed, int layers, int d, int ff) {
        Nodes.Weights w = new Nodes.Weights(seed);
        for (int i = 0; i < layers; i++) {
            String p = "enc.layers." + i + ".";
            w.add(p + "self_attn.in_proj_weight", 0.2f, 3L * d, d);
            w.add(p + "self_attn.in_proj_bias", 0.1f, 3L * d);
            w.add(p + "self_attn.out_proj.weight", 0.2f, d, d);
            w.add(p + "self_attn.out_proj.bias", 0.1f, d);
            w.add(p + "linear1.weight", 0.2f, ff, d);
            w.add(p + "linear1.bias", 0.1f, ff);
            w.add(p + "linear2.weight", 0.2f, d, ff);
            w.add(p + "linear2.bias", 0.1f, d);
            for (String n : new String[]{"norm1", "norm2"}) {
                w.add(p + n + ".weight", 1f, d);
                w.add(p + n + ".bias", 0.1f, d);
            }
        }
        return w;
    }

    @Test
    void quantizedEncoderMatchesTheInt8Reference() {
        int d = 36, heads = 3, ff = 53, layers = 2;
        Random r = new Random(9);
        for (boolean normFirst : new boolean[]{false, true}) {
            for (boolean mask : new boolean[]{false, true}) {
                ModelSpec spec = encoder(layers, d, heads, ff, normFirst, normFirst ? "gelu" : "relu", mask);
                var ws = Quantizer.atLoad(spec, encoderWeights(normFirst ? 1 : 2, layers, d, ff), DType.I8);
                OneDnnBackend b = OneDnnBackend.open(2);
                try (Model onednn = Model.build(spec, ws, null, 2, b);
                     Model ref = Model.build(spec, ws, null, 1, new Int8ReferenceBackend())) {
                    assertEquals(List.of("onednn"), Nodes.backends(onednn));
                    assertEquals(4 * layers, b.openLayers(), "one int8 product per projection");
                    for (int[] bs : new int[][]{{1, 1}, {1, 7}, {3, 5}}) {
                        float[] x = Nodes.random(r, bs[0] * bs[1] * d);
                        Tensor xt = Tensor.ofFloats(x, bs[0], bs[1], d);
                        String what = "normFirst " + normFirst + " mask " + mask + " " + Arrays.toString(bs);
                        if (mask) {
                            float[] m = new float[bs[0] * bs[1]]; // a float mask is added to the scores
                            if (bs[1] > 1) m[bs[1] - 1] = Float.NEGATIVE_INFINITY; // the first sequence's last key is padding
                            Tensor mt = Tensor.ofFloats(m, bs[0], bs[1]);
                            Nodes.assertSameResults(what, Nodes.run(ref, xt, mt), Nodes.run(onednn, xt, mt), TOL);
                        } else {
                            Nodes.assertSameResults(what, Nodes.run(ref, xt), Nodes.run(onednn, xt), TOL);
                        }
                    }
                }
                assertEquals(0, b.openLayers(), "the model closes the backend and its layers");
            }
        }
    }

    /** x → Linear (int8) → + x → ReLU: the fusion passes make it one Linear with a residual and a ReLU. */
    static ModelSpec residualLinear(int d) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("in_features", d);
        args.put("out_features", d);
        return Nodes.spec(List.of(Nodes.input("x", -1, d)), List.of("y"),
                Nodes.node(0, "Linear", "fc", List.of("x"), List.of("h"), args),
                Nodes.node(1, "add", "add", List.of("h", "x"), List.of("s"), Map.of()),
                Nodes.node(2, "relu", "relu", List.of("s"), List.of("y"), Map.of()));
    }

    /** {@link #residualLinear}'s weights (random, the weight's values within ±{@code scale}), quantized to int8 at load. */
    private static dev.isthmus.engine.ir.WeightSource int8Weights(ModelSpec spec, int d, long seed, float scale) {
        Nodes.Weights f32 = new Nodes.Weights(seed);
        f32.add("fc.weight", scale, d, d);
        f32.add("fc.bias", 0.1f, d);
        return Quantizer.atLoad(spec, f32, DType.I8);
    }

    @Test
    void int8LinearWithAFusedResidualMatchesTheInt8Reference() {
        int d = 67;
        ModelSpec spec = residualLinear(d);
        var ws = int8Weights(spec, d, 12, 0.3f);
        Random r = new Random(13);
        OneDnnBackend b = OneDnnBackend.open(1);
        try (Model onednn = Model.build(spec, ws, null, 1, b); Model ref = Model.build(spec, ws, null, 1, new Int8ReferenceBackend())) {
            assertEquals(List.of("onednn"), Nodes.backends(onednn));
            assertTrue(onednn.nodes().getFirst().summary().contains(" + "), "the residual and ReLU are fused: " + onednn.nodes());
            for (int rows : new int[]{1, 3, 40}) {
                Tensor x = Tensor.ofFloats(Nodes.random(r, rows * d), rows, d);
                Nodes.assertSameResults(rows + " rows", Nodes.run(ref, x), Nodes.run(onednn, x), TOL);
            }
        }
    }

    /**
     * {@code --backend auto} runs an int8 Linear on oneDNN from 2 rows and enough multiply-adds, on the Java
     * weight-only kernel below (one compiled form each, chosen per input shape).
     */
    @Test
    void autoRunsInt8LinearLayersOnOneDnnFromTwoRows() {
        assumeTrue(OneDnnAutoBackend.int8Accelerated(OneDnn.probe().isa()), "this CPU has no int8 dot product");
        int d = 400; // 160,000 multiply-adds a row
        ModelSpec spec = residualLinear(d);
        var ws = int8Weights(spec, d, 14, 0.1f);
        Random r = new Random(15);
        try (OneDnnAutoBackend auto = new OneDnnAutoBackend(1); Model m = Model.build(spec, ws, null, 1, auto);
             Model int8 = Model.build(spec, ws, null, 1, new Int8ReferenceBackend()); Model widened = Nodes.reference(spec, ws)) {
            assertTrue(Nodes.backends(m).getFirst().startsWith("onednn int8 from 2 rows"), Nodes.backends(m).toString());
            Tensor one = Tensor.ofFloats(Nodes.random(r, d), 1, d), three = Tensor.ofFloats(Nodes.random(r, 3 * d), 3, d);
            Nodes.assertSameResults("1 row: the weight-only kernel", Nodes.run(widened, one), Nodes.run(m, one), TOL);
            Nodes.assertSameResults("3 rows: oneDNN's int8 product", Nodes.run(int8, three), Nodes.run(m, three), TOL);
        }
    }

    @Test
    void byRowsPicksOneDnnFromTwoRowsAndEnoughWork() {
        long minMacs = OneDnnAutoBackend.INT8_MIN_MACS;
        OneDnnAutoBackend.ByRows big = new OneDnnAutoBackend.ByRows(f -> { }, f -> { }, minMacs);
        assertEquals(big.java(), big.pick(new long[]{1, 300}), "one row: a matrix-vector product");
        assertEquals(big.onednn(), big.pick(new long[]{2, 300}));
        assertEquals(big.onednn(), big.pick(new long[]{1, 2, 300}), "rows are every dimension but the last");
        OneDnnAutoBackend.ByRows small = new OneDnnAutoBackend.ByRows(f -> { }, f -> { }, minMacs / 8);
        assertEquals(small.java(), small.pick(new long[]{7, 300}));
        assertEquals(small.onednn(), small.pick(new long[]{8, 300}));
    }

    /** {@code --backend auto} runs an int8 encoder's products on oneDNN where the CPU has an int8 dot product. */
    @Test
    void autoClaimsInt8EncodersWhereTheCpuMultipliesInt8() {
        String isa = OneDnn.probe().isa();
        assertTrue(OneDnnAutoBackend.int8Accelerated("avx512_core_vnni"));
        assertTrue(OneDnnAutoBackend.int8Accelerated("avx2_vnni"));
        assertTrue(OneDnnAutoBackend.int8Accelerated("avx512_core_amx"));
        assertTrue(!OneDnnAutoBackend.int8Accelerated("avx2") && !OneDnnAutoBackend.int8Accelerated("avx512_core")
                && !OneDnnAutoBackend.int8Accelerated(null));
        int d = 16, ff = 24;
        ModelSpec spec = encoder(1, d, 2, ff, false, "relu", false);
        Nodes.Weights f32 = encoderWeights(4, 1, d, ff);
        try (OneDnnAutoBackend auto = new OneDnnAutoBackend(1); Model m = Model.build(spec, Quantizer.atLoad(spec, f32, DType.I8), null, 1, auto)) {
            assertEquals(List.of(OneDnnAutoBackend.int8Accelerated(isa) ? "onednn" : "java"), Nodes.backends(m), isa);
        }
        try (OneDnnAutoBackend auto = new OneDnnAutoBackend(1); Model m = Model.build(spec, f32, null, 1, auto)) {
            assertEquals(List.of("java"), Nodes.backends(m), "an F32 encoder stays on Java");
        }
        assumeTrue(OneDnnAutoBackend.int8Accelerated(isa), "this CPU has no int8 dot product: " + isa);
    }

    /** A 2-layer bidirectional LSTM (no projection) on (batch, steps, 10), hidden 16, its three results. */
    static ModelSpec lstm() {
        return Nodes.oneNode("LSTM", "l", OneDnnRuntimeTest.GRU_ARGS, 3, -1, -1, 10);
    }

    /**
     * {@code --backend auto} runs the input projections of int8 GRU and LSTM layers (all steps at once) on oneDNN's
     * int8 matmul and their steps on the Java weight-only kernels, at every batch (no F32 copy of the weights, as
     * oneDNN's GRU would make from batch 8); the results match the int8 reference (the same products through
     * {@link Int8Rows#linear}, the steps on the reference kernels) at batch 1, 3 and 9, one step and several.
     */
    @Test
    void autoRunsInt8RecurrentInputProjectionsOnOneDnn() {
        assumeTrue(OneDnnAutoBackend.int8Accelerated(OneDnn.probe().isa()), "this CPU has no int8 dot product");
        Object[][] models = {{OneDnnRuntimeTest.seedGru(), OneDnnRuntimeTest.gruWeights(), "java, with int8 input projections on onednn"},
                {lstm(), OneDnnRuntimeTest.recurrentWeights("l", 4, 78), "java, with int8 input projections on onednn"}};
        for (Object[] mw : models) {
            ModelSpec spec = (ModelSpec) mw[0];
            var ws = Quantizer.atLoad(spec, (Nodes.Weights) mw[1], DType.I8);
            try (OneDnnAutoBackend auto = new OneDnnAutoBackend(1); Model m = Model.build(spec, ws, null, 1, auto);
                 Model int8 = Model.build(spec, ws, null, 1, new Int8ReferenceBackend())) {
                assertEquals(List.of(mw[2]), Nodes.backends(m));
                for (int[] bs : new int[][]{{1, 1}, {1, 9}, {3, 1}, {3, 5}, {9, 4}}) {
                    Tensor x = OneDnnRuntimeTest.sequence(bs[0] * 7 + bs[1], bs[0], bs[1]);
                    Nodes.assertSameResults(spec.nodes().getFirst().op() + " batch " + bs[0] + ", " + bs[1] + " steps", Nodes.run(int8, x),
                            Nodes.run(m, x), TOL);
                }
            }
        }
    }
}
