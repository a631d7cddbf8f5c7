package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Attention;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.EncoderKernel;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * One post-LN encoder layer of Hugging Face BERT ({@code BertLayer}) or DistilBERT ({@code TransformerBlock}), eval mode:
 * <pre>
 *   a = LayerNorm₁(x + Wₒ·attention(x))          attention: per head softmax(q·kᵀ/√head_dim + mask bias)·v
 *   y = LayerNorm₂(a + W₂·act(W₁·a + b₁) + b₂)
 * </pre>
 * Inputs: hidden states (batch, seq, hidden), F32, and optionally the attention mask (batch, seq) with 1 for a token
 * and 0 for padding; a padded key gets {@code (1 − mask) · finfo(float32).min} added to its scores, as HF does (HF's
 * DistilBERT puts that value in with {@code masked_fill}, the same for 0/1 masks). Output: (batch, seq, hidden). The
 * query, key and value weights are concatenated into one matrix at load.
 *
 * <p>When SIMD is on ({@link Simd#enabled()}) the layer runs on {@link EncoderKernel} (post-LN), its weights packed
 * into GEMM panels at load: QKV as one GEMM, blocked attention with online softmax and the mask bias per key,
 * residuals and the activation fused into GEMM epilogues, vectorised LayerNorm. The plain weights are then not kept.
 * When SIMD is off the scalar reference kernels run.
 *
 * <p>BERT parameters (under e.g. {@code bert.encoder.layer.3}): {@code attention.self.{query,key,value}},
 * {@code attention.output.dense}, {@code attention.output.LayerNorm}, {@code intermediate.dense},
 * {@code output.dense}, {@code output.LayerNorm}. DistilBERT (under e.g. {@code distilbert.transformer.layer.3}):
 * {@code attention.{q_lin,k_lin,v_lin,out_lin}}, {@code sa_layer_norm}, {@code ffn.lin1}, {@code ffn.lin2},
 * {@code output_layer_norm}. Each Linear has {@code .weight} and {@code .bias}, each LayerNorm {@code .weight} and
 * {@code .bias}.
 */
public final class HfEncoderLayer implements Layer {
    final int d, heads, ff;
    final double eps;
    final Activation act;
    /** The weights for the reference path; null when {@link #fast} runs. */
    final float[] qkvW, qkvB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b;
    /** The vector kernel, its weights packed at load; null when SIMD is off (the reference runs). */
    final EncoderKernel fast;

    private record Names(String q, String k, String v, String out, String norm1, String fc1, String fc2, String norm2) {
    }

    private static final Names BERT = new Names("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm");
    private static final Names DISTILBERT = new Names("attention.q_lin", "attention.k_lin", "attention.v_lin",
            "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm");

    private HfEncoderLayer(NodeSpec n, WeightBinder w, Names names, int d, int heads, int ff, double eps, Activation act) {
        if (d <= 0 || heads <= 0 || ff <= 0) throw new IllegalArgumentException("hidden size, heads and feed-forward size must be positive");
        if (d % heads != 0) throw new IllegalArgumentException("hidden size " + d + " is not divisible by the " + heads + " attention heads");
        this.d = d;
        this.heads = heads;
        this.ff = ff;
        this.eps = eps;
        this.act = act;
        float[] qkvW = new float[3 * d * d];
        float[] qkvB = new float[3 * d];
        String[] qkv = {names.q(), names.k(), names.v()};
        for (int i = 0; i < 3; i++) {
            System.arraycopy(w.require(n, qkv[i] + ".weight", d, d), 0, qkvW, i * d * d, d * d);
            System.arraycopy(w.require(n, qkv[i] + ".bias", d), 0, qkvB, i * d, d);
        }
        float[] outW = w.require(n, names.out() + ".weight", d, d);
        float[] outB = w.require(n, names.out() + ".bias", d);
        float[] n1g = w.require(n, names.norm1() + ".weight", d);
        float[] n1b = w.require(n, names.norm1() + ".bias", d);
        float[] w1 = w.require(n, names.fc1() + ".weight", ff, d);
        float[] b1 = w.require(n, names.fc1() + ".bias", ff);
        float[] w2 = w.require(n, names.fc2() + ".weight", d, ff);
        float[] b2 = w.require(n, names.fc2() + ".bias", d);
        float[] n2g = w.require(n, names.norm2() + ".weight", d);
        float[] n2b = w.require(n, names.norm2() + ".bias", d);
        fast = Simd.enabled() ? new EncoderKernel(d, heads, ff, false, eps, act, qkvW, qkvB, outW, outB, w1, b1, w2, b2,
                n1g, n1b, n2g, n2b) : null;
        boolean keep = fast == null;
        this.qkvW = keep ? qkvW : null;
        this.qkvB = keep ? qkvB : null;
        this.outW = keep ? outW : null;
        this.outB = keep ? outB : null;
        this.n1g = keep ? n1g : null;
        this.n1b = keep ? n1b : null;
        this.w1 = keep ? w1 : null;
        this.b1 = keep ? b1 : null;
        this.w2 = keep ? w2 : null;
        this.b2 = keep ? b2 : null;
        this.n2g = keep ? n2g : null;
        this.n2b = keep ? n2b : null;
    }

    /**
     * Op {@code BertLayer}: arguments {@code hidden_size}, {@code num_attention_heads}, {@code intermediate_size},
     * {@code hidden_act} (default "gelu", the exact form), {@code layer_norm_eps} (default 1e-12).
     */
    public static HfEncoderLayer bert(NodeArgs a, WeightBinder w) {
        return new HfEncoderLayer(a.node(), w, BERT, a.requiredInt("hidden_size"), a.requiredInt("num_attention_heads"),
                a.requiredInt("intermediate_size"), a.number("layer_norm_eps", 1e-12),
                HfKernels.activation("hidden_act", a.string("hidden_act", "gelu")));
    }

    /**
     * Op {@code DistilBertTransformerBlock}: arguments {@code dim}, {@code n_heads}, {@code hidden_dim},
     * {@code activation} (default "gelu"); the LayerNorm eps is DistilBERT's fixed 1e-12.
     */
    public static HfEncoderLayer distilBert(NodeArgs a, WeightBinder w) {
        return new HfEncoderLayer(a.node(), w, DISTILBERT, a.requiredInt("dim"), a.requiredInt("n_heads"),
                a.requiredInt("hidden_dim"), 1e-12, HfKernels.activation("activation", a.string("activation", "gelu")));
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    /** The weights' converted copies: packed panels (vector path) or plain arrays (reference), plus biases and norms. */
    @Override
    public long heldBytes() {
        long matrices = fast != null
                ? (long) PackedGemm.panelFloats(3 * d, d) + PackedGemm.panelFloats(d, d) + PackedGemm.panelFloats(ff, d)
                  + PackedGemm.panelFloats(d, ff)
                : 4L * d * d + 2L * ff * d;
        return 4L * (matrices + 9L * d + ff); // + biases (3d, d, ff, d) and the norms' gamma/beta (4d)
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3);
        Shapes.dim(s, -1, d, "the hidden size (the last dimension)");
        if (in.size() > 1) {
            long[] m = in.get(1);
            boolean ok = m.length == 2 && (m[0] < 0 || s[0] < 0 || m[0] == s[0]) && (m[1] < 0 || s[1] < 0 || m[1] == s[1]);
            if (!ok) {
                throw new IllegalArgumentException("attention_mask must be (batch, seq) = " + Shape.toString(new long[]{s[0], s[1]})
                        + ", got " + Shape.toString(m));
            }
        }
        return List.of(s.clone());
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        outputShapes(List.of(s));
        int batch = Math.toIntExact(s[0]), seq = Math.toIntExact(s[1]);
        Tensor mask = inputs.size() > 1 ? inputs.get(1) : null;
        float[] bias = mask == null ? null : HfKernels.maskBias(mask, batch, seq);
        return List.of(Tensor.ofFloats(apply(HfKernels.floats(t), batch, seq, bias, pool), s));
    }

    /** The layer on (batch, seq, d) rows; {@code x} is not modified. The vector kernel, or the reference. */
    float[] apply(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        return fast != null ? fast.apply(x, batch, seq, keyBias, pool) : reference(x, batch, seq, keyBias, pool);
    }

    /** The reference path of {@link #apply}. */
    private float[] reference(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        int rows = batch * seq;
        float[] h = selfAttention(x, batch, seq, keyBias, pool);
        for (int i = 0; i < h.length; i++) h[i] += x[i];
        Norms.layerNorm(h, 0, h, 0, rows, d, n1g, n1b, eps);
        float[] inner = HfKernels.linear(pool, h, rows, d, w1, b1, ff, act);
        float[] y = HfKernels.linear(pool, inner, rows, ff, w2, b2, d, Activation.NONE);
        for (int i = 0; i < y.length; i++) y[i] += h[i];
        Norms.layerNorm(y, 0, y, 0, rows, d, n2g, n2b, eps);
        return y;
    }

    /** The attention block's output projection of the per-head attention, (rows, d). */
    private float[] selfAttention(float[] x, int batch, int seq, float[] keyBias, ComputePool pool) {
        int rows = batch * seq, hd = d / heads, w3 = 3 * d;
        float[] qkv = HfKernels.linear(pool, x, rows, d, qkvW, qkvB, w3, Activation.NONE);
        float[] ctx = new float[rows * d];
        double scale = 1.0 / Math.sqrt(hd);
        pool.parallelFor(batch * heads, task -> {
            int b = task / heads, h = task % heads;
            int base = b * seq * w3 + h * hd;
            Attention.forward(qkv, base, w3, qkv, base + d, w3, qkv, base + 2 * d, w3,
                    ctx, b * seq * d + h * hd, d, seq, seq, hd, scale, keyBias, b * seq);
        });
        return HfKernels.linear(pool, ctx, rows, d, outW, outB, d, Activation.NONE);
    }
}
