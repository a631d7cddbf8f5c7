package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * {@code scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0, is_causal=False, scale=None)}:
 * softmax(q·kᵀ·scale + mask)·v per batch and head, on the blocked attention kernel (online softmax; never the whole
 * score matrix). Two layouts: PyTorch's (…, L, E) per head; or, with {@code num_heads} (what the fusion of a
 * hand-written attention and the Hugging Face frontends produce), the heads side by side in the last dimension,
 * (B, L, H·E), so no permutes are needed before or after. Values are as wide as queries and keys. The mask must be
 * the same for every head and query — a key padding mask: in PyTorch's layout (B, 1, 1, S), (1, S) or (S), all
 * dimensions 1 but the keys' and the batch's (broadcast as PyTorch does: an (L, S) mask is one per query); with
 * {@code num_heads}, (B, S) or (B, 1, S). A float mask is added to the scores, a BOOL one keeps the keys that are true.
 */
public final class Attention implements Op {
    /** 0: PyTorch's layout; else the number of heads packed in the last dimension. */
    final int heads;
    final boolean causal;
    /** The scale, or NaN for 1/√E. */
    final double scale;
    final boolean mask;

    public Attention(int heads, boolean causal, double scale, boolean mask) {
        this.heads = heads;
        this.causal = causal;
        this.scale = scale;
        this.mask = mask;
    }

    /** 0 in PyTorch's layout, else the number of heads side by side in the last dimension. */
    public int heads() {
        return heads;
    }

    public boolean causal() {
        return causal;
    }

    /** The scale, or NaN for 1/√E. */
    public double scale() {
        return scale;
    }

    public boolean hasMask() {
        return mask;
    }

    /** The same attention reading its operands, and writing its result, with {@code h} heads side by side. */
    public Attention packed(int h) {
        return new Attention(h, causal, scale, mask);
    }

    public static Attention create(OpArgs a) {
        double dropout = a.number("dropout_p", 0.0);
        boolean causal = a.bool("is_causal", false);
        double scale = a.has("scale") ? a.number("scale", 0) : Double.NaN;
        int heads = a.integer("num_heads", 0);
        if (heads < 0) throw new IllegalArgumentException("num_heads must be positive");
        a.ignore("dropout_p");
        if (dropout < 0 || dropout > 1) throw new IllegalArgumentException("dropout_p must be in [0, 1]");
        int n = a.explicitInputs();
        if (n < 3 || n > 4) throw new IllegalArgumentException("takes query, key, value and optionally attn_mask, got " + n + " inputs");
        return new Attention(heads, causal, scale, n == 4);
    }

    @Override
    public String name() {
        return "scaled_dot_product_attention";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, mask ? 4 : 3, mask ? 4 : 3);
        long[] q = ShapeRules.floats(in, 0).dims(), k = ShapeRules.floats(in, 1).dims(), v = ShapeRules.floats(in, 2).dims();
        if (heads > 0) {
            ShapeRules.rank(q, 3);
            ShapeRules.rank(k, 3);
            ShapeRules.rank(v, 3);
            for (long[] s : new long[][]{q, k, v}) {
                if (s[2] >= 0 && s[2] % heads != 0) throw new IllegalArgumentException("the last dimension " + s[2] + " is not divisible by " + heads + " heads");
            }
        } else {
            ShapeRules.minRank(q, 2);
            if (k.length != q.length || v.length != q.length) throw new IllegalArgumentException("query, key and value must have the same rank");
        }
        int r = q.length;
        if (q[r - 1] >= 0 && k[r - 1] >= 0 && q[r - 1] != k[r - 1]) {
            throw new IllegalArgumentException("query " + Shape.toString(q) + " and key " + Shape.toString(k) + " differ in the last dimension");
        }
        if (k[r - 2] >= 0 && v[r - 2] >= 0 && k[r - 2] != v[r - 2]) {
            throw new IllegalArgumentException("key " + Shape.toString(k) + " and value " + Shape.toString(v) + " differ in length");
        }
        if (q[r - 1] >= 0 && v[r - 1] >= 0 && q[r - 1] != v[r - 1]) { // the kernel reads and writes value rows of E
            throw new IllegalArgumentException("value " + Shape.toString(v) + " differs from query " + Shape.toString(q)
                    + " in the last dimension: values as wide as queries and keys are supported, not others");
        }
        for (int i = 0; i < r - 2; i++) {
            if (q[i] >= 0 && k[i] >= 0 && v[i] >= 0 && (q[i] != k[i] || q[i] != v[i])) {
                throw new IllegalArgumentException("query, key and value differ in dimension " + i);
            }
        }
        if (mask) {
            ValueType m = ShapeRules.tensor(in, 3);
            long[] ms = m.dims();
            long b = q[0], s = k[r - 2];
            // with the heads side by side the query is (B, L, H·E) and a key mask (B, S), (B, 1, S) or, as Hugging Face
            // builds it, (B, 1, 1, S)
            boolean keyMask = heads > 0
                    ? (ms.length == 2 && ok(ms[0], b) && ok(ms[1], s)) || (ms.length == 3 && ok(ms[0], b) && isOne(ms[1]) && ok(ms[2], s))
                    || (ms.length == 4 && ok(ms[0], b) && isOne(ms[1]) && isOne(ms[2]) && ok(ms[3], s))
                    : keyMask(ms, r, b, s, false);
            if (!keyMask) {
                throw new IllegalArgumentException("attn_mask " + Shape.toString(ms) + " is not supported: only a key padding mask (the same "
                        + "for every head and query, e.g. (batch, 1, 1, keys)) is");
            }
        }
        long[] o = q.clone();
        o[r - 1] = heads > 0 ? v[2] : v[r - 1];
        return List.of(ValueType.f32(o));
    }

    /**
     * True when a mask of shape {@code ms} is, for sure, the same for every head and query of a rank-{@code r} attention
     * in PyTorch's layout (its query and head dimensions are 1, not merely unknown): what the fusion of a hand-written
     * attention requires.
     */
    public static boolean isKeyMask(long[] ms, int r) {
        return keyMask(ms, r, -1, -1, true);
    }

    /**
     * True when a mask of shape {@code ms}, broadcast against scores (…, L, S) of rank {@code r} as PyTorch does (aligned
     * at the right), is a key padding mask: every dimension 1 but the last (S) and, when the mask has the scores' rank
     * (above 2), the first (the batch). A mask of lower rank is the same for every batch row: (S, S) is one mask per
     * query, not per batch row. Unknown sizes pass unless {@code strict}.
     */
    private static boolean keyMask(long[] ms, int r, long batch, long keys, boolean strict) {
        if (ms.length < 1 || ms.length > r || !ok(ms[ms.length - 1], keys)) return false;
        for (int i = 0; i < ms.length - 1; i++) {
            if (i == 0 && ms.length == r && r > 2) {
                if (!ok(ms[0], batch)) return false;
            } else if (ms[i] != 1 && (strict || ms[i] >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean ok(long d, long want) {
        return d < 0 || want < 0 || d == want || d == 1;
    }

    private static boolean isOne(long d) {
        return d == 1 || d < 0;
    }

    @Override
    public String summary() {
        return (heads > 0 ? heads + " heads side by side" : "") + (causal ? ", causal" : "") + (mask ? ", key mask" : "");
    }

    /** One plan's attention: its geometry, worked out once, and the task each (batch, head) pair runs. */
    private final class Task implements IntConsumer {
        final KernelProvider k;
        final int batch, h, lq, lk, e, ev, qs, ks, vs, os, maskBatch, perMaskBatch;
        final double sc;
        final float[] bias;
        Frame f;

        Task(KernelProvider k, Frame f) {
            this.k = k;
            long[] q = f.inShape[0], kk = f.inShape[1], v = f.inShape[2];
            int r = q.length;
            lq = (int) q[r - 2];
            lk = (int) kk[r - 2];
            if (heads > 0) {
                batch = (int) q[0];
                h = heads;
                e = (int) q[2] / heads;
                ev = (int) v[2] / heads;
                qs = (int) q[2];
                ks = (int) kk[2];
                vs = (int) v[2];
                os = (int) v[2];
            } else {
                batch = (int) Shape.prod(q, 0, r - 2);
                h = 1;
                e = (int) q[r - 1];
                ev = (int) v[r - 1];
                qs = e;
                ks = e;
                vs = ev;
                os = ev;
            }
            sc = Double.isNaN(scale) ? 1.0 / Math.sqrt(e) : scale;
            int mbatch = 1;
            if (mask) {
                long[] ms = f.inShape[3];
                mbatch = ms.length >= 2 && ms[0] > 1 ? (int) ms[0] : 1;
            }
            maskBatch = mbatch;
            // in PyTorch's layout the leading dims are batch × heads flattened: the mask's batch is the first of them
            perMaskBatch = heads > 0 ? 1 : Math.max(1, batch / maskBatch);
            bias = mask ? new float[maskBatch * lk] : null;
        }

        /** The mask as an additive bias per (mask batch, key). */
        void readMask(Frame f) {
            long[] ms = f.inShape[3];
            int keys = (int) ms[ms.length - 1], m = f.in[3];
            boolean floats = f.inType[3] == DType.F32;
            for (int b = 0; b < maskBatch; b++) {
                for (int j = 0; j < lk; j++) {
                    int at = m + b * keys + (keys == 1 ? 0 : j);
                    bias[b * lk + j] = floats ? f.buf[at] : (f.ints[at] != 0 ? 0f : Float.NEGATIVE_INFINITY);
                }
            }
        }

        @Override
        public void accept(int t) {
            int b = t / h, hh = t % h;
            int mb = heads > 0 ? Math.min(b, maskBatch - 1) : Math.min(b / perMaskBatch, maskBatch - 1);
            int qo, ko, vo, oo;
            if (heads > 0) {
                qo = f.in[0] + b * lq * qs + hh * e;
                ko = f.in[1] + b * lk * ks + hh * e;
                vo = f.in[2] + b * lk * vs + hh * ev;
                oo = f.out[0] + b * lq * os + hh * ev;
            } else {
                qo = f.in[0] + b * lq * e;
                ko = f.in[1] + b * lk * e;
                vo = f.in[2] + b * lk * ev;
                oo = f.out[0] + b * lq * ev;
            }
            k.attention(f.buf, qo, qs, f.buf, ko, ks, f.buf, vo, vs, f.buf, oo, os, lq, lk, e, sc, bias, bias == null ? 0 : mb * lk, causal);
        }
    }

    @Override
    public Executable compile(KernelProvider k) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                Task t = new Task(k, f);
                t.f = f;
                f.state = t;
            }

            @Override
            public void run(Frame f) {
                Task t = (Task) f.state;
                if (mask) t.readMask(f);
                f.pool.parallelFor(t.batch * t.h, t);
            }
        };
    }
}
