package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.nn.TransformerEncoderLayer} (one layer) and {@code torch.nn.TransformerEncoder(encoder_layer,
 * num_layers, norm)} (layers under {@code name.layers.i}, the optional final LayerNorm under {@code name.norm}):
 * multi-head self-attention and a feed-forward block, post-LN or pre-LN ({@code norm_first}). Input (batch, seq,
 * d_model) with batch_first, else (seq, batch, d_model), or unbatched (seq, d_model). An optional second input is
 * {@code src_key_padding_mask} (batch, seq): BOOL or integer (non-zero = padding, excluded) or float (added to the
 * scores).
 */
public final class TransformerEncoder implements Op {
    /** One layer's arguments and parameters. */
    record Layer(int d, int heads, int ff, boolean batchFirst, boolean normFirst, double eps, Activation act, Tensor inW, Tensor inB,
                 Tensor outW, Tensor outB, Tensor w1, Tensor b1, Tensor w2, Tensor b2, Tensor n1g, Tensor n1b, Tensor n2g, Tensor n2b) {
        Tensor[] params() {
            return new Tensor[]{inW, inB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b};
        }
    }

    final String name;
    final List<Layer> layers;
    final LayerNorm norm;

    private TransformerEncoder(String name, List<Layer> layers, LayerNorm norm) {
        this.name = name;
        this.layers = layers;
        this.norm = norm;
    }

    /** {@code TransformerEncoderLayer}. */
    public static TransformerEncoder layer(OpArgs a, Weights w) {
        return new TransformerEncoder("TransformerEncoderLayer", List.of(readLayer(a, w)), null);
    }

    /** {@code TransformerEncoder}. */
    public static TransformerEncoder stack(OpArgs a, Weights w) {
        int count = a.requiredInt("num_layers");
        Map<String, Object> layerArgs = a.object("encoder_layer");
        if (layerArgs == null) throw new IllegalArgumentException("missing required argument 'encoder_layer' (the TransformerEncoderLayer arguments)");
        Map<String, Object> normArgs = a.object("norm");
        a.ignore("enable_nested_tensor", "mask_check");
        if (count <= 0) throw new IllegalArgumentException("num_layers must be positive");
        // a layer has at least its four projection weights (attention in and out, the two linear layers)
        w.requireRoomFor(a, "num_layers", count, 4);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            OpArgs la = a.nested("layers." + i, layerArgs);
            layers.add(readLayer(la, w));
            if (i == 0 && !la.unknown().isEmpty()) throw new IllegalArgumentException("unknown encoder_layer arguments " + la.unknown());
        }
        LayerNorm norm = normArgs == null ? null : LayerNorm.nested(a, "norm", normArgs, w);
        if (norm != null && norm.size() != layers.get(0).d()) throw new IllegalArgumentException("norm.normalized_shape must be [d_model]");
        return new TransformerEncoder("TransformerEncoder", layers, norm);
    }

    private static Layer readLayer(OpArgs a, Weights w) {
        int d = a.requiredInt("d_model");
        int heads = a.requiredInt("nhead");
        int ff = a.integer("dim_feedforward", 2048);
        double eps = a.number("layer_norm_eps", 1e-5);
        boolean batchFirst = a.bool("batch_first", false);
        boolean normFirst = a.bool("norm_first", false);
        boolean bias = a.bool("bias", true);
        String actName = a.choice("activation", "relu", "relu", "gelu");
        a.ignore("dropout", "device", "dtype");
        if (d <= 0 || heads <= 0 || ff <= 0) throw new IllegalArgumentException("d_model, nhead and dim_feedforward must be positive");
        if (d % heads != 0) throw new IllegalArgumentException("d_model = " + d + " is not divisible by nhead = " + heads);
        return new Layer(d, heads, ff, batchFirst, normFirst, eps, actName.equals("gelu") ? Activation.GELU : Activation.RELU,
                w.require(a, "self_attn.in_proj_weight", 3L * d, d), bias ? w.require(a, "self_attn.in_proj_bias", 3L * d) : null,
                w.require(a, "self_attn.out_proj.weight", d, d), bias ? w.require(a, "self_attn.out_proj.bias", d) : null,
                w.require(a, "linear1.weight", ff, d), bias ? w.require(a, "linear1.bias", ff) : null,
                w.require(a, "linear2.weight", d, ff), bias ? w.require(a, "linear2.bias", d) : null,
                w.require(a, "norm1.weight", d), bias ? w.require(a, "norm1.bias", d) : null,
                w.require(a, "norm2.weight", d), bias ? w.require(a, "norm2.bias", d) : null);
    }

    /**
     * A post-LN layer over given parameters (frontends such as Hugging Face's BERT, whose layers are this one): the
     * in-projection is Q | K | V stacked.
     */
    public static TransformerEncoder postLn(int d, int heads, int ff, double eps, Activation act, Tensor inW, Tensor inB, Tensor outW,
                                            Tensor outB, Tensor w1, Tensor b1, Tensor w2, Tensor b2, Tensor n1g, Tensor n1b, Tensor n2g,
                                            Tensor n2b) {
        if (d % heads != 0) throw new IllegalArgumentException("hidden size " + d + " is not divisible by the " + heads + " attention heads");
        return new TransformerEncoder("TransformerEncoderLayer", List.of(new Layer(d, heads, ff, true, false, eps, act, inW, inB, outW,
                outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b)), null);
    }

    @Override
    public String name() {
        return name;
    }

    private Layer first() {
        return layers.get(0);
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 2);
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.rank(s, 2, 3);
        Layer l = first();
        ShapeRules.dim(s, -1, l.d(), "d_model (the last dimension)");
        if (in.size() > 1) {
            long[] m = ShapeRules.tensor(in, 1).dims();
            long batch = s.length == 2 ? 1 : (l.batchFirst() ? s[0] : s[1]);
            long seq = s.length == 2 ? s[0] : (l.batchFirst() ? s[1] : s[0]);
            boolean ok = (m.length == 2 && (m[0] < 0 || batch < 0 || m[0] == batch) && (m[1] < 0 || seq < 0 || m[1] == seq))
                    || (s.length == 2 && m.length == 1 && (m[0] < 0 || seq < 0 || m[0] == seq));
            if (!ok) throw new IllegalArgumentException("src_key_padding_mask must be (batch, seq) = " + Shape.toString(new long[]{batch, seq})
                    + ", got " + Shape.toString(m));
        }
        return List.of(ValueType.f32(s));
    }

    @Override
    public long paramBytes() {
        long b = norm == null ? 0 : norm.paramBytes();
        for (Layer l : layers) b += Params.bytes(l.params());
        return b;
    }

    @Override
    public String summary() {
        Layer l = first();
        return (layers.size() > 1 ? layers.size() + " layers, " : "") + "d_model " + l.d() + ", " + l.heads() + " heads, ff " + l.ff()
                + (l.normFirst() ? ", norm_first" : "");
    }

    /** Batch, sequence and layout of an input shape. */
    private record Geometry(int batch, int seq, boolean seqFirst) {
        static Geometry of(long[] s, boolean batchFirst) {
            if (s.length == 2) return new Geometry(1, (int) s[0], false);
            return batchFirst ? new Geometry((int) s[0], (int) s[1], false) : new Geometry((int) s[1], (int) s[0], true);
        }
    }

    /** True when every layer's four projection weights are int8 with scales ({@link Tensor#isQuantized()}). */
    public boolean quantizedInt8() {
        for (Layer l : layers) {
            for (Tensor w : new Tensor[]{l.inW(), l.outW(), l.w1(), l.w2()}) if (!w.isQuantized()) return false;
        }
        return true;
    }

    /** True when some layer has an int8 or bf16 projection weight. */
    private boolean anyNarrow() {
        for (Layer l : layers) {
            for (Tensor w : new Tensor[]{l.inW(), l.outW(), l.w1(), l.w2()}) if (NarrowMatrix.holds(w)) return true;
        }
        return false;
    }

    @Override
    public Executable compile(KernelProvider k) {
        return compile(k, null);
    }

    /**
     * The stack with its projections made by {@code products} (the attention, the LayerNorms and the rest on
     * {@code k}), or all on {@code k} when {@code products} is null.
     */
    public Executable compile(KernelProvider k, Products products) {
        if (products == null && anyNarrow()) {
            // int8 or bf16 projections stay narrow on k's weight-only kernels (never widened to a float copy at load)
            products = (name, w, bias, act) -> Linear.kernel(k, w, bias, (int) w.shape()[0], (int) w.shape()[1], act);
        }
        List<EncoderLayerKernel> ks = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (products == null) {
                // the matrices go as tensors: a provider that packs them reads them in place, with no float copy
                ks.add(k.encoderLayer(l.d(), l.heads(), l.ff(), l.normFirst(), l.eps(), l.act(), l.inW(), Params.floats(l.inB()),
                        l.outW(), Params.floats(l.outB()), l.w1(), Params.floats(l.b1()), l.w2(),
                        Params.floats(l.b2()), Params.floats(l.n1g()), Params.floats(l.n1b()), Params.floats(l.n2g()), Params.floats(l.n2b())));
            } else {
                String p = layers.size() > 1 ? "layers." + i + "." : "";
                ks.add(k.encoderLayer(l.d(), l.heads(), l.ff(), l.normFirst(), l.eps(),
                        products.linear(p + "self_attn.in_proj", l.inW(), Params.floats(l.inB()), Activation.NONE),
                        products.linear(p + "self_attn.out_proj", l.outW(), Params.floats(l.outB()), Activation.NONE),
                        products.linear(p + "linear1", l.w1(), Params.floats(l.b1()), l.act()),
                        products.linear(p + "linear2", l.w2(), Params.floats(l.b2()), Activation.NONE),
                        Params.floats(l.n1g()), Params.floats(l.n1b()), Params.floats(l.n2g()), Params.floats(l.n2b())));
            }
        }
        float[] ng = norm == null ? null : norm.gamma(), nb = norm == null ? null : norm.beta();
        int d = first().d();
        boolean batchFirst = first().batchFirst();
        return new Executable() {
            @Override
            public long scratchFloats(long[][] in, long[][] out) {
                Geometry g = Geometry.of(in[0], batchFirst);
                return 2L * g.batch() * g.seq() * d + (long) g.batch() * g.seq();
            }

            @Override
            public void run(Frame f) {
                Geometry g = Geometry.of(f.inShape[0], batchFirst);
                int rows = g.batch() * g.seq();
                float[] b = f.buf;
                int p = f.scratch, q = p + rows * d, kb = q + rows * d;
                boolean hasMask = f.inputs() > 1;
                if (hasMask) {
                    if (f.inType[1] == DType.F32) System.arraycopy(b, f.in[1], b, kb, rows); // a float mask is added as it is
                    else for (int r = 0; r < rows; r++) b[kb + r] = f.ints[f.in[1] + r] != 0 ? Float.NEGATIVE_INFINITY : 0f;
                }
                boolean swap = g.seqFirst() && g.batch() > 1 && g.seq() > 1;
                int cur = f.in[0];
                if (swap) {
                    Recurrent.swapOuter(b, cur, b, p, g.seq(), g.batch(), d);
                    cur = p;
                }
                for (EncoderLayerKernel l : ks) {
                    int dst = cur == p ? q : p;
                    l.apply(b, cur, b, dst, g.batch(), g.seq(), hasMask ? b : null, hasMask ? kb : 0, f.pool);
                    cur = dst;
                }
                if (norm != null) {
                    int dst = cur == p ? q : p;
                    k.layerNorm(b, cur, b, dst, rows, d, ng, nb, norm.eps(), f.pool);
                    cur = dst;
                }
                if (swap) Recurrent.swapOuter(b, cur, b, f.out[0], g.batch(), g.seq(), d);
                else System.arraycopy(b, cur, b, f.out[0], rows * d);
            }

            @Override
            public long heldBytes() {
                long s = 0;
                for (EncoderLayerKernel e : ks) s += e.heldBytes();
                return s;
            }
        };
    }
}
