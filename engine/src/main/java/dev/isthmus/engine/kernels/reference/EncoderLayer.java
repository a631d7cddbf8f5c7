package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.parallel.ComputePool;

/**
 * Reference {@code torch.nn.TransformerEncoderLayer} (eval mode): multi-head self-attention and the feed-forward
 * block, each with a residual, LayerNorm after each (post-LN) or before each ({@code normFirst}). The four products
 * are {@link LinearKernel}s: the reference Linear over the F32 weights, or products another engine runs.
 */
final class EncoderLayer implements EncoderLayerKernel {
    private final int d, heads, ff;
    private final boolean normFirst;
    private final double eps;
    private final LinearKernel inProj, outProj, ff1, ff2;
    private final float[] n1g, n1b, n2g, n2b;

    EncoderLayer(int d, int heads, int ff, boolean normFirst, double eps, LinearKernel inProj, LinearKernel outProj, LinearKernel ff1,
                 LinearKernel ff2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        this.d = d;
        this.heads = heads;
        this.ff = ff;
        this.normFirst = normFirst;
        this.eps = eps;
        this.inProj = inProj;
        this.outProj = outProj;
        this.ff1 = ff1;
        this.ff2 = ff2;
        this.n1g = n1g;
        this.n1b = n1b;
        this.n2g = n2g;
        this.n2b = n2b;
    }

    @Override
    public long heldBytes() {
        long b = inProj.heldBytes() + outProj.heldBytes() + ff1.heldBytes() + ff2.heldBytes();
        for (float[] a : new float[][]{n1g, n1b, n2g, n2b}) b += a == null ? 0 : 4L * a.length;
        return b;
    }

    @Override
    public void apply(float[] xs, int xOff, float[] y, int yOff, int batch, int seq, float[] keyBias, int kbOff, ComputePool pool) {
        int rows = batch * seq;
        float[] h = java.util.Arrays.copyOfRange(xs, xOff, xOff + rows * d);
        if (normFirst) {
            float[] n = new float[h.length];
            Norms.layerNorm(h, 0, n, 0, rows, d, n1g, n1b, eps);
            selfAttention(n, h, batch, seq, keyBias, kbOff, pool);
            Norms.layerNorm(h, 0, n, 0, rows, d, n2g, n2b, eps);
            feedForward(n, h, rows, pool);
        } else {
            selfAttention(h.clone(), h, batch, seq, keyBias, kbOff, pool);
            Norms.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps);
            feedForward(h.clone(), h, rows, pool);
            Norms.layerNorm(h, 0, h, 0, rows, d, n2g, n2b, eps);
        }
        System.arraycopy(h, 0, y, yOff, h.length);
    }

    /** h += out_proj(attention(in_proj(x))). */
    private void selfAttention(float[] x, float[] h, int batch, int seq, float[] keyBias, int kbOff, ComputePool pool) {
        int rows = batch * seq, hd = d / heads;
        float[] qkv = new float[rows * 3 * d];
        inProj.run(x, 0, d, rows, qkv, 0, 3 * d, null, 0, 0, pool);
        float[] attn = new float[rows * d];
        double scale = 1.0 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            int base = b * seq * 3 * d;
            for (int hh = 0; hh < heads; hh++) {
                Attention.forward(qkv, base + hh * hd, 3 * d, qkv, base + d + hh * hd, 3 * d, qkv, base + 2 * d + hh * hd, 3 * d,
                        attn, b * seq * d + hh * hd, d, seq, seq, hd, scale, keyBias, kbOff + b * seq);
            }
        }
        outProj.run(attn, 0, d, rows, h, 0, d, h, 0, d, pool);
    }

    /** h += linear2(act(linear1(x))). */
    private void feedForward(float[] x, float[] h, int rows, ComputePool pool) {
        float[] hid = new float[rows * ff];
        ff1.run(x, 0, d, rows, hid, 0, ff, null, 0, 0, pool);
        ff2.run(hid, 0, ff, rows, h, 0, d, h, 0, d, pool);
    }
}
