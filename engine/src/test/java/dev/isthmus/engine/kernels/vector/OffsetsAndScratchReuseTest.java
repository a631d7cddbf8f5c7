package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Attention;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Gru;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernels' offset forms against the reference, called again and again on the same threads with shapes that
 * change (big, small, big, …), so that the per-thread scratch they reuse holds the previous call's data: anything a
 * kernel read from scratch without writing (or zeroing) it first would show. Inputs sit inside larger arrays whose
 * other floats are a NaN sentinel (a read outside the input poisons the result), outputs inside arrays of the same
 * sentinel (a write outside the output is caught).
 */
class OffsetsAndScratchReuseTest extends ThreePools {
    /** A NaN with a payload of its own: what surrounds every input and output. */
    private static final float SENTINEL = Float.intBitsToFloat(0x7fc0dead);
    private static final int[] OFFSETS = {3, 17, 1, 40};

    private static ComputePool[] bothPools() {
        return new ComputePool[]{pool1, pool2};
    }

    /** a at offset off of a new array with {@code 11} more sentinel floats after it. */
    private static float[] embed(float[] a, int off) {
        float[] b = new float[off + a.length + 11];
        Arrays.fill(b, SENTINEL);
        System.arraycopy(a, 0, b, off, a.length);
        return b;
    }

    private static float[] outputs(int n, int off) {
        return embed(new float[0], off + n); // sentinel everywhere; [off, off + n) is the output
    }

    private static float[] region(float[] b, int off, int n) {
        return Arrays.copyOfRange(b, off, off + n);
    }

    private static void untouchedOutside(float[] b, int off, int n, String what) {
        for (int i = 0; i < b.length; i++) {
            if ((i < off || i >= off + n) && Float.floatToRawIntBits(b[i]) != Float.floatToRawIntBits(SENTINEL)) {
                fail(what + ": wrote element " + i + " outside its output [" + off + ", " + (off + n) + ")");
            }
        }
    }

    @Test
    void conv2d() {
        // n, cin, cout, h, w, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, dh, dw, groups
        int[][] shapes = {
                {2, 8, 16, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // GEMM path, big
                {1, 3, 5, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},      // GEMM path, small, stride 2
                {2, 8, 8, 25, 23, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},    // direct path, big
                {3, 4, 6, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},    // groups 2
                {1, 4, 8, 9, 7, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 4},      // direct, multiplier 2, small
                {1, 5, 7, 7, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // pointwise
                {2, 8, 16, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                {2, 8, 8, 25, 23, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},
                {1, 3, 16, 30, 30, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   // 7×7 stem
                {1, 3, 5, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
                {1, 4, 8, 9, 7, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 4},
        };
        SplittableRandom r = new SplittableRandom(11);
        int call = 0;
        for (int rep = 0; rep < 2; rep++) {
            for (int[] c : shapes) {
                int n = c[0], cin = c[1], cout = c[2], h = c[3], w = c[4], kh = c[5], kw = c[6], sh = c[7], sw = c[8];
                int pt = c[9], pb = c[10], pl = c[11], pr = c[12], dh = c[13], dw = c[14], groups = c[15];
                int oh = Conv2d.outSize(h, kh, sh, pt, pb, dh), ow = Conv2d.outSize(w, kw, sw, pl, pr, dw);
                float[] x = Check.random(r, n * cin * h * w, 1);
                float[] wt = Check.random(r, cout * (cin / groups) * kh * kw, 0.5);
                float[] bias = call % 3 == 2 ? null : Check.random(r, cout, 1);
                Activation act = call % 2 == 0 ? Activation.RELU : Activation.NONE;
                float[] e = new float[n * cout * oh * ow];
                Conv2d.forward(x, n, cin, h, w, wt, bias, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, e, oh, ow, act);
                Conv2dKernel k = new Conv2dKernel(wt, bias, cin, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups);
                for (ComputePool pool : bothPools()) {
                    int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                    float[] xb = embed(x, xOff), yb = outputs(e.length, yOff);
                    k.forward(xb, xOff, n, h, w, yb, yOff, oh, ow, act, pool);
                    String what = "conv call " + call + " " + Arrays.toString(c) + " threads " + pool.threads();
                    Check.close(e, region(yb, yOff, e.length), what);
                    untouchedOutside(yb, yOff, e.length, what);
                    call++;
                }
            }
        }
    }

    @Test
    void gru() {
        // in, hidden, dirs, steps, batch
        int[][] shapes = {{20, 40, 2, 6, 5}, {3, 5, 1, 2, 1}, {20, 40, 2, 6, 5}, {7, 17, 2, 3, 3}, {1, 8, 1, 4, 9},
                {64, 100, 2, 3, 4}, {3, 5, 2, 2, 1}};
        SplittableRandom r = new SplittableRandom(12);
        int call = 0;
        for (int[] c : shapes) {
            int in = c[0], hidden = c[1], dirs = c[2], steps = c[3], batch = c[4];
            float[][] wih = new float[dirs][], whh = new float[dirs][], bih = new float[dirs][], bhh = new float[dirs][];
            for (int d = 0; d < dirs; d++) {
                wih[d] = Check.random(r, 3 * hidden * in, 0.5);
                whh[d] = Check.random(r, 3 * hidden * hidden, 0.5);
                bih[d] = Check.random(r, 3 * hidden, 0.5);
                bhh[d] = Check.random(r, 3 * hidden, 0.5);
            }
            float[] x = Check.random(r, steps * batch * in, 1.5);
            float[] h0 = Check.random(r, dirs * batch * hidden, 1);
            float[] eOut = new float[steps * batch * dirs * hidden], eh = h0.clone();
            for (int d = 0; d < dirs; d++) {
                float[] hd = Arrays.copyOfRange(eh, d * batch * hidden, (d + 1) * batch * hidden);
                Gru.layer(x, steps, batch, in, wih[d], whh[d], bih[d], bhh[d], hidden, d == 1, hd, eOut, dirs * hidden, d * hidden);
                System.arraycopy(hd, 0, eh, d * batch * hidden, hd.length);
            }
            GruKernel k = new GruKernel(in, hidden, dirs, wih, whh, bih, bhh);
            for (ComputePool pool : bothPools()) {
                int xOff = OFFSETS[call % 4], hOff = OFFSETS[(call + 1) % 4], outOff = OFFSETS[(call + 2) % 4];
                float[] xb = embed(x, xOff), hb = embed(h0, hOff), ob = outputs(eOut.length, outOff);
                k.forward(xb, xOff, steps, batch, hb, hOff, ob, outOff, pool);
                String what = "gru call " + call + " " + Arrays.toString(c) + " threads " + pool.threads();
                Check.close(eOut, region(ob, outOff, eOut.length), what + " output");
                Check.close(eh, region(hb, hOff, eh.length), what + " h_n");
                untouchedOutside(ob, outOff, eOut.length, what + " output");
                untouchedOutside(hb, hOff, eh.length, what + " h_n");
                call++;
            }
        }
    }

    @Test
    void encoder() {
        // batch, seq, d, heads, ff
        int[][] shapes = {{2, 20, 32, 4, 64}, {1, 3, 8, 2, 16}, {2, 40, 48, 4, 96}, {3, 7, 12, 3, 20}, {2, 20, 32, 4, 64},
                {1, 1, 8, 2, 16}};
        SplittableRandom r = new SplittableRandom(13);
        int call = 0;
        for (int[] c : shapes) {
            int batch = c[0], seq = c[1], d = c[2], heads = c[3], ff = c[4], rows = batch * seq;
            EncoderKernelTest.Weights w = EncoderKernelTest.Weights.random(r, d, ff);
            float[] x = Check.random(r, rows * d, 1);
            float[] bias = new float[rows];
            for (int i = 0; i < rows; i++) bias[i] = (i % seq) == seq - 1 && seq > 1 ? Float.NEGATIVE_INFINITY : 0f;
            for (boolean normFirst : new boolean[]{false, true}) {
                Activation act = normFirst ? Activation.GELU : Activation.RELU;
                EncoderKernel k = new EncoderKernel(d, heads, ff, normFirst, 1e-5, act, w.inW(), w.inB(), w.outW(), w.outB(),
                        w.w1(), w.b1(), w.w2(), w.b2(), w.n1g(), w.n1b(), w.n2g(), w.n2b());
                for (ComputePool pool : bothPools()) {
                    boolean masked = call % 2 == 0;
                    float[] e = EncoderKernelTest.reference(x, batch, seq, d, heads, ff, normFirst, act, w, masked ? bias : null);
                    int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4], bOff = OFFSETS[(call + 2) % 4];
                    float[] xb = embed(x, xOff), yb = outputs(e.length, yOff), bb = embed(bias, bOff);
                    k.apply(xb, xOff, yb, yOff, batch, seq, masked ? bb : null, masked ? bOff : 0, pool);
                    String what = "encoder call " + call + " " + Arrays.toString(c) + (normFirst ? " pre-LN" : " post-LN")
                            + " threads " + pool.threads();
                    Check.close(e, region(yb, yOff, e.length), what);
                    untouchedOutside(yb, yOff, e.length, what);
                    Check.bitwise(x, region(xb, xOff, x.length), what + ": x unchanged");
                    call++;
                }
            }
        }
    }

    @Test
    void attention() {
        // sq, sk, headDim
        int[][] shapes = {{130, 129, 64}, {5, 7, 3}, {40, 33, 16}, {1, 1, 1}, {130, 129, 64}, {13, 13, 8}};
        SplittableRandom r = new SplittableRandom(14);
        int call = 0;
        for (int[] c : shapes) {
            int sq = c[0], sk = c[1], hd = c[2];
            int qs = hd + 3, ks = hd + 5, vs = hd + 1, os = hd + 2;
            float[] q = Check.random(r, sq * qs, 2), k = Check.random(r, sk * ks, 2), v = Check.random(r, sk * vs, 2);
            float[] bias = Check.random(r, sk, 1);
            for (boolean withBias : new boolean[]{true, false}) {
                int off = OFFSETS[call % 4], bOff = OFFSETS[(call + 1) % 4];
                float[] e = new float[sq * os];
                double scale = 1 / Math.sqrt(hd);
                Attention.forward(q, 0, qs, k, 0, ks, v, 0, vs, e, 0, os, sq, sk, hd, scale, withBias ? bias : null, 0);
                float[] yb = outputs(e.length, off);
                float[] qb = embed(q, off), kb = embed(k, off + 1), vb = embed(v, off + 2), bb = embed(bias, bOff);
                AttentionKernel.attend(qb, off, qs, kb, off + 1, ks, vb, off + 2, vs, yb, off, os, sq, sk, hd, scale,
                        withBias ? bb : null, bOff, false);
                float[] y = region(yb, off, e.length);
                for (int i = 0; i < sq; i++) { // the columns between heads are not the kernel's: compare the head's only
                    for (int p = hd; p < os; p++) y[i * os + p] = e[i * os + p];
                }
                Check.close(e, y, "attention call " + call + " " + Arrays.toString(c) + (withBias ? " bias" : ""));
                call++;
            }
        }
    }

    @Test
    void pooling() {
        // planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil
        int[][] shapes = {
                {6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0},     // 2×2/2 read in place
                {2, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0},
                {5, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1},
                {4, 9, 41, 3, 2, 1, 2, 1, 0, 2, 1, 1},      // 2-wide at stride 2, padded
                {7, 37, 41, 5, 3, 3, 2, 2, 1, 1, 2, 1},
                {2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0},
                {6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0},
                {5, 13, 11, 2, 2, 2, 2, 1, 1, 1, 1, 1},
        };
        SplittableRandom r = new SplittableRandom(15);
        int call = 0;
        for (int rep = 0; rep < 2; rep++) {
            for (int[] c : shapes) {
                int planes = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], ph = c[7], pw = c[8];
                int dh = c[9], dw = c[10];
                boolean ceil = c[11] == 1;
                float[] x = Check.random(r, planes * h * w, 3);
                for (ComputePool pool : bothPools()) {
                    int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                    String what = "pool call " + call + " " + Arrays.toString(c) + " threads " + pool.threads();
                    int oh = Pool2d.outSize(h, kh, sh, ph, dh, ceil), ow = Pool2d.outSize(w, kw, sw, pw, dw, ceil);
                    float[] e = new float[planes * oh * ow];
                    Pool2d.max(x, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, e, oh, ow);
                    float[] xb = embed(x, xOff), yb = outputs(e.length, yOff);
                    Pool2dKernel.max(xb, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, yb, yOff, oh, ow, pool);
                    Check.bitwise(e, region(yb, yOff, e.length), "max " + what);
                    untouchedOutside(yb, yOff, e.length, "max " + what);

                    oh = Pool2d.outSize(h, kh, sh, ph, 1, ceil);
                    ow = Pool2d.outSize(w, kw, sw, pw, 1, ceil);
                    boolean include = call % 2 == 0;
                    int divisor = call % 3 == 0 ? 5 : 0;
                    e = new float[planes * oh * ow];
                    Pool2d.avg(x, planes, h, w, kh, kw, sh, sw, ph, pw, include, divisor, e, oh, ow);
                    yb = outputs(e.length, yOff);
                    Pool2dKernel.avg(xb, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, include, divisor, yb, yOff, oh, ow, pool);
                    Check.close(e, region(yb, yOff, e.length), 1e-5, "avg " + what);
                    untouchedOutside(yb, yOff, e.length, "avg " + what);
                    call++;
                }
            }
        }
    }

    @Test
    void batchNormSoftmaxLayerNorm() {
        SplittableRandom r = new SplittableRandom(16);
        int call = 0;
        for (int[] s : new int[][]{{3, 64, 81}, {1, 3, 5}, {2, 5, 17}, {3, 64, 81}, {1, 1, 1}}) {
            int n = s[0], c = s[1], sp = s[2];
            float[] x = Check.random(r, n * c * sp, 3), mean = Check.random(r, c, 1), g = Check.random(r, c, 2), b = Check.random(r, c, 1);
            float[] var = new float[c];
            for (int i = 0; i < c; i++) var[i] = (float) (0.1 + r.nextDouble());
            float[] e = new float[x.length];
            Norms.batchNorm(x, e, n, c, sp, mean, var, g, b, 1e-5);
            for (ComputePool pool : bothPools()) {
                int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                String what = "batchNorm call " + call + " " + Arrays.toString(s) + " threads " + pool.threads();
                float[] xb = embed(x, xOff), yb = outputs(e.length, yOff);
                NormKernels.batchNorm(xb, xOff, yb, yOff, n, c, sp, mean, var, g, b, 1e-5, pool);
                Check.close(e, region(yb, yOff, e.length), what);
                untouchedOutside(yb, yOff, e.length, what);
                NormKernels.batchNorm(xb, xOff, xb, xOff, n, c, sp, mean, var, g, b, 1e-5, pool); // in place
                Check.close(e, region(xb, xOff, e.length), what + " in place");
                untouchedOutside(xb, xOff, e.length, what + " in place");
                call++;
            }
        }
        // outer, d, inner
        for (int[] s : new int[][]{{50, 100, 1}, {3, 7, 1}, {4, 9, 13}, {2, 3, 5}, {50, 100, 1}, {6, 33, 20}, {1, 1, 1}}) {
            int outer = s[0], d = s[1], inner = s[2];
            float[] x = Check.random(r, outer * d * inner, 5);
            float[] e = new float[x.length];
            Norms.softmax(x, e, outer, d, inner);
            for (ComputePool pool : bothPools()) {
                int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                String what = "softmax call " + call + " " + Arrays.toString(s) + " threads " + pool.threads();
                float[] xb = embed(x, xOff), yb = outputs(e.length, yOff);
                NormKernels.softmax(xb, xOff, yb, yOff, outer, d, inner, pool);
                Check.close(e, region(yb, yOff, e.length), what);
                untouchedOutside(yb, yOff, e.length, what);
                NormKernels.softmax(xb, xOff, xb, xOff, outer, d, inner, pool);
                Check.close(e, region(xb, xOff, e.length), what + " in place");
                call++;
            }
        }
        // rows, d
        for (int[] s : new int[][]{{50, 768}, {3, 7}, {4, 100}, {50, 768}, {1, 1}}) {
            int rows = s[0], d = s[1];
            float[] x = Check.random(r, rows * d, 4), g = Check.random(r, d, 2), b = Check.random(r, d, 2);
            float[] e = new float[x.length];
            Norms.layerNorm(x, 0, e, 0, rows, d, g, b, 1e-5);
            for (ComputePool pool : bothPools()) {
                int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                String what = "layerNorm call " + call + " " + Arrays.toString(s) + " threads " + pool.threads();
                float[] xb = embed(x, xOff), yb = outputs(e.length, yOff);
                NormKernels.layerNorm(xb, xOff, yb, yOff, rows, d, g, b, 1e-5, pool);
                Check.close(e, region(yb, yOff, e.length), what);
                untouchedOutside(yb, yOff, e.length, what);
                call++;
            }
        }
    }

    @Test
    void activationAndGemm() {
        SplittableRandom r = new SplittableRandom(17);
        int call = 0;
        for (int n : new int[]{40_000, 37, 1, 70_001, 16}) {
            for (Activation act : new Activation[]{Activation.GELU, Activation.SILU, Activation.RELU, Activation.TANH}) {
                float[] x = Check.random(r, n, 4);
                float[] e = new float[n];
                for (int i = 0; i < n; i++) e[i] = act.apply(x[i]);
                for (ComputePool pool : bothPools()) {
                    int xOff = OFFSETS[call % 4], yOff = OFFSETS[(call + 1) % 4];
                    String what = "activation call " + call + " " + act + " n=" + n + " threads " + pool.threads();
                    float[] xb = embed(x, xOff), yb = outputs(n, yOff);
                    Elementwise.activation(act, xb, xOff, yb, yOff, n, pool);
                    Check.close(e, region(yb, yOff, n), what);
                    untouchedOutside(yb, yOff, n, what);
                    Elementwise.activation(act, xb, xOff, xb, xOff, n, pool);
                    Check.close(e, region(xb, xOff, n), what + " in place");
                    untouchedOutside(xb, xOff, n, what + " in place");
                    call++;
                }
            }
        }
        // m, n, k: packed A (m > 32) and A read in place, edge tiles, K over one depth block
        for (int[] s : new int[][]{{100, 70, 600}, {3, 5, 7}, {33, 17, 9}, {1, 40, 64}, {100, 70, 600}, {40, 1, 1}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = Check.random(r, m * k, 1), b = Check.random(r, n * k, 1), bias = Check.random(r, n, 1);
            float[] res = Check.random(r, m * n, 1);
            Activation act = call % 2 == 0 ? Activation.RELU : Activation.NONE;
            float[] e = new float[m * n];
            Gemm.matmulTransB(a, 0, b, 0, bias, 0, e, 0, m, n, k, act);
            for (int i = 0; i < e.length; i++) e[i] += res[i];
            PackedMatrix bp = PackedMatrix.forB(b, n, k);
            for (ComputePool pool : bothPools()) {
                int aOff = OFFSETS[call % 4], cOff = OFFSETS[(call + 1) % 4], rOff = OFFSETS[(call + 2) % 4];
                String what = "gemm call " + call + " " + Arrays.toString(s) + " threads " + pool.threads();
                float[] ab = embed(a, aOff), cb = outputs(e.length, cOff), rb = embed(res, rOff);
                PackedGemm.multiply(ab, aOff, k, m, bp, cb, cOff, n, Epilogue.of(bias, act).withResidual(rb, rOff, n), pool);
                Check.close(e, region(cb, cOff, e.length), what);
                untouchedOutside(cb, cOff, e.length, what);
                call++;
            }
        }
    }
}
