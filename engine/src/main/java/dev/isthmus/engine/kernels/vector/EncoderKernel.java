package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.Scratch;

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
 * The four products are {@link LinearKernel}s: packed F32 GEMMs ({@link PackedGemm}) when the layer is built from its
 * weights, or products another engine runs (oneDNN's int8 matmul for an int8 model). Rows are batch-major: row
 * b·seq + i. Immutable; safe to run from many threads at once (the work buffers are per-thread scratch).
 */
public final class EncoderKernel {
    private final int d, heads, ff;
    private final boolean normFirst;
    private final double eps;
    /** The four products: packed F32 GEMMs with their epilogues, or products another engine runs. */
    private final LinearKernel inProj, outProj, ff1, ff2;
    private final float[] n1g, n1b, n2g, n2b;

    // Per-thread scratch of apply: the pre-LN input, Q | K | V, the attention output, the first residual sum, the
    // pre-LN feed-forward input, the feed-forward hidden layer.
    private static final Scratch ATTN_IN = new Scratch(), QKV = new Scratch(), CTX = new Scratch(), H = new Scratch(),
            FF_IN = new Scratch(), HID = new Scratch();

    /**
     * Weights as PyTorch stores them: inW (3d, d) rows Q | K | V, outW (d, d), w1 (ff, d), w2 (d, ff); biases and the
     * LayerNorms' gamma/beta may be null.
     */
    public EncoderKernel(int d, int heads, int ff, boolean normFirst, double eps, Activation act,
                         float[] inW, float[] inB, float[] outW, float[] outB, float[] w1, float[] b1, float[] w2, float[] b2,
                         float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        this(d, heads, ff, normFirst, eps, act, PackedMatrix.forB(inW, 3 * checkSizes(d, heads, ff), d), inB, PackedMatrix.forB(outW, d, d),
                outB, PackedMatrix.forB(w1, ff, d), b1, PackedMatrix.forB(w2, d, ff), b2, n1g, n1b, n2g, n2b);
    }

    /** The same with the four matrices already packed as right operands ({@link PackedMatrix#forB}). */
    public EncoderKernel(int d, int heads, int ff, boolean normFirst, double eps, Activation act,
                         PackedMatrix inP, float[] inB, PackedMatrix outP, float[] outB, PackedMatrix w1P, float[] b1,
                         PackedMatrix w2P, float[] b2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        this(d, heads, ff, normFirst, eps, VectorKernels.packedLinear(inP, inB, Activation.NONE),
                VectorKernels.packedLinear(outP, outB, Activation.NONE), VectorKernels.packedLinear(w1P, b1, act),
                VectorKernels.packedLinear(w2P, b2, Activation.NONE), n1g, n1b, n2g, n2b);
    }

    /**
     * The layer over four given products: {@code inProj} d → 3d (Q | K | V), {@code outProj} d → d and {@code ff2}
     * ff → d (both called with the residual), {@code ff1} d → ff with the layer's activation.
     */
    public EncoderKernel(int d, int heads, int ff, boolean normFirst, double eps, LinearKernel inProj, LinearKernel outProj,
                         LinearKernel ff1, LinearKernel ff2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        checkSizes(d, heads, ff);
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

    /** d, after checking the sizes make an encoder layer. */
    static int checkSizes(int d, int heads, int ff) {
        if (d <= 0 || heads <= 0 || d % heads != 0 || ff <= 0) throw new IllegalArgumentException("bad encoder sizes d=" + d + " heads=" + heads + " ff=" + ff);
        return d;
    }

    /** Bytes of the packed weights and the vectors this kernel holds. */
    public long footprint() {
        long b = inProj.heldBytes() + outProj.heldBytes() + ff1.heldBytes() + ff2.heldBytes();
        for (float[] a : new float[][]{n1g, n1b, n2g, n2b}) b += a == null ? 0 : 4L * a.length;
        return b;
    }

    /**
     * The layer on x (batch·seq rows of d): a new array of the same shape. {@code keyBias} is an additive bias per
     * (b·seq + key) (0 keeps a key, −∞ or a very negative value drops it), or null.
     */
    public float[] apply(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        float[] y = new float[Math.multiplyExact(batch * seq, d)];
        apply(x, 0, y, 0, batch, seq, keyBias, 0, pool);
        return y;
    }

    /**
     * The layer on the batch·seq rows of d floats (row b·seq + i) at {@code x[xOff …]}, written to the same shape at
     * {@code y[yOff …]}; x is left unchanged. {@code y}'s range must not overlap x's (x is read again after y is first
     * written: it is the first residual). {@code keyBias} holds an additive bias per key at
     * {@code keyBias[keyBiasOff + b·seq + key]} (0 keeps a key, −∞ or a very negative value drops it), or is null.
     * The intermediates live in per-thread scratch: nothing is allocated in steady state on one thread.
     */
    public void apply(float[] x, int xOff, float[] y, int yOff, int batch, int seq, float[] keyBias, int keyBiasOff,
                      ComputePool pool) {
        int rows = batch * seq;
        if (rows == 0) return;
        int n = Math.multiplyExact(rows, d);
        if (xOff < 0 || yOff < 0 || xOff + n > x.length || yOff + n > y.length) {
            throw new IndexOutOfBoundsException("x or y too small for " + rows + " rows of " + d);
        }
        if (x == y && xOff < yOff + n && yOff < xOff + n) throw new IllegalArgumentException("y must not overlap x");
        float[] attnIn = x;
        int attnOff = xOff;
        if (normFirst) {
            attnIn = ATTN_IN.floats(n);
            attnOff = 0;
            NormKernels.layerNorm(x, xOff, attnIn, 0, rows, d, n1g, n1b, eps, pool);
        }
        float[] qkv = QKV.floats(Math.multiplyExact(rows, 3 * d));
        inProj.run(attnIn, attnOff, d, rows, qkv, 0, 3 * d, null, 0, 0, pool);
        float[] ctx = CTX.floats(n);
        AttentionKernel.selfAttention(qkv, 0, batch, seq, d, heads, keyBias, keyBiasOff, false, ctx, 0, pool);
        float[] h = H.floats(n);
        outProj.run(ctx, 0, d, rows, h, 0, d, x, xOff, d, pool);
        float[] ffIn = h;
        if (normFirst) {
            ffIn = FF_IN.floats(n);
            NormKernels.layerNorm(h, 0, ffIn, 0, rows, d, n2g, n2b, eps, pool);
        } else {
            NormKernels.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps, pool);
        }
        float[] hid = HID.floats(Math.multiplyExact(rows, ff));
        ff1.run(ffIn, 0, d, rows, hid, 0, ff, null, 0, 0, pool);
        ff2.run(hid, 0, ff, rows, y, yOff, d, h, 0, d, pool);
        if (!normFirst) NormKernels.layerNorm(y, yOff, y, yOff, rows, d, n2g, n2b, eps, pool);
    }
}
