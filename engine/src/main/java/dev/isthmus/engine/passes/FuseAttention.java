package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.ops.Attention;
import dev.isthmus.engine.ir.ops.BinaryOp;
import dev.isthmus.engine.ir.ops.MatMul;
import dev.isthmus.engine.ir.ops.Permute;
import dev.isthmus.engine.ir.ops.Reshape;
import dev.isthmus.engine.ir.ops.Softmax;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;

import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written attention, {@code softmax(q @ k.transpose(-2, -1) · s [+ mask], dim=-1) @ v}, becomes one
 * {@code scaled_dot_product_attention} on the blocked attention kernel (online softmax, no score matrix in memory).
 * The scale may be a {@code mul} or {@code div} by a constant; the mask must be one the attention kernel takes (the
 * same for every head and query: a key padding mask); otherwise the nodes stay as they are.
 */
final class FuseAttention {
    private FuseAttention() {
    }

    static void run(Graph g) {
        for (Node o : new ArrayList<>(g.nodes())) {
            if (!g.nodes().contains(o) || !(o.op() instanceof MatMul pv) || pv.transB()) continue;
            Value p = o.input(0), v = o.input(1);
            Node sm = single(g, p, o);
            if (sm == null || !(sm.op() instanceof Softmax soft) || soft.isLog() || p.type() == null) continue;
            if (soft.axisFor(p.type().rank()) != p.type().rank() - 1) continue;
            Value s = sm.input(0);
            Node cur = single(g, s, sm);
            Value mask = null;
            if (cur != null && cur.op() instanceof BinaryOp add && add.binary() == Binary.ADD && add.twoInputs()
                    && add.activation() == Activation.NONE) {
                Value a = cur.input(0), b = cur.input(1);
                Node pa = a.producer(), pb = b.producer();
                boolean aScores = pa != null && isScoresSide(pa);
                boolean bScores = pb != null && isScoresSide(pb);
                if (aScores == bScores) continue;
                mask = aScores ? b : a;
                Value scores = aScores ? a : b;
                cur = single(g, scores, cur);
            }
            double scale = 1.0;
            if (cur != null && cur.op() instanceof BinaryOp mul && isScale(mul)) {
                scale = mul.binary() == Binary.MUL ? mul.constantOperand() : 1.0 / mul.constantOperand();
                cur = single(g, cur.input(0), cur);
            }
            if (cur == null || !(cur.op() instanceof MatMul qk)) continue;
            Value q = cur.input(0), k = cur.input(1);
            if (!qk.transB()) {
                Node t = single(g, k, cur);
                if (t == null || !(t.op() instanceof Permute perm) || k.type() == null || !perm.swapsLastTwo(k.type().rank())) continue;
                k = t.input(0);
            }
            if (mask != null && (mask.type() == null || q.type() == null || !Attention.isKeyMask(mask.type().dims(), q.type().rank()))) continue;
            if (!sameBatch(q, k, v)) continue; // keys or values broadcast over the batch by the matmuls
            long width = q.type().dims()[q.type().rank() - 1];
            if (width < 0 || v.type().dims()[v.type().rank() - 1] != width) continue; // the kernel takes values as wide as queries only
            List<Value> in = new ArrayList<>(List.of(q, k, v));
            if (mask != null) in.add(mask);
            Attention att = new Attention(0, false, scale, mask != null);
            try {
                List<ValueType> types = new ArrayList<>();
                for (Value x : in) {
                    if (x.type() == null) throw new IllegalArgumentException("unknown type");
                    types.add(x.type());
                }
                List<ValueType> out = att.infer(types);
                if (!java.util.Arrays.equals(out.get(0).dims(), o.output(0).type().dims())) continue;
            } catch (IllegalArgumentException e) {
                continue; // a mask or layout the attention kernel does not take: leave the nodes
            }
            g.rewrite(o, att, in);
        }
        DeadNodes.remove(g); // the products and softmax the attentions replaced: their operands then have one reader
        for (Node a : new ArrayList<>(g.nodes())) {
            if (g.nodes().contains(a) && a.op() instanceof Attention att && att.heads() == 0) packHeads(g, a, att);
        }
    }

    /**
     * The heads of a hand-written attention are usually split off with {@code x.view(b, s, h, e).transpose(1, 2)} and
     * merged back with {@code .transpose(1, 2).reshape(b, s, h·e)}: copies the attention kernel does not need, as it
     * reads and writes the heads side by side. When q, k and v each come from such a split of a (b, s, h·e) tensor
     * and the result is permuted back and viewed, the attention reads the (b, s, h·e) tensors and the view reads its
     * result.
     */
    private static void packHeads(Graph g, Node a, Attention att) {
        List<Value> packed = new ArrayList<>();
        int heads = -1;
        for (int i = 0; i < 3; i++) {
            Value x = a.input(i);
            Node perm = single(g, x, a);
            if (perm == null || !(perm.op() instanceof Permute p) || !swapsHeads(p, x)) return;
            Value split = perm.input(0);
            Node view = single(g, split, perm);
            if (view == null || !(view.op() instanceof Reshape) || !view.op().isView() || split.type() == null) return;
            Value flat = view.input(0);
            long[] s = split.type().dims(), f = flat.type() == null ? null : flat.type().dims();
            if (s.length != 4 || f == null || f.length != 3 || s[2] <= 0 || s[3] <= 0 || f[2] != s[2] * s[3]) return;
            if (!sameOrFree(f[0], s[0]) || !sameOrFree(f[1], s[1])) return;
            if (heads >= 0 && heads != s[2]) return;
            heads = (int) s[2];
            packed.add(flat);
        }
        Value out = a.output(0);
        Node perm = Patterns.soleReader(g, out);
        if (perm == null || !(perm.op() instanceof Permute p) || !swapsHeads(p, out)) return;
        Node merge = Patterns.soleReader(g, perm.output(0));
        if (merge == null || !(merge.op() instanceof Reshape) || !merge.op().isView() || merge.output(0).type() == null) return;
        long[] o = out.type() == null ? null : out.type().dims();
        if (o == null || o.length != 4 || o[3] <= 0) return;
        // (b, s, h, e) after the permute is, element for element, the (b, s, h·e) the attention writes with the heads side
        // by side: whatever shape the merging view asks for, it gets the same elements in the same order
        if (a.inputs().size() > 3) packed.add(a.input(3));
        long[] q = packed.get(0).type().dims();
        ValueType type = ValueType.f32(q[0], q[1], heads * o[3]);
        Node att2 = g.insertBefore(merge, att.packed(heads), a.label(), packed, out.name() + ".heads_side_by_side", type);
        List<Value> in = new ArrayList<>(merge.inputs());
        in.set(0, att2.output(0)); // the merge's size values stay; it now views the attention's (b, s, h·e) result
        g.rewrite(merge, merge.op(), in);
    }

    /** True for a permute of a rank-4 value that swaps dimensions 1 and 2 ((b, s, h, e) ↔ (b, h, s, e)). */
    private static boolean swapsHeads(Permute p, Value v) {
        if (v.type() == null || v.type().rank() != 4) return false;
        int[] o = p.order(4);
        return o[0] == 0 && o[1] == 2 && o[2] == 1 && o[3] == 3;
    }

    private static boolean sameOrFree(long a, long b) {
        return a == b || a < 0 || b < 0;
    }

    /**
     * True when q, k and v have the same rank and the same leading (batch and head) dimensions as declared, free ones in
     * the same places: the attention kernel does not broadcast them as the matmuls do, and a free dimension that
     * merely may match (the batch of q against a key buffer's 1) must not be fused.
     */
    private static boolean sameBatch(Value q, Value k, Value v) {
        if (q.type() == null || k.type() == null || v.type() == null) return false;
        long[] a = q.type().dims(), b = k.type().dims(), c = v.type().dims();
        if (a.length != b.length || a.length != c.length || a.length < 2) return false;
        for (int i = 0; i < a.length - 2; i++) if (a[i] != b[i] || a[i] != c[i]) return false;
        return true;
    }

    /** The producer of {@code v} when {@code v} is read only by {@code reader}; else null. */
    private static Node single(Graph g, Value v, Node reader) {
        Node p = v.producer();
        return p != null && Patterns.soleReader(g, v) == reader ? p : null;
    }

    /** True when a node is the scores' side of the mask add: the product q·kᵀ or its scaling. */
    private static boolean isScoresSide(Node n) {
        if (n.op() instanceof MatMul) return true;
        return n.op() instanceof BinaryOp b && isScale(b) && n.input(0).producer() != null && n.input(0).producer().op() instanceof MatMul;
    }

    /** x · c or x / c with a constant c (not c / x, {@code rdiv}, which is no scale). */
    private static boolean isScale(BinaryOp b) {
        return !b.twoInputs() && !b.reversed() && b.activation() == Activation.NONE && (b.binary() == Binary.MUL || b.binary() == Binary.DIV)
                && !Double.isNaN(b.constantOperand());
    }
}
