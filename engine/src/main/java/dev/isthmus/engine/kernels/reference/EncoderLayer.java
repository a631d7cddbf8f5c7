package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.EncoderLayerKernel;

/**
 * Reference {@code torch.nn.TransformerEncoderLayer} (eval mode): multi-head self-attention and the feed-forward
 * block, each with a residual, LayerNorm after each (post-LN) or before each ({@code normFirst}).
 */
final class EncoderLayer implements EncoderLayerKernel {
    private final int d, heads, ff;
    private final boolean normFirst;
    private final double eps;
    private final Activation act;
    private final float[] inW, inB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b;

    EncoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act, float[] inW, float[] inB, float[] outW,
                 float[] outB, float[] w1, float[] b1, float[] w2, float[] b2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        this.d = d;
        this.heads = heads;
        this.ff = ff;
        this.normFirst = normFirst;
        this.eps = eps;
        this.act = act;
        this.inW = inW;
        this.inB = inB;
        this.outW = outW;
        this.outB = outB;
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
        this.n1g = n1g;
        this.n1b = n1b;
        this.n2g = n2g;
        this.n2b = n2b;
    }

    @Override
    public long heldBytes() {
        long b = 0;
        for (float[] a : new float[][]{inW, inB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b}) b += a == null ? 0 : 4L * a.length;
        return b;
    }

    @Override
    public void apply(float[] xs, int xOff, float[] y, int yOff, int batch, int seq, float[] keyBias, int kbOff, ComputePool pool) {
        int rows = batch * seq;
        float[] x = java.util.Arrays.copyOfRange(xs, xOff, xOff + rows * d);
        float[] h;
        if (normFirst) {
            h = x.clone();
            float[] n = new float[h.length];
            Norms.layerNorm(h, 0, n, 0, rows, d, n1g, n1b, eps);
            add(h, selfAttention(n, batch, seq, keyBias, kbOff));
            Norms.layerNorm(h, 0, n, 0, rows, d, n2g, n2b, eps);
            add(h, feedForward(n, rows));
        } else {
            h = x.clone();
            add(h, selfAttention(x, batch, seq, keyBias, kbOff));
            Norms.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps);
            float[] f = feedForward(h, rows);
            add(h, f);
            Norms.layerNorm(h, 0, h, 0, rows, d, n2g, n2b, eps);
        }
        System.arraycopy(h, 0, y, yOff, h.length);
    }

    private static void add(float[] acc, float[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
    }

    private float[] selfAttention(float[] x, int batch, int seq, float[] keyBias, int kbOff) {
        int rows = batch * seq, hd = d / heads;
        float[] qkv = new float[rows * 3 * d];
        Gemm.matmulTransB(x, 0, inW, 0, inB, 0, qkv, 0, rows, 3 * d, d, Activation.NONE);
        float[] attn = new float[rows * d];
        double scale = 1.0 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            int base = b * seq * 3 * d;
            for (int h = 0; h < heads; h++) {
                Attention.forward(qkv, base + h * hd, 3 * d, qkv, base + d + h * hd, 3 * d, qkv, base + 2 * d + h * hd, 3 * d,
                        attn, b * seq * d + h * hd, d, seq, seq, hd, scale, keyBias, kbOff + b * seq);
            }
        }
        float[] out = new float[rows * d];
        Gemm.matmulTransB(attn, 0, outW, 0, outB, 0, out, 0, rows, d, d, Activation.NONE);
        return out;
    }

    private float[] feedForward(float[] x, int rows) {
        float[] hid = new float[rows * ff];
        Gemm.matmulTransB(x, 0, w1, 0, b1, 0, hid, 0, rows, ff, d, act);
        float[] out = new float[rows * d];
        Gemm.matmulTransB(hid, 0, w2, 0, b2, 0, out, 0, rows, d, ff, Activation.NONE);
        return out;
    }
}
