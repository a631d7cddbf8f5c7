package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
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
import static dev.isthmus.nativebind.onednn.Nodes.pair;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each oneDNN layer against the engine's scalar reference kernels, within 1e-4, on several shapes and settings. */
class OneDnnLayersTest {
    static final double TOL = 1e-4;
    static OneDnnBackend backend;
    static final ComputePool POOL = ComputePool.single();

    @BeforeAll
    static void open() {
        OneDnnStatus s = OneDnn.probe();
        assertTrue(s.available(), "oneDNN must load in this build (the jar is a dependency): " + s.reason());
        backend = OneDnnBackend.open(2);
    }

    @AfterAll
    static void close() {
        backend.close();
        assertEquals(0, backend.openLayers());
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
        float[] wt = ws.add("c.weight", scale, cout, cin / groups, kh, kw);
        float[] b = bias ? ws.add("c.bias", 0.5f, cout) : null;
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("in_channels", cin);
        args.put("out_channels", cout);
        args.put("kernel_size", pair(kh, kw));
        args.put("stride", pair(sh, sw));
        args.put("dilation", pair(dh, dw));
        args.put("groups", groups);
        args.put("bias", bias);
        int padTop, padLeft;
        if (padding.equals("same") || padding.equals("valid")) {
            args.put("padding", padding);
            padTop = padding.equals("same") ? dh * (kh - 1) / 2 : 0;
            padLeft = padding.equals("same") ? dw * (kw - 1) / 2 : 0;
        } else {
            String[] p = padding.split(":");
            padTop = Integer.parseInt(p[0]);
            padLeft = Integer.parseInt(p[1]);
            args.put("padding", pair(padTop, padLeft));
        }
        NodeSpec node = Nodes.node("Conv2d", "c", args);
        OneDnnLayer layer = relu
                ? (OneDnnLayer) backend.create(new dev.isthmus.engine.graph.NodeArgs(node), new dev.isthmus.engine.graph.WeightBinder(ws), Activation.RELU)
                : Nodes.onednn(backend, node, ws);
        try {
            float[] x = Nodes.random(new Random(h * 7L + w), n * cin * h * w);
            Tensor out = layer.forward(List.of(Tensor.ofFloats(x, n, cin, h, w)), POOL).getFirst();
            long[] shape = layer.outputShapes(List.of(new long[]{n, cin, h, w})).getFirst();
            assertArrayEquals(shape, out.shape());
            int oh = (int) shape[2], ow = (int) shape[3];
            float[] y = new float[n * cout * oh * ow];
            Conv2d.forward(x, n, cin, h, w, wt, b, cout, kh, kw, sh, sw, padTop, padLeft, dh, dw, groups, y, oh, ow,
                    relu ? Activation.RELU : Activation.NONE);
            assertClose("conv", y, out.toFloatArray(), TOL);
            // unbatched CHW takes the same path with n = 1
            if (n == 1) {
                Tensor chw = layer.forward(List.of(Tensor.ofFloats(x, cin, h, w)), POOL).getFirst();
                assertArrayEquals(new long[]{cout, oh, ow}, chw.shape());
                assertClose("conv CHW", y, chw.toFloatArray(), TOL);
            }
            assertTrue(!layer.implementation().isEmpty());
        } finally {
            layer.close();
        }
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
        float[] wt = ws.add("fc.weight", (float) Math.sqrt(3.0 / in), out, in);
        float[] b = bias ? ws.add("fc.bias", 0.5f, out) : null;
        NodeSpec node = Nodes.node("Linear", "fc", Map.of("in_features", in, "out_features", out, "bias", bias));
        OneDnnLayer layer = (OneDnnLayer) backend.create(new dev.isthmus.engine.graph.NodeArgs(node),
                new dev.isthmus.engine.graph.WeightBinder(ws), relu ? Activation.RELU : Activation.NONE);
        try {
            float[] x = Nodes.random(new Random(out), rows * in);
            float[] y = new float[rows * out];
            Gemm.matmulTransB(x, 0, wt, 0, b, 0, y, 0, rows, out, in, relu ? Activation.RELU : Activation.NONE);
            assertClose("linear", y, layer.forward(List.of(Tensor.ofFloats(x, rows, in)), POOL).getFirst().toFloatArray(), TOL);
            // rank 3 and rank 1 inputs flatten to rows
            if (rows % 1 == 0 && rows > 1) {
                Tensor t3 = layer.forward(List.of(Tensor.ofFloats(x, 1, rows, in)), POOL).getFirst();
                assertArrayEquals(new long[]{1, rows, out}, t3.shape());
                assertClose("linear rank 3", y, t3.toFloatArray(), TOL);
            }
            if (rows == 1) {
                Tensor t1 = layer.forward(List.of(Tensor.ofFloats(x, in)), POOL).getFirst();
                assertArrayEquals(new long[]{out}, t1.shape());
                assertClose("linear rank 1", y, t1.toFloatArray(), TOL);
            }
        } finally {
            layer.close();
        }
    }

    @Test
    void linearWithoutFeaturesIsLeftToJava() {
        NodeSpec node = Nodes.node("Linear", "fc", Map.of("in_features", 0, "out_features", 3));
        assertNull(backend.create(new dev.isthmus.engine.graph.NodeArgs(node), new dev.isthmus.engine.graph.WeightBinder(new Nodes.Weights(1))));
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
        NodeSpec node = Nodes.node("GRU", "g", Map.of("input_size", in, "hidden_size", hidden, "num_layers", layers,
                "bidirectional", bidir, "batch_first", batchFirst, "bias", bias));
        OneDnnLayer layer = Nodes.onednn(backend, node, ws);
        Layer java = Nodes.java(node, ws);
        try {
            Random r = new Random(steps * 31L + batch);
            long[] xs = unbatched ? new long[]{steps, in} : batchFirst ? new long[]{batch, steps, in} : new long[]{steps, batch, in};
            List<Tensor> inputs = new ArrayList<>();
            inputs.add(Tensor.ofFloats(Nodes.random(r, steps * batch * in), xs));
            if (h0) {
                long[] hs = unbatched ? new long[]{(long) layers * dirs, hidden} : new long[]{(long) layers * dirs, batch, hidden};
                inputs.add(Tensor.ofFloats(Nodes.random(r, layers * dirs * batch * hidden), hs));
            }
            List<Tensor> expected = java.forward(inputs, POOL);
            List<Tensor> actual = layer.forward(inputs, POOL);
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(expected.get(k).shape(), actual.get(k).shape(), "shape of result " + k);
                assertClose(k == 0 ? "gru output" : "gru h_n", expected.get(k).toFloatArray(), actual.get(k).toFloatArray(), TOL);
            }
            assertArrayEquals(layer.outputShapes(inputs.stream().map(Tensor::shape).toList()).get(0), actual.get(0).shape());
        } finally {
            layer.close();
        }
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
    })
    void poolingMatchesReference(String op, int n, int c, int h, int w, int k, int s, int p, int d, boolean ceil,
                                 boolean includePad, int divisor) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("kernel_size", k);
        args.put("stride", s);
        args.put("padding", p);
        args.put("ceil_mode", ceil);
        if (op.equals("MaxPool2d")) {
            args.put("dilation", d);
        } else {
            args.put("count_include_pad", includePad);
            if (divisor != 0) args.put("divisor_override", divisor);
        }
        NodeSpec node = Nodes.node(op, null, args);
        Nodes.Weights none = new Nodes.Weights(0);
        OneDnnLayer layer = Nodes.onednn(backend, node, none);
        Layer java = Nodes.java(node, none);
        try {
            float[] x = Nodes.random(new Random(h * 13L + w), n * c * h * w);
            List<Tensor> in = List.of(Tensor.ofFloats(x, n, c, h, w));
            Tensor e = java.forward(in, POOL).getFirst(), a = layer.forward(in, POOL).getFirst();
            assertArrayEquals(e.shape(), a.shape());
            assertClose(op, e.toFloatArray(), a.toFloatArray(), TOL);
            List<Tensor> chw = List.of(Tensor.ofFloats(x, (long) n * c, h, w));
            assertClose(op + " CHW", java.forward(chw, POOL).getFirst().toFloatArray(), layer.forward(chw, POOL).getFirst().toFloatArray(), TOL);
        } finally {
            layer.close();
        }
    }

    @Test
    void nativeInputsAreUsedInPlaceAndGiveTheSameResult() {
        Nodes.Weights ws = new Nodes.Weights(5);
        ws.add("c.weight", 0.3f, 8, 3, 3, 3);
        ws.add("c.bias", 0.5f, 8);
        NodeSpec node = Nodes.node("Conv2d", "c", Map.of("in_channels", 3, "out_channels", 8, "kernel_size", 3, "padding", 1));
        OneDnnLayer layer = Nodes.onednn(backend, node, ws);
        float[] x = Nodes.random(new Random(3), 2 * 3 * 9 * 9);
        try (Arena arena = Arena.ofConfined()) {
            Tensor heap = Tensor.ofFloats(x, 2, 3, 9, 9);
            Tensor nat = Tensor.allocate(DType.F32, new long[]{2, 3, 9, 9}, arena);
            MemorySegment.copy(x, 0, nat.segment(), ValueLayout.JAVA_FLOAT, 0, x.length);
            float[] a = layer.forward(List.of(heap), POOL).getFirst().toFloatArray();
            float[] b = layer.forward(List.of(nat), POOL).getFirst().toFloatArray();
            assertArrayEquals(a, b);
            // F16 input converts on the way in
            Tensor f16 = Tensor.allocate(DType.F16, new long[]{2, 3, 9, 9}, arena);
            for (int i = 0; i < x.length; i++) f16.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(x[i]));
            float[] c = layer.forward(List.of(f16), POOL).getFirst().toFloatArray();
            assertClose("f16 input", a, c, 2e-2);
        } finally {
            layer.close();
        }
    }

    @Test
    void closedLayerRefusesToRun() {
        NodeSpec node = Nodes.node("MaxPool2d", null, Map.of("kernel_size", 2));
        OneDnnLayer layer = Nodes.onednn(backend, node, new Nodes.Weights(0));
        List<Tensor> in = List.of(Tensor.ofFloats(new float[16], 1, 1, 4, 4));
        layer.forward(in, POOL);
        layer.close();
        layer.close();
        assertThrows(IllegalStateException.class, () -> layer.forward(in, POOL));
    }

    @Test
    void invalidArgumentsAreReportedLikeTheJavaLayers() {
        NodeSpec node = Nodes.node("Conv2d", "c", Map.of("in_channels", 3, "out_channels", 4, "kernel_size", 3, "groups", 2));
        var e = assertThrows(IllegalArgumentException.class,
                () -> backend.create(new dev.isthmus.engine.graph.NodeArgs(node), new dev.isthmus.engine.graph.WeightBinder(new Nodes.Weights(0))));
        assertTrue(e.getMessage().contains("groups = 2 must divide in_channels = 3"), e.getMessage());
        NodeSpec pool = Nodes.node("MaxPool2d", null, Map.of("kernel_size", 2, "padding", 2));
        assertThrows(IllegalArgumentException.class,
                () -> backend.create(new dev.isthmus.engine.graph.NodeArgs(pool), new dev.isthmus.engine.graph.WeightBinder(new Nodes.Weights(0))));
        assertNull(backend.create(new dev.isthmus.engine.graph.NodeArgs(Nodes.node("ReLU", null, Map.of())),
                new dev.isthmus.engine.graph.WeightBinder(new Nodes.Weights(0))));
    }
}
