package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Attention;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Norms;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** A whole encoder layer on the vector kernels against the same layer composed of reference kernels. */
class EncoderKernelTest extends ThreePools {
    record Weights(float[] inW, float[] inB, float[] outW, float[] outB, float[] w1, float[] b1, float[] w2, float[] b2,
                           float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        static Weights random(SplittableRandom r, int d, int ff) {
            double s = 1 / Math.sqrt(d), s2 = 1 / Math.sqrt(ff);
            return new Weights(Check.random(r, 3 * d * d, s), Check.random(r, 3 * d, 0.2), Check.random(r, d * d, s), Check.random(r, d, 0.2),
                    Check.random(r, ff * d, s), Check.random(r, ff, 0.2), Check.random(r, d * ff, s2), Check.random(r, d, 0.2),
                    Check.random(r, d, 1), Check.random(r, d, 0.5), Check.random(r, d, 1), Check.random(r, d, 0.5));
        }
    }

    /** The reference composition (as EncoderLayer's reference path). */
    static float[] reference(float[] x, int batch, int seq, int d, int heads, int ff, boolean normFirst, Activation act,
                                     Weights w, float[] keyBias) {
        int rows = batch * seq;
        float[] h = x.clone();
        float[] attnIn = x;
        if (normFirst) {
            attnIn = new float[x.length];
            Norms.layerNorm(x, 0, attnIn, 0, rows, d, w.n1g, w.n1b, 1e-5);
        }
        float[] qkv = new float[rows * 3 * d];
        Gemm.matmulTransB(attnIn, 0, w.inW, 0, w.inB, 0, qkv, 0, rows, 3 * d, d, Activation.NONE);
        int hd = d / heads;
        float[] ctx = new float[rows * d];
        for (int b = 0; b < batch; b++) {
            for (int hh = 0; hh < heads; hh++) {
                int base = b * seq * 3 * d + hh * hd;
                Attention.forward(qkv, base, 3 * d, qkv, base + d, 3 * d, qkv, base + 2 * d, 3 * d, ctx, b * seq * d + hh * hd, d,
                        seq, seq, hd, 1 / Math.sqrt(hd), keyBias, b * seq);
            }
        }
        float[] proj = new float[rows * d];
        Gemm.matmulTransB(ctx, 0, w.outW, 0, w.outB, 0, proj, 0, rows, d, d, Activation.NONE);
        for (int i = 0; i < h.length; i++) h[i] += proj[i];
        float[] ffIn = h;
        if (normFirst) {
            ffIn = new float[h.length];
            Norms.layerNorm(h, 0, ffIn, 0, rows, d, w.n2g, w.n2b, 1e-5);
        } else {
            Norms.layerNorm(h, 0, h, 0, rows, d, w.n1g, w.n1b, 1e-5);
        }
        float[] hid = new float[rows * ff];
        Gemm.matmulTransB(ffIn, 0, w.w1, 0, w.b1, 0, hid, 0, rows, ff, d, act);
        float[] y = new float[rows * d];
        Gemm.matmulTransB(hid, 0, w.w2, 0, w.b2, 0, y, 0, rows, d, ff, Activation.NONE);
        for (int i = 0; i < y.length; i++) y[i] += h[i];
        if (!normFirst) Norms.layerNorm(y, 0, y, 0, rows, d, w.n2g, w.n2b, 1e-5);
        return y;
    }

    @Test
    void matchesTheReferenceComposition() {
        SplittableRandom r = new SplittableRandom(1);
        // batch, seq, d, heads, ff
        for (int[] c : new int[][]{{1, 1, 8, 2, 16}, {3, 7, 12, 3, 20}, {2, 33, 48, 4, 96}, {1, 50, 30, 5, 64}, {3, 17, 64, 8, 256}}) {
            int batch = c[0], seq = c[1], d = c[2], heads = c[3], ff = c[4];
            Weights w = Weights.random(r, d, ff);
            float[] x = Check.random(r, batch * seq * d, 1);
            float[] bias = new float[batch * seq];
            for (int i = 0; i < bias.length; i++) bias[i] = (i % seq) == seq - 1 && seq > 1 ? Float.NEGATIVE_INFINITY : 0f;
            for (boolean normFirst : new boolean[]{false, true}) {
                for (Activation act : new Activation[]{Activation.RELU, Activation.GELU}) {
                    EncoderKernel k = new EncoderKernel(d, heads, ff, normFirst, 1e-5, act, w.inW, w.inB, w.outW, w.outB, w.w1, w.b1,
                            w.w2, w.b2, w.n1g, w.n1b, w.n2g, w.n2b);
                    String what = "encoder " + java.util.Arrays.toString(c) + (normFirst ? " pre-LN " : " post-LN ") + act;
                    Check.close(reference(x, batch, seq, d, heads, ff, normFirst, act, w, bias), k.apply(x, batch, seq, bias, pool2), what);
                    Check.close(reference(x, batch, seq, d, heads, ff, normFirst, act, w, null), k.apply(x, batch, seq, null, pool1), what + " no mask");
                }
            }
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(2);
        int batch = 2, seq = 40, d = 96, heads = 6, ff = 384;
        Weights w = Weights.random(r, d, ff);
        float[] x = Check.random(r, batch * seq * d, 1);
        EncoderKernel k = new EncoderKernel(d, heads, ff, false, 1e-5, Activation.GELU, w.inW, w.inB, w.outW, w.outB, w.w1, w.b1,
                w.w2, w.b2, w.n1g, w.n1b, w.n2g, w.n2b);
        float[] y1 = k.apply(x, batch, seq, null, pool1);
        try (ComputePool p3 = new ComputePool(3)) {
            Check.bitwise(y1, k.apply(x, batch, seq, null, pool2), "encoder 2 threads");
            Check.bitwise(y1, k.apply(x, batch, seq, null, p3), "encoder 3 threads");
        }
    }
}
