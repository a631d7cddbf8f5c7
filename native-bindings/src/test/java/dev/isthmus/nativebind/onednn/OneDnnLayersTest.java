package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.Conv;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.isthmus.nativebind.onednn.Nodes.assertClose;
import static dev.isthmus.nativebind.onednn.Nodes.assertSameResults;
import static dev.isthmus.nativebind.onednn.Nodes.input;
import static dev.isthmus.nativebind.onednn.Nodes.node;
import static dev.isthmus.nativebind.onednn.Nodes.pair;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each op oneDNN claims, in a model built from a spec, against the same model on the engine's scalar reference
 * kernels, within 1e-4, on several shapes and settings; the epilogues it fuses and the ones it declines.
 */
class OneDnnLayersTest {
    static final double TOL = 1e-4;
    static final ComputePool POOL = ComputePool.single();

    @BeforeAll
    static void available() {
        OneDnnStatus s = OneDnn.probe();
        assertTrue(s.available(), "oneDNN must load in this build (the jar is a dependency): " + s.reason());
    }

    /** Builds {@code spec} on oneDNN and on the reference kernels, runs both, compares; returns the oneDNN model's node backends. */
    static List<String> compare(String what, ModelSpec spec, Nodes.Weights ws, Tensor... inputs) {
        OneDnnBackend b = OneDnnBackend.open(2);
        try (Model onednn = Model.build(spec, ws, null, 2, b); Model ref = Nodes.reference(spec, ws)) {
            assertSameResults(what, Nodes.run(ref, inputs), Nodes.run(onednn, inputs), TOL);
            for (OneDnnLayerBase l : b.layers()) assertFalse(l.implementation().isEmpty());
            return Nodes.backends(onednn);
        } finally {
            assertEquals(0, b.openLayers(), "the model closes the backend and its layers");
        }
    }

    static Map<String, Object> convArgs(int cin, int cout, List<Integer> kernel, List<Integer> stride, List<Integer> dilation,
                                        int groups, boolean bias, Object padding) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("in_channels", cin);
        args.put("out_channels", cout);
        args.put("kernel_size", kernel);
        args.put("stride", stride);
        args.put("dilation", dilation);
        args.put("groups", groups);
        args.put("bias", bias);
        args.put("padding", padding);
        return args;
    }

    /** {@code op} on x, then a ReLU node when {@code relu} (which the engine's passes may fuse). */
    static ModelSpec withRelu(String op, String name, Map<String, Object> args, boolean relu, long... shape) {
        if (!relu) return Nodes.oneNode(op, name, args, 1, shape);
        return Nodes.spec(List.of(input("x", shape)), List.of("y"),
                node(0, op, name, List.of("x"), List.of("a"), args),
                node(1, "ReLU", null, List.of("a"), List.of("y"), Map.of()));
    }

    // n, cin, h, w, cout, kh, kw, sh, sw, padding ("same", "valid" or "ph:pw"), dh, dw, groups, bias, relu
    @ParameterizedTest(name = "conv n={0} cin={1} {2}x{3} cout={4} k={5}x{6} s={7},{8} pad={9} d={10},{11} g={12} bias={13} relu={14}")
    @CsvSource({
            "1, 1, 28, 28, 32, 3, 3, 1, 1, 1:1, 1, 1, 1, true, true",
            "3, 32, 14, 14, 64, 3, 3, 1, 1, 1:1, 1, 1, 1, true, false",
            "2, 3, 13, 11, 8, 3, 3, 2, 2, 1:1, 1, 1, 1, true, false",
            "2, 4, 13, 11, 6, 3, 5, 1, 2, 2:1, 2, 1, 1, false, false",
            "1, 6, 12, 12, 6, 3, 3, 1, 1, same, 1, 1, 6, true, true",
            "2, 4, 9, 10, 8, 3, 3, 1, 1, 1:1, 1, 1, 4, true, false",
            "2, 4, 9, 10, 6, 3, 3, 1, 1, 0:0, 1, 1, 2, true, false",
            "1, 3, 10, 9, 5, 4, 2, 1, 1, same, 1, 1, 1, true, false",
            "1, 3, 10, 9, 5, 2, 4, 1, 1, same, 2, 3, 1, true, true",
            "2, 5, 7, 8, 7, 1, 1, 1, 1, valid, 1, 1, 1, true, false",
            "1, 16, 8, 8, 16, 3, 3, 2, 1, 0:2, 1, 2, 1, false, true",
    })
    void conv2dMatchesReference(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, String padding,
                                int dh, int dw, int groups, boolean bias, boolean relu) {
        Nodes.Weights ws = new Nodes.Weights(cin * 31L + cout);
        float scale = (float) (1.2 * Math.sqrt(3.0 / (cin / groups * kh * kw)));
        ws.add("c.weight", scale, cout, cin / groups, kh, kw);
        if (bias) ws.add("c.bias", 0.5f, cout);
        Object pad = padding.equals("same") || padding.equals("valid") ? padding
                : pair(Integer.parseInt(padding.split(":")[0]), Integer.parseInt(padding.split(":")[1]));
        Map<String, Object> args = convArgs(cin, cout, pair(kh, kw), pair(sh, sw), pair(dh, dw), groups, bias, pad);
        float[] x = Nodes.random(new Random(h * 7L + w), n * cin * h * w);
        List<String> where = compare("conv", withRelu("Conv2d", "c", args, relu, n, cin, h, w), ws, Tensor.ofFloats(x, n, cin, h, w));
        assertEquals("onednn", where.getFirst(), "the convolution runs on oneDNN");
        // unbatched CHW takes the same path with n = 1
        if (n == 1) compare("conv CHW", withRelu("Conv2d", "c", args, relu, cin, h, w), ws, Tensor.ofFloats(x, cin, h, w));
    }

    // n, cin, l, cout, k, stride, padding ("same", "valid" or a number), dilation, groups, bias
    @ParameterizedTest(name = "conv1d n={0} cin={1} l={2} cout={3} k={4} s={5} pad={6} d={7} g={8} bias={9}")
    @CsvSource({
            "2, 3, 17, 8, 3, 1, 1, 1, 1, true",
            "1, 4, 20, 6, 4, 2, 0, 2, 2, false",
            "3, 6, 15, 6, 4, 1, same, 1, 6, true",
            "2, 5, 9, 7, 1, 1, valid, 1, 1, true",
    })
    void conv1dRunsAsAConvolutionOfHeightOne(int n, int cin, int l, int cout, int k, int s, String padding, int d, int groups, boolean bias) {
        Nodes.Weights ws = new Nodes.Weights(cin * 17L + l);
        ws.add("c.weight", (float) Math.sqrt(3.0 / (cin / groups * k)), cout, cin / groups, k);
        if (bias) ws.add("c.bias", 0.5f, cout);
        Object pad = padding.equals("same") || padding.equals("valid") ? padding : Integer.parseInt(padding);
        Map<String, Object> args = convArgs(cin, cout, List.of(k), List.of(s), List.of(d), groups, bias, pad);
        float[] x = Nodes.random(new Random(l), n * cin * l);
        List<String> where = compare("conv1d", Nodes.oneNode("Conv1d", "c", args, 1, n, cin, l), ws, Tensor.ofFloats(x, n, cin, l));
        assertEquals(List.of("onednn"), where);
        compare("conv1d CL", Nodes.oneNode("Conv1d", "c", args, 1, cin, l), ws, Tensor.ofFloats(java.util.Arrays.copyOf(x, cin * l), cin, l));
    }

    // rows, in, out, bias, relu
    @ParameterizedTest(name = "linear rows={0} in={1} out={2} bias={3} relu={4}")
    @CsvSource({
            "1, 1, 1, true, false",
            "3, 7, 10, true, false",
            "17, 100, 33, false, false",
            "64, 256, 10, true, true",
            "5, 3136, 128, true, true",
            "1, 512, 512, true, false",
    })
    void linearMatchesReference(int rows, int in, int out, boolean bias, boolean relu) {
        Nodes.Weights ws = new Nodes.Weights(rows * 131L + in);
        ws.add("fc.weight", (float) Math.sqrt(3.0 / in), out, in);
        if (bias) ws.add("fc.bias", 0.5f, out);
        Map<String, Object> args = Map.of("in_features", in, "out_features", out, "bias", bias);
        float[] x = Nodes.random(new Random(out), rows * in);
        List<String> where = compare("linear", withRelu("Linear", "fc", args, relu, rows, in), ws, Tensor.ofFloats(x, rows, in));
        assertEquals("onednn", where.getFirst());
        // rank 3 and rank 1 inputs flatten to rows
        if (rows > 1) compare("linear rank 3", withRelu("Linear", "fc", args, relu, 1, rows, in), ws, Tensor.ofFloats(x, 1, rows, in));
        if (rows == 1) compare("linear rank 1", withRelu("Linear", "fc", args, relu, in), ws, Tensor.ofFloats(x, in));
    }

    @Test
    void linearWithoutFeaturesIsLeftToJava() {
        Nodes.Weights ws = new Nodes.Weights(1);
        ws.add("fc.weight", 1f, 3, 0);
        float[] b = ws.add("fc.bias", 1f, 3);
        ModelSpec spec = Nodes.oneNode("Linear", "fc", Map.of("in_features", 0, "out_features", 3), 1, 2, 0);
        try (Model m = Nodes.onednn(spec, ws, 1)) {
            assertEquals(List.of(Model.JAVA), Nodes.backends(m));
            // no features in: the result is the bias in every row
            assertArrayEquals(new float[]{b[0], b[1], b[2], b[0], b[1], b[2]},
                    Nodes.run(m, Tensor.ofFloats(new float[0], 2, 0)).getFirst().toFloatArray());
        }
    }

    // input, hidden, layers, bidirectional, batch_first, bias, steps, batch, h0, unbatched
    @ParameterizedTest(name = "gru in={0} H={1} L={2} bidir={3} batch_first={4} bias={5} T={6} N={7} h0={8} unbatched={9}")
    @CsvSource({
            "100, 256, 2, false, true, true, 7, 3, false, false",
            "13, 17, 1, false, false, true, 5, 2, false, false",
            "13, 17, 2, true, true, true, 6, 3, false, false",
            "13, 17, 3, true, false, true, 4, 2, true, false",
            "5, 8, 1, false, true, false, 9, 4, false, false",
            "5, 8, 2, false, true, true, 1, 3, true, false",
            "5, 8, 2, true, true, true, 6, 1, false, false",
            "6, 4, 2, true, false, true, 5, 1, true, true",
            "16, 32, 1, false, true, true, 50, 2, false, false",
    })
    void gruMatchesReference(int in, int hidden, int layers, boolean bidir, boolean batchFirst, boolean bias, int steps,
                             int batch, boolean h0, boolean unbatched) {
        Nodes.Weights ws = new Nodes.Weights(in * 1000L + hidden * 10L + layers);
        int dirs = bidir ? 2 : 1;
        float scale = (float) Math.sqrt(1.0 / hidden);
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                ws.add("g.weight_ih" + sfx, scale, 3L * hidden, l == 0 ? in : (long) hidden * dirs);
                ws.add("g.weight_hh" + sfx, scale, 3L * hidden, hidden);
                if (bias) {
                    ws.add("g.bias_ih" + sfx, 0.5f, 3L * hidden);
                    ws.add("g.bias_hh" + sfx, 0.5f, 3L * hidden);
                }
            }
        }
        Map<String, Object> args = Map.of("input_size", in, "hidden_size", hidden, "num_layers", layers,
                "bidirectional", bidir, "batch_first", batchFirst, "bias", bias);
        Random r = new Random(steps * 31L + batch);
        long[] xs = unbatched ? new long[]{steps, in} : batchFirst ? new long[]{batch, steps, in} : new long[]{steps, batch, in};
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(Tensor.ofFloats(Nodes.random(r, steps * batch * in), xs));
        long[] hs = unbatched ? new long[]{(long) layers * dirs, hidden} : new long[]{(long) layers * dirs, batch, hidden};
        if (h0) inputs.add(Tensor.ofFloats(Nodes.random(r, layers * dirs * batch * hidden), hs));
        ModelSpec spec = h0 ? Nodes.oneNodeOf("GRU", "g", args, 2, xs, hs) : Nodes.oneNode("GRU", "g", args, 2, xs);
        assertEquals(List.of("onednn"), compare("gru", spec, ws, inputs.toArray(Tensor[]::new)));
    }

    // op, n, c, h, w, kernel, stride, padding, dilation, ceil, count_include_pad, divisor
    @ParameterizedTest(name = "{0} {1}x{2}x{3}x{4} k={5} s={6} p={7} d={8} ceil={9} incl={10} div={11}")
    @CsvSource({
            "MaxPool2d, 3, 32, 28, 28, 2, 2, 0, 1, false, true, 0",
            "MaxPool2d, 2, 3, 13, 11, 3, 2, 1, 1, false, true, 0",
            "MaxPool2d, 2, 3, 13, 11, 3, 1, 1, 1, false, true, 0",
            "MaxPool2d, 2, 3, 13, 11, 3, 2, 1, 2, false, true, 0",
            "MaxPool2d, 2, 3, 13, 11, 3, 2, 0, 1, true, true, 0",
            "MaxPool2d, 2, 3, 13, 11, 3, 2, 1, 1, true, true, 0",
            "MaxPool2d, 1, 4, 10, 7, 2, 3, 1, 1, true, true, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, false, true, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, false, false, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 0, 1, true, true, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, true, true, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, true, false, 0",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, false, true, 5",
            "AvgPool2d, 2, 3, 13, 11, 3, 2, 1, 1, true, false, 7",
            "AvgPool2d, 2, 3, 12, 12, 2, 2, 0, 1, false, true, 0",
            "MaxPool1d, 2, 3, 1, 13, 3, 2, 1, 2, true, true, 0",
            "AvgPool1d, 2, 3, 1, 13, 3, 2, 1, 1, false, false, 0",
            "AvgPool1d, 2, 3, 1, 13, 3, 2, 1, 1, true, true, 0",
    })
    void poolingMatchesReference(String op, int n, int c, int h, int w, int k, int s, int p, int d, boolean ceil,
                                 boolean includePad, int divisor) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("kernel_size", k);
        args.put("stride", s);
        args.put("padding", p);
        args.put("ceil_mode", ceil);
        if (op.startsWith("Max")) {
            args.put("dilation", d);
        } else {
            args.put("count_include_pad", includePad);
            if (divisor != 0) args.put("divisor_override", divisor);
        }
        boolean oneD = op.endsWith("1d");
        Nodes.Weights none = new Nodes.Weights(0);
        float[] x = Nodes.random(new Random(h * 13L + w), n * c * h * w);
        long[] nchw = oneD ? new long[]{n, c, w} : new long[]{n, c, h, w};
        long[] chw = oneD ? new long[]{(long) n * c, w} : new long[]{(long) n * c, h, w};
        assertEquals(List.of("onednn"), compare(op, Nodes.oneNode(op, null, args, 1, nchw), none, Tensor.ofFloats(x, nchw)));
        assertEquals(List.of("onednn"), compare(op + " CHW", Nodes.oneNode(op, null, args, 1, chw), none, Tensor.ofFloats(x, chw)));
    }

    @Test
    void heapNativeAndHalfPrecisionInputsGiveTheSameResult() {
        Nodes.Weights ws = new Nodes.Weights(5);
        ws.add("c.weight", 0.3f, 8, 3, 3, 3);
        ws.add("c.bias", 0.5f, 8);
        ModelSpec spec = Nodes.oneNode("Conv2d", "c", Map.of("in_channels", 3, "out_channels", 8, "kernel_size", 3, "padding", 1), 1,
                -1, 3, 9, 9);
        float[] x = Nodes.random(new Random(3), 2 * 3 * 9 * 9);
        try (Model m = Nodes.onednn(spec, ws, 2); Arena arena = Arena.ofConfined()) {
            Tensor heap = Tensor.ofFloats(x, 2, 3, 9, 9);
            Tensor nat = Tensor.allocate(DType.F32, new long[]{2, 3, 9, 9}, arena);
            MemorySegment.copy(x, 0, nat.segment(), ValueLayout.JAVA_FLOAT, 0, x.length);
            float[] a = Nodes.run(m, heap).getFirst().toFloatArray();
            float[] b = Nodes.run(m, nat).getFirst().toFloatArray();
            assertArrayEquals(a, b);
            // F16 input converts on the way in
            Tensor f16 = Tensor.allocate(DType.F16, new long[]{2, 3, 9, 9}, arena);
            for (int i = 0; i < x.length; i++) f16.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(x[i]));
            float[] c = Nodes.run(m, f16).getFirst().toFloatArray();
            assertClose("f16 input", a, c, 2e-2);
        }
    }

    /** The epilogues the fusion passes may give a convolution or a Linear: a ReLU runs as a oneDNN post-op; others stay on Java. */
    @Test
    void aFusedReluIsAPostOpAndOtherEpiloguesAreDeclined() {
        Nodes.Weights ws = new Nodes.Weights(11), fw = new Nodes.Weights(12);
        ws.add("c.weight", 0.4f, 6, 3, 3, 3);
        ws.add("c.bias", 0.5f, 6);
        fw.add("fc.weight", 0.3f, 5, 12);
        fw.add("fc.bias", 0.5f, 5);
        ModelSpec convSpec = Nodes.oneNode("Conv2d", "c", Map.of("in_channels", 3, "out_channels", 6, "kernel_size", 3), 1, 2, 3, 8, 8);
        ModelSpec fcSpec = Nodes.oneNode("Linear", "fc", Map.of("in_features", 12, "out_features", 5), 1, 4, 12);
        Graph cg = Nodes.lower(convSpec, ws), fg = Nodes.lower(fcSpec, fw);
        Node conv = cg.nodes().getFirst(), fc = fg.nodes().getFirst();
        Conv c = (Conv) conv.op();
        Linear l = (Linear) fc.op();
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            cg.rewrite(conv, c.withActivation(Activation.RELU));
            fg.rewrite(fc, l.withActivation(Activation.RELU));
            Random r = new Random(4);
            float[] x = Nodes.random(r, 2 * 3 * 8 * 8), v = Nodes.random(r, 4 * 12);
            for (Node n : List.of(conv, fc)) {
                long[] shape = n == conv ? new long[]{2, 3, 8, 8} : new long[]{4, 12};
                float[] in = n == conv ? x : v;
                Executable e = b.compile(n);
                assertInstanceOf(OneDnnLayer.class, e, n + " with a ReLU");
                float[] got = Nodes.runFrame(e, n, List.of(shape), List.of(in), POOL).getFirst();
                float[] want = Nodes.runFrame(n.op().compile(KernelProvider.reference()), n, List.of(shape), List.of(in), POOL).getFirst();
                assertClose(n + " + relu", want, got, TOL);
                boolean negative = false;
                for (float y : want) negative |= y < 0;
                assertFalse(negative, "the ReLU was applied");
            }
            // what oneDNN cannot run exactly
            for (Activation a : new Activation[]{Activation.GELU, Activation.SIGMOID, Activation.TANH, Activation.SILU}) {
                cg.rewrite(conv, c.withActivation(a));
                assertNull(b.compile(conv), "conv + " + a);
                fg.rewrite(fc, l.withActivation(a));
                assertNull(b.compile(fc), "linear + " + a);
            }
            cg.rewrite(conv, c.withResidual());
            assertNull(b.compile(conv), "conv + residual");
            cg.rewrite(conv, c.withActivation(Activation.RELU).withResidual());
            assertNull(b.compile(conv), "conv + residual + relu");
            cg.rewrite(conv, c.withMaxPool2());
            assertNull(b.compile(conv), "conv + max_pool2d(2)");
            cg.rewrite(conv, c.withActivation(Activation.RELU).withMaxPool2());
            assertNull(b.compile(conv), "conv + relu + max_pool2d(2)");
            fg.rewrite(fc, l.withResidual());
            assertNull(b.compile(fc), "linear + residual");
            assertEquals(2, b.openLayers());
        }
    }

    @Test
    void otherOpsAreLeftToJava() {
        Nodes.Weights ws = new Nodes.Weights(2);
        for (String k : List.of("weight_ih_l0", "weight_hh_l0")) ws.add("r." + k, 0.3f, 4 * 3, 3);
        for (String k : List.of("bias_ih_l0", "bias_hh_l0")) ws.add("r." + k, 0.3f, 4 * 3);
        ws.add("n.weight", 1f, 3);
        ws.add("n.bias", 1f, 3);
        ModelSpec spec = Nodes.spec(List.of(input("x", 2, 5, 3)), List.of("y"),
                node(0, "LSTM", "r", List.of("x"), List.of("a", "h", "cell"), Map.of("input_size", 3, "hidden_size", 3, "batch_first", true)),
                node(1, "LayerNorm", "n", List.of("a"), List.of("b"), Map.of("normalized_shape", 3)),
                node(2, "Tanh", null, List.of("b"), List.of("y"), Map.of()));
        Tensor x = Tensor.ofFloats(Nodes.random(new Random(1), 30), 2, 5, 3);
        OneDnnBackend b = OneDnnBackend.open(1);
        try (Model m = Model.build(spec, ws, null, 1, b); Model ref = Nodes.reference(spec, ws)) {
            assertEquals(List.of(Model.JAVA, Model.JAVA, Model.JAVA), Nodes.backends(m));
            assertEquals(0, b.openLayers());
            assertFalse(m.usesBackend());
            assertSameResults("java nodes", Nodes.run(ref, x), Nodes.run(m, x), TOL);
        }
    }

    @Test
    void aClosedLayerRefusesToRun() {
        ModelSpec spec = Nodes.oneNode("MaxPool2d", null, Map.of("kernel_size", 2), 1, 1, 1, 4, 4);
        Node n = Nodes.lower(spec, new Nodes.Weights(0)).nodes().getFirst();
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            OneDnnLayer layer = (OneDnnLayer) b.compile(n);
            List<long[]> shape = List.<long[]>of(new long[]{1, 1, 4, 4});
            List<float[]> in = List.of(new float[16]);
            Nodes.runFrame(layer, n, shape, in, POOL);
            layer.close();
            layer.close();
            assertEquals(0, b.openLayers());
            assertThrows(IllegalStateException.class, () -> Nodes.runFrame(layer, n, shape, in, POOL));
        }
    }

    @Test
    void invalidArgumentsAreReportedByTheOpAndTheBackendIsClosed() {
        Nodes.Weights ws = new Nodes.Weights(0);
        ws.add("c.weight", 1f, 4, 1, 3, 3);
        ws.add("c.bias", 1f, 4);
        ModelSpec conv = Nodes.oneNode("Conv2d", "c", Map.of("in_channels", 3, "out_channels", 4, "kernel_size", 3, "groups", 2), 1,
                1, 3, 8, 8);
        OneDnnBackend b = OneDnnBackend.open(1);
        var e = assertThrows(ModelSpecException.class, () -> Model.build(conv, ws, null, 1, b));
        assertTrue(e.getMessage().contains("groups = 2 must divide in_channels = 3"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> b.compile(null), "a failed build closes the backend");
        ModelSpec pool = Nodes.oneNode("MaxPool2d", null, Map.of("kernel_size", 2, "padding", 2), 1, 1, 1, 8, 8);
        assertThrows(ModelSpecException.class, () -> Nodes.onednn(pool, new Nodes.Weights(0), 1));
    }
}
