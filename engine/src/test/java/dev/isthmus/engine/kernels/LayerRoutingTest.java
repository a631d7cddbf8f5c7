package dev.isthmus.engine.kernels;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.graph.WeightSource;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Gru;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.ops.ActivationLayer;
import dev.isthmus.engine.ops.Conv2dLayer;
import dev.isthmus.engine.ops.GruLayer;
import dev.isthmus.engine.ops.LayerNormLayer;
import dev.isthmus.engine.ops.LinearLayer;
import dev.isthmus.engine.ops.Pool2dLayer;
import dev.isthmus.engine.ops.SoftmaxLayer;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The layers, whichever kernels {@link Simd} routes them to (vector at the preferred width and at 128-bit, the
 * reference with -Disthmus.simd=off: the three surefire executions), against the reference kernels called directly.
 */
class LayerRoutingTest {
    private static ComputePool pool;

    @BeforeAll
    static void open() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    private final SplittableRandom r = new SplittableRandom(17);
    private final Map<String, Tensor> weights = new HashMap<>();

    private float[] param(String name, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        float[] a = random(n);
        weights.put(name, Tensor.ofFloats(a, shape));
        return a;
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    private WeightBinder binder() {
        Map<String, Tensor> w = Map.copyOf(weights);
        return new WeightBinder(new WeightSource() {
            @Override
            public Tensor get(String name) {
                return w.get(name);
            }

            @Override
            public Set<String> names() {
                return w.keySet();
            }

            @Override
            public String source() {
                return "test";
            }
        });
    }

    private static NodeArgs args(String op, Map<String, Object> a) {
        return new NodeArgs(new NodeSpec(0, op, "l", List.of("x"), List.of("y"), a));
    }

    private static float[] run(Layer l, int output, Tensor... in) {
        return l.forward(List.of(in), pool).get(output).toFloatArray();
    }

    private static void close(float[] e, float[] a, String what) {
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= 1e-4 * Math.max(1, Math.abs(e[i])))) {
                fail(what + " [" + Simd.status() + "]: element " + i + " is " + a[i] + ", expected " + e[i]);
            }
        }
    }

    @Test
    void linear() {
        float[] w = param("l.weight", 23, 37), b = param("l.bias", 23);
        Layer l = new LinearLayer(args("Linear", Map.of("in_features", 37, "out_features", 23)), binder());
        for (int rows : new int[]{1, 15, 40}) {
            float[] x = random(rows * 37), e = new float[rows * 23];
            Gemm.matmulTransB(x, 0, w, 0, b, 0, e, 0, rows, 23, 37, Activation.NONE);
            close(e, run(l, 0, Tensor.ofFloats(x, rows, 37)), "Linear rows=" + rows);
        }
    }

    @Test
    void conv2d() {
        float[] w = param("l.weight", 8, 3, 3, 3), b = param("l.bias", 8);
        Layer l = new Conv2dLayer(args("Conv2d", Map.of("in_channels", 6, "out_channels", 8, "kernel_size", 3, "padding", 1,
                "stride", 2, "groups", 2)), binder());
        float[] x = random(3 * 6 * 11 * 9), e = new float[3 * 8 * 6 * 5];
        Conv2d.forward(x, 3, 6, 11, 9, w, b, 8, 3, 3, 2, 2, 1, 1, 1, 1, 2, e, 6, 5, Activation.NONE);
        close(e, run(l, 0, Tensor.ofFloats(x, 3, 6, 11, 9)), "Conv2d");
    }

    /** conv → ReLU → MaxPool2d(2) and conv → MaxPool2d(2) → GELU fuse into the convolution; other poolings do not. */
    @Test
    void conv2dAbsorbsMaxPool2() {
        float[] w = param("l.weight", 8, 6, 3, 3), b = param("l.bias", 8);
        Map<String, Object> a = Map.of("in_channels", 6, "out_channels", 8, "kernel_size", 3, "padding", 1);
        Pool2dLayer pool2 = new Pool2dLayer(Pool2dLayer.Kind.MAX, args("MaxPool2d", Map.of("kernel_size", 2)));
        float[] x = random(3 * 6 * 13 * 11), conv = new float[3 * 8 * 13 * 11];
        Conv2d.forward(x, 3, 6, 13, 11, w, b, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, conv, 13, 11, Activation.NONE);
        float[] pooled = new float[3 * 8 * 6 * 5];
        Pool2d.max(conv, 3 * 8, 13, 11, 2, 2, 2, 2, 0, 0, 1, 1, pooled, 6, 5);
        Tensor t = Tensor.ofFloats(x, 3, 6, 13, 11);
        for (Activation act : new Activation[]{Activation.RELU, Activation.GELU}) {
            Conv2dLayer l = new Conv2dLayer(args("Conv2d", a), binder());
            if (act == Activation.RELU) assertTrue(l.fuse(new ActivationLayer(act)), "ReLU before the pooling");
            assertTrue(l.fuse(pool2), "MaxPool2d(2)");
            if (act == Activation.GELU) assertTrue(l.fuse(new ActivationLayer(act)), "GELU after the pooling");
            assertArrayEquals(new long[]{3, 8, 6, 5}, l.outputShapes(List.of(new long[]{3, 6, 13, 11})).get(0));
            float[] e = pooled.clone();
            act.applyInPlace(e, 0, e.length);
            close(e, run(l, 0, t), "Conv2d + MaxPool2d(2), " + act);
        }
        Conv2dLayer gelu = new Conv2dLayer(args("Conv2d", a), binder());
        assertTrue(gelu.fuse(new ActivationLayer(Activation.GELU)));
        assertFalse(gelu.fuse(pool2), "GELU does not commute with max");
        Conv2dLayer other = new Conv2dLayer(args("Conv2d", a), binder());
        assertFalse(other.fuse(new Pool2dLayer(Pool2dLayer.Kind.MAX, args("MaxPool2d", Map.of("kernel_size", 3)))), "3×3 windows");
        assertFalse(other.fuse(new Pool2dLayer(Pool2dLayer.Kind.MAX, args("MaxPool2d", Map.of("kernel_size", 2, "ceil_mode", true)))), "ceil mode");
        assertFalse(other.fuse(new Pool2dLayer(Pool2dLayer.Kind.AVG, args("AvgPool2d", Map.of("kernel_size", 2)))), "average");
    }

    @Test
    void gruBidirectionalTwoLayers() {
        int in = 7, h = 19, steps = 5, batch = 3;
        float[][] wih = new float[4][], whh = new float[4][], bih = new float[4][], bhh = new float[4][];
        for (int layer = 0; layer < 2; layer++) {
            for (int d = 0; d < 2; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                int i = layer * 2 + d;
                wih[i] = param("l.weight_ih" + sfx, 3 * h, layer == 0 ? in : 2 * h);
                whh[i] = param("l.weight_hh" + sfx, 3 * h, h);
                bih[i] = param("l.bias_ih" + sfx, 3 * h);
                bhh[i] = param("l.bias_hh" + sfx, 3 * h);
            }
        }
        Layer l = new GruLayer(args("GRU", Map.of("input_size", in, "hidden_size", h, "num_layers", 2, "bidirectional", true)), binder());
        float[] x = random(steps * batch * in);
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
        Tensor t = Tensor.ofFloats(x, steps, batch, in);
        close(cur, run(l, 0, t), "GRU output");
        close(hn, run(l, 1, t), "GRU h_n");
    }

    @Test
    void poolingNormsSoftmaxActivation() {
        float[] x = random(2 * 3 * 13 * 11);
        Tensor t = Tensor.ofFloats(x, 2, 3, 13, 11);
        float[] e = new float[2 * 3 * 7 * 6];
        Pool2d.max(x, 6, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, e, 7, 6);
        close(e, run(new Pool2dLayer(Pool2dLayer.Kind.MAX, args("MaxPool2d", Map.of("kernel_size", 3, "stride", 2, "padding", 1,
                "ceil_mode", true))), 0, t), "MaxPool2d");
        float[] g = param("l.weight", 11), b = param("l.bias", 11);
        float[] ln = new float[x.length];
        Norms.layerNorm(x, 0, ln, 0, x.length / 11, 11, g, b, 1e-5);
        close(ln, run(new LayerNormLayer(args("LayerNorm", Map.of("normalized_shape", List.of(11))), binder()), 0, t), "LayerNorm");
        float[] sm = new float[x.length];
        Norms.softmax(x, sm, 2, 3, 13 * 11);
        close(sm, run(new SoftmaxLayer(args("Softmax", Map.of("dim", 1))), 0, t), "Softmax(dim=1)");
        float[] ge = x.clone();
        Activation.GELU.applyInPlace(ge, 0, ge.length);
        close(ge, run(new ActivationLayer(Activation.GELU), 0, t), "GELU");
    }
}
