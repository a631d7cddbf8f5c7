package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;

/**
 * One Transformer encoder layer ({@code torch.nn.TransformerEncoderLayer}, and BERT's layer, which is the post-LN
 * form) on the vector kernels, its four weight matrices packed at construction:
 * <ul>
 * <li>Q, K and V as one GEMM against the packed in-projection (3d × d), bias in the epilogue;</li>
 * <li>blocked attention with online softmax per (batch, head) ({@link AttentionKernel});</li>
 * <li>the out-projection with bias and the residual add in its epilogue;</li>
 * <li>the feed-forward block: the first GEMM with bias and activation fused, the second with bias and residual;</li>
 * <li>LayerNorms after each block (post-LN) or before each (pre-LN, {@code norm_first}).</li>
 * </ul>
 * Rows are batch-major: row b·seq + i. Immutable; safe to run from many threads at once.
 */
public final class EncoderKernel {
    private final int d, heads, ff;
    private final boolean normFirst;
    private final double eps;
    private final Activation act;
    private final PackedMatrix inP, outP, w1P, w2P;
    private final float[] inB, outB, b1, b2, n1g, n1b, n2g, n2b;

    /**
     * Weights as PyTorch stores them: inW (3d, d) rows Q | K | V, outW (d, d), w1 (ff, d), w2 (d, ff); biases and the
     * LayerNorms' gamma/beta may be null.
     */
    public EncoderKernel(int d, int heads, int ff, boolean normFirst, double eps, Activation act,
                         float[] inW, float[] inB, float[] outW, float[] outB, float[] w1, float[] b1, float[] w2, float[] b2,
                         float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        if (d <= 0 || heads <= 0 || d % heads != 0 || ff <= 0) throw new IllegalArgumentException("bad encoder sizes d=" + d + " heads=" + heads + " ff=" + ff);
        this.d = d;
        this.heads = heads;
        this.ff = ff;
        this.normFirst = normFirst;
        this.eps = eps;
        this.act = act;
        this.inP = PackedMatrix.forB(inW, 3 * d, d);
        this.outP = PackedMatrix.forB(outW, d, d);
        this.w1P = PackedMatrix.forB(w1, ff, d);
        this.w2P = PackedMatrix.forB(w2, d, ff);
        this.inB = inB;
        this.outB = outB;
        this.b1 = b1;
        this.b2 = b2;
        this.n1g = n1g;
        this.n1b = n1b;
        this.n2g = n2g;
        this.n2b = n2b;
    }

    /**
     * The layer on x (batch·seq rows of d): a new array of the same shape. {@code keyBias} is an additive bias per
     * (b·seq + key) (0 keeps a key, −∞ or a very negative value drops it), or null.
     */
    public float[] apply(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        int rows = batch * seq;
        float[] attnIn = x;
        if (normFirst) {
            attnIn = new float[rows * d];
            NormKernels.layerNorm(x, 0, attnIn, 0, rows, d, n1g, n1b, eps, pool);
        }
        float[] qkv = new float[rows * 3 * d];
        PackedGemm.multiply(attnIn, 0, d, rows, inP, qkv, 0, 3 * d, Epilogue.of(inB, Activation.NONE), pool);
        float[] ctx = new float[rows * d];
        AttentionKernel.selfAttention(qkv, batch, seq, d, heads, keyBias, false, ctx, pool);
        float[] h = new float[rows * d];
        PackedGemm.multiply(ctx, 0, d, rows, outP, h, 0, d, Epilogue.of(outB, Activation.NONE).withResidual(x, 0, d), pool);
        float[] ffIn = h;
        if (normFirst) {
            ffIn = new float[rows * d];
            NormKernels.layerNorm(h, 0, ffIn, 0, rows, d, n2g, n2b, eps, pool);
        } else {
            NormKernels.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps, pool);
        }
        float[] hid = new float[rows * ff];
        PackedGemm.multiply(ffIn, 0, d, rows, w1P, hid, 0, ff, Epilogue.of(b1, act), pool);
        float[] y = new float[rows * d];
        PackedGemm.multiply(hid, 0, ff, rows, w2P, y, 0, d, Epilogue.of(b2, Activation.NONE).withResidual(h, 0, d), pool);
        if (!normFirst) NormKernels.layerNorm(y, 0, y, 0, rows, d, n2g, n2b, eps, pool);
        return y;
    }
}
