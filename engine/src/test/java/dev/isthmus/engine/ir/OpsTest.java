package dev.isthmus.engine.ir;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Gru;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The module ops, run through a model on whichever kernels this JVM picks (vector at the preferred width and at
 * 128-bit, the reference with -Disthmus.simd=off: the surefire executions), against the reference kernels called
 * directly.
 */
class OpsTest {
    static void close(float[] e, float[] a, String what) {
        if (e.length != a.length) fail(what + ": " + a.length + " elements, expected " + e.length);
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= 1e-4 * Math.max(1, Math.abs(e[i])))) {
                fail(what + " [" + Simd.status() + "]: element " + i + " is " + a[i] + ", expected " + e[i]);
            }
        }
    }

    static float[] run(Model m, String output, Tensor x) {
        return m.run(Map.of(m.inputs().get(0).name(), x)).get(output).toFloatArray();
    }

    @Test
    void linear() {
        TestModels t = new TestModels(17).input("x", -1, 37);
        float[] w = t.param("l.weight", 23, 37), b = t.param("l.bias", 23);
        t.node("Linear", "l", List.of("x"), List.of("y"), "in_features", 37, "out_features", 23).output("y");
        try (Model m = t.build(2)) {
            for (int rows : new int[]{1, 15, 40}) {
                float[] x = t.random(rows, 37), e = new float[rows * 23];
                Gemm.matmulTransB(x, 0, w, 0, b, 0, e, 0, rows, 23, 37, Activation.NONE);
                close(e, run(m, "y", Tensor.ofFloats(x, rows, 37)), "Linear rows=" + rows);
            }
        }
    }

    @Test
    void conv2dGroupedStrided() {
        TestModels t = new TestModels(18).input("x", -1, 6, 11, 9);
        float[] w = t.param("l.weight", 8, 3, 3, 3), b = t.param("l.bias", 8);
        t.node("Conv2d", "l", List.of("x"), List.of("y"), "in_channels", 6, "out_channels", 8, "kernel_size", 3, "padding", 1,
                "stride", 2, "groups", 2).output("y");
        try (Model m = t.build(2)) {
            float[] x = t.random(3, 6, 11, 9), e = new float[3 * 8 * 6 * 5];
            Conv2d.forward(x, 3, 6, 11, 9, w, b, 8, 3, 3, 2, 2, 1, 1, 1, 1, 2, e, 6, 5, Activation.NONE);
            close(e, run(m, "y", Tensor.ofFloats(x, 3, 6, 11, 9)), "Conv2d");
        }
    }

    @Test
    void conv1dIsConv2dOfHeightOne() {
        TestModels t = new TestModels(19).input("x", -1, 5, 23);
        float[] w = t.param("l.weight", 7, 5, 4), b = t.param("l.bias", 7);
        t.node("Conv1d", "l", List.of("x"), List.of("y"), "in_channels", 5, "out_channels", 7, "kernel_size", 4, "padding", 2,
                "stride", 3, "dilation", 2).output("y");
        try (Model m = t.build(2)) {
            float[] x = t.random(2, 5, 23);
            int ow = Conv2d.outSize(23, 4, 3, 2, 2, 2);
            float[] e = new float[2 * 7 * ow];
            Conv2d.forward(x, 2, 5, 1, 23, w, b, 7, 1, 4, 1, 3, 0, 2, 1, 2, 1, e, 1, ow, Activation.NONE);
            close(e, run(m, "y", Tensor.ofFloats(x, 2, 5, 23)), "Conv1d");
        }
    }

    @Test
    void gruBidirectionalTwoLayers() {
        int in = 7, h = 19, steps = 5, batch = 3;
        TestModels t = new TestModels(20).input("x", -1, -1, in);
        float[][] wih = new float[4][], whh = new float[4][], bih = new float[4][], bhh = new float[4][];
        for (int layer = 0; layer < 2; layer++) {
            for (int d = 0; d < 2; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                int i = layer * 2 + d;
                wih[i] = t.param("l.weight_ih" + sfx, 3 * h, layer == 0 ? in : 2 * h);
                whh[i] = t.param("l.weight_hh" + sfx, 3 * h, h);
                bih[i] = t.param("l.bias_ih" + sfx, 3 * h);
                bhh[i] = t.param("l.bias_hh" + sfx, 3 * h);
            }
        }
        t.node("GRU", "l", List.of("x"), List.of("out", "hn"), "input_size", in, "hidden_size", h, "num_layers", 2, "bidirectional", true)
                .output("out", "hn");
        float[] x = t.random(steps, batch, in);
        float[] cur = x, hn = new float[4 * batch * h];
        int curIn = in;
        for (int layer = 0; layer < 2; layer++) {
            float[] out = new float[steps * batch * 2 * h];
            for (int d = 0; d < 2; d++) {
                int i = layer * 2 + d;
                float[] state = new float[batch * h];
                Gru.layer(cur, steps, batch, curIn, wih[i], whh[i], bih[i], bhh[i], h, d == 1, state, out, 2 * h, d * h);
                System.arraycopy(state, 0, hn, i * batch * h, batch * h);
            }
            cur = out;
            curIn = 2 * h;
        }
        try (Model m = t.build(2)) {
            Map<String, Tensor> r = m.run(Map.of("x", Tensor.ofFloats(x, steps, batch, in)));
            close(cur, r.get("out").toFloatArray(), "GRU output");
            close(hn, r.get("hn").toFloatArray(), "GRU h_n");
        }
    }

    @Test
    void poolingNormsSoftmaxActivation() {
        TestModels t = new TestModels(21).input("x", -1, 3, 13, 11);
        float[] g = t.param("ln.weight", 11), b = t.param("ln.bias", 11);
        t.node("MaxPool2d", null, List.of("x"), List.of("pool"), "kernel_size", 3, "stride", 2, "padding", 1, "ceil_mode", true)
                .node("LayerNorm", "ln", List.of("x"), List.of("ln"), "normalized_shape", List.of(11))
                .node("Softmax", null, List.of("x"), List.of("sm"), "dim", 1)
                .node("GELU", null, List.of("x"), List.of("gelu"))
                .output("pool", "ln", "sm", "gelu");
        float[] x = t.random(2, 3, 13, 11);
        try (Model m = t.build(2)) {
            Map<String, Tensor> r = m.run(Map.of("x", Tensor.ofFloats(x, 2, 3, 13, 11)));
            float[] e = new float[2 * 3 * 7 * 6];
            Pool2d.max(x, 6, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, e, 7, 6);
            close(e, r.get("pool").toFloatArray(), "MaxPool2d");
            float[] ln = new float[x.length];
            Norms.layerNorm(x, 0, ln, 0, x.length / 11, 11, g, b, 1e-5);
            close(ln, r.get("ln").toFloatArray(), "LayerNorm");
            float[] sm = new float[x.length];
            Norms.softmax(x, sm, 2, 3, 13 * 11);
            close(sm, r.get("sm").toFloatArray(), "Softmax(dim=1)");
            float[] ge = x.clone();
            Activation.GELU.applyInPlace(ge, 0, ge.length);
            close(ge, r.get("gelu").toFloatArray(), "GELU");
        }
    }
    /**
     * {@code ne} with PyTorch's type promotion (checked against torch 1.13): an F32 tensor against a number compares
     * in float32 (0.1f equals 0.1), an F32 tensor against an I64 one rounds the integers to float32 (2^24 + 1 equals
     * 2^24), an integer tensor against a fraction never equals it, NaN differs from itself; cumsum of a BOOL counts.
     */
    @Test
    void neAndCumsumFollowPyTorchPromotion() {
        TestModels t = new TestModels(3).input("x", 3).input("i", DType.I64, 3).input("f", 3).input("b", DType.I64, 3);
        t.node("ne", null, List.of("x"), List.of("a"), "other", 0.1)
                .node("ne", null, List.of("f", "i"), List.of("c"))
                .node("ne", null, List.of("i"), List.of("d"), "other", 1.5)
                .node("ne", null, List.of("x", "x"), List.of("e"))
                .node("bool", null, List.of("b"), List.of("bb"))
                .node("cumsum", null, List.of("bb"), List.of("g"), "dim", 0)
                .output("a", "c", "d", "e", "g");
        try (Model m = t.build(1)) {
            Map<String, Tensor> out = m.run(Map.of(
                    "x", Tensor.ofFloats(new float[]{0.1f, 0.2f, Float.NaN}, 3),
                    "i", Tensor.ofLongs(new long[]{16777217, 3, 1}, 3),
                    "f", Tensor.ofFloats(new float[]{16777216f, 3f, 2f}, 3),
                    "b", Tensor.ofLongs(new long[]{1, 0, 5}, 3)));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{0, 1, 1}, out.get("a").toLongArray(), "x.ne(0.1)");
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{0, 0, 1}, out.get("c").toLongArray(), "f.ne(i)");
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{1, 1, 1}, out.get("d").toLongArray(), "i.ne(1.5)");
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{0, 0, 1}, out.get("e").toLongArray(), "x.ne(x)");
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[]{1, 1, 2}, out.get("g").toLongArray(), "cumsum of bool");
        }
    }
}
