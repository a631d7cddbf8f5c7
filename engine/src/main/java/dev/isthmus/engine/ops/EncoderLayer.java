package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Attention;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.EncoderKernel;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.TransformerEncoderLayer}: multi-head self-attention and a feed-forward block, post-LN (BERT) or
 * pre-LN ({@code norm_first}). Input (batch, seq, d_model) with batch_first, else (seq, batch, d_model), or unbatched
 * (seq, d_model). An optional second input is {@code src_key_padding_mask} (batch, seq): BOOL/integer (non-zero =
 * padding, excluded) or float (added to the scores).
 */
public final class EncoderLayer implements Layer {
    final int d, heads, ff;
    final boolean batchFirst, normFirst;
    final double eps;
    final Activation act;
    float[] inW, outW, w1, w2;
    final float[] inB, outB, b1, b2, n1g, n1b, n2g, n2b;
    /** The vector kernel with the four weight matrices packed at load; null when SIMD is off (the reference runs). */
    final EncoderKernel fast;

    public EncoderLayer(NodeArgs a, WeightBinder w) {
        this(a, w, a.node());
    }

    /** Reads the layer's arguments from {@code a}; parameters are under {@code prefix.…} (prefix = node's name or a sub-module). */
    EncoderLayer(NodeArgs a, WeightBinder w, NodeSpec params) {
        d = a.requiredInt("d_model");
        heads = a.requiredInt("nhead");
        ff = a.integer("dim_feedforward", 2048);
        eps = a.number("layer_norm_eps", 1e-5);
        batchFirst = a.bool("batch_first", false);
        normFirst = a.bool("norm_first", false);
        boolean bias = a.bool("bias", true);
        String actName = a.choice("activation", "relu", "relu", "gelu");
        act = actName.equals("gelu") ? Activation.GELU : Activation.RELU;
        a.ignore("dropout", "device", "dtype");
        if (d <= 0 || heads <= 0 || ff <= 0) throw new IllegalArgumentException("d_model, nhead and dim_feedforward must be positive");
        if (d % heads != 0) throw new IllegalArgumentException("d_model = " + d + " is not divisible by nhead = " + heads);
        inW = w.require(params, "self_attn.in_proj_weight", 3L * d, d);
        inB = bias ? w.require(params, "self_attn.in_proj_bias", 3L * d) : null;
        outW = w.require(params, "self_attn.out_proj.weight", d, d);
        outB = bias ? w.require(params, "self_attn.out_proj.bias", d) : null;
        w1 = w.require(params, "linear1.weight", ff, d);
        b1 = bias ? w.require(params, "linear1.bias", ff) : null;
        w2 = w.require(params, "linear2.weight", d, ff);
        b2 = bias ? w.require(params, "linear2.bias", d) : null;
        n1g = w.require(params, "norm1.weight", d);
        n1b = bias ? w.require(params, "norm1.bias", d) : null;
        n2g = w.require(params, "norm2.weight", d);
        n2b = bias ? w.require(params, "norm2.bias", d) : null;
        fast = Simd.enabled() ? new EncoderKernel(d, heads, ff, normFirst, eps, act, inW, inB, outW, outB, w1, b1, w2, b2,
                n1g, n1b, n2g, n2b) : null;
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    @Override
    public boolean isPlanned() {
        return fast != null;
    }

    @Override
    public void trim() {
        if (fast == null) return;
        inW = outW = w1 = w2 = null; // the kernel holds packed copies
    }

    @Override
    public long heldBytes() {
        long b = 0;
        for (float[] a : new float[][]{inW, inB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b}) b += a == null ? 0 : 4L * a.length;
        return b + (fast == null ? 0 : fast.footprint());
    }

    @Override
    public long scratchFloats(List<long[]> in) {
        Geometry g = Geometry.of(in.get(0), batchFirst);
        return 2L * g.batch * g.seq * d + (long) g.batch * g.seq;
    }

    @Override
    public void run(Frame f) {
        Geometry g = Geometry.of(f.inShape[0], batchFirst);
        int rows = g.batch * g.seq;
        int a = f.scratch, kb = a + 2 * rows * d;
        boolean hasMask = f.in.length > 1;
        if (hasMask) writeKeyBias(f, 1, kb, rows);
        runLayers(f, List.of(this), null, g, a, a + rows * d, hasMask ? kb : -1);
    }

    /** Fills f.buf[kb, kb + rows) with the additive key bias of input {@code i} (a padding mask). */
    static void writeKeyBias(Frame f, int i, int kb, int rows) {
        if (f.in[i] >= 0) {
            System.arraycopy(f.buf, f.in[i], f.buf, kb, rows); // a float mask is added as it is
        } else {
            Tensor mask = f.raw[i];
            for (int r = 0; r < rows; r++) f.buf[kb + r] = mask.getLong(r) != 0 ? Float.NEGATIVE_INFINITY : 0f;
        }
    }

    /**
     * Runs encoder layers (and a final norm) in planned memory: batch-major ping-pong between the scratch regions
     * p and q; a sequence-first input is transposed in and the result out.
     */
    static void runLayers(Frame f, List<EncoderLayer> layers, LayerNormLayer norm, Geometry g, int p, int q, int kb) {
        float[] b = f.buf;
        int d = layers.get(0).d, rows = g.batch * g.seq;
        boolean swap = g.seqFirst && g.batch > 1 && g.seq > 1;
        int cur = f.in[0];
        if (swap) {
            Floats.swapOuter(b, cur, b, p, g.seq, g.batch, d);
            cur = p;
        }
        for (EncoderLayer l : layers) {
            int dst = cur == p ? q : p;
            l.fast.apply(b, cur, b, dst, g.batch, g.seq, kb >= 0 ? b : null, Math.max(kb, 0), f.pool);
            cur = dst;
        }
        if (norm != null) {
            int dst = cur == p ? q : p;
            dev.isthmus.engine.kernels.vector.NormKernels.layerNorm(b, cur, b, dst, rows, d, norm.gamma, norm.beta, norm.eps, f.pool);
            cur = dst;
        }
        if (swap) Floats.swapOuter(b, cur, b, f.out[0], g.batch, g.seq, d);
        else System.arraycopy(b, cur, b, f.out[0], rows * d);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 2, 3);
        Shapes.dim(s, -1, d, "d_model (the last dimension)");
        if (in.size() > 1) {
            long[] m = in.get(1);
            long batch = s.length == 2 ? 1 : (batchFirst ? s[0] : s[1]);
            long seq = s.length == 2 ? s[0] : (batchFirst ? s[1] : s[0]);
            boolean ok = (m.length == 2 && (m[0] < 0 || batch < 0 || m[0] == batch) && (m[1] < 0 || seq < 0 || m[1] == seq))
                    || (s.length == 2 && m.length == 1 && (m[0] < 0 || seq < 0 || m[0] == seq));
            if (!ok) throw new IllegalArgumentException("src_key_padding_mask must be (batch, seq) = " + Shape.toString(new long[]{batch, seq})
                    + ", got " + Shape.toString(m));
        }
        return List.of(s.clone());
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        Geometry g = Geometry.of(s, batchFirst);
        float[] x = g.toBatchMajor(Floats.of(t), d);
        float[] bias = inputs.size() > 1 ? keyBias(inputs.get(1), g.batch, g.seq) : null;
        float[] y = apply(x, g.batch, g.seq, bias, pool);
        return List.of(Tensor.ofFloats(g.fromBatchMajor(y, d), s));
    }

    /** Additive per-key bias (batch·seq) from a padding mask: bool/int non-zero → −∞, float → as is. */
    static float[] keyBias(Tensor mask, int batch, int seq) {
        float[] b = new float[batch * seq];
        boolean additive = mask.dtype().isFloating();
        for (int i = 0; i < b.length; i++) {
            if (additive) b[i] = mask.getFloat(i);
            else b[i] = mask.getLong(i) != 0 ? Float.NEGATIVE_INFINITY : 0f;
        }
        return b;
    }

    /**
     * The layer on batch-major rows: x (batch, seq, d) → a new array of the same shape: the vector kernel (QKV as one
     * GEMM, blocked attention, residuals and the activation fused into GEMM epilogues), or the reference.
     */
    float[] apply(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        return fast != null ? fast.apply(x, batch, seq, keyBias, pool) : apply(x, batch, seq, keyBias);
    }

    /** The reference path of {@link #apply(float[], int, int, float[], ComputePool)}. */
    float[] apply(float[] x, int batch, int seq, float[] keyBias) {
        int rows = batch * seq;
        if (normFirst) {
            float[] h = x.clone();
            float[] n = new float[h.length];
            Norms.layerNorm(h, 0, n, 0, rows, d, n1g, n1b, eps);
            add(h, selfAttention(n, batch, seq, keyBias));
            Norms.layerNorm(h, 0, n, 0, rows, d, n2g, n2b, eps);
            add(h, feedForward(n, rows));
            return h;
        }
        float[] h = x.clone();
        add(h, selfAttention(x, batch, seq, keyBias));
        Norms.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps);
        float[] f = feedForward(h, rows);
        add(h, f);
        Norms.layerNorm(h, 0, h, 0, rows, d, n2g, n2b, eps);
        return h;
    }

    private static void add(float[] acc, float[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
    }

    float[] selfAttention(float[] x, int batch, int seq, float[] keyBias) {
        int rows = batch * seq, hd = d / heads;
        float[] qkv = new float[rows * 3 * d];
        Gemm.matmulTransB(x, 0, inW, 0, inB, 0, qkv, 0, rows, 3 * d, d, Activation.NONE);
        float[] attn = new float[rows * d];
        double scale = 1.0 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            int base = b * seq * 3 * d;
            for (int h = 0; h < heads; h++) {
                Attention.forward(qkv, base + h * hd, 3 * d, qkv, base + d + h * hd, 3 * d, qkv, base + 2 * d + h * hd, 3 * d,
                        attn, b * seq * d + h * hd, d, seq, seq, hd, scale, keyBias, b * seq);
            }
        }
        float[] out = new float[rows * d];
        Gemm.matmulTransB(attn, 0, outW, 0, outB, 0, out, 0, rows, d, d, Activation.NONE);
        return out;
    }

    float[] feedForward(float[] x, int rows) {
        float[] hid = new float[rows * ff];
        Gemm.matmulTransB(x, 0, w1, 0, b1, 0, hid, 0, rows, ff, d, act);
        float[] out = new float[rows * d];
        Gemm.matmulTransB(hid, 0, w2, 0, b2, 0, out, 0, rows, d, ff, Activation.NONE);
        return out;
    }

    /** Where batch and sequence sit in an encoder input. */
    record Geometry(int batch, int seq, boolean seqFirst) {
        static Geometry of(long[] s, boolean batchFirst) {
            if (s.length == 2) return new Geometry(1, (int) s[0], false);
            return batchFirst ? new Geometry((int) s[0], (int) s[1], false) : new Geometry((int) s[1], (int) s[0], true);
        }

        float[] toBatchMajor(float[] x, int width) {
            return seqFirst ? GruLayer.toBatchMajor(x, seq, batch, width) : x;
        }

        float[] fromBatchMajor(float[] x, int width) {
            return seqFirst ? GruLayer.toTimeMajor(x, seq, batch, width, true) : x;
        }
    }
}
