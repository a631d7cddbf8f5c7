package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ops.ActivationOp;
import dev.isthmus.engine.ir.ops.BinaryOp;
import dev.isthmus.engine.ir.ops.Conv;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.ir.ops.Pool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;

import java.util.ArrayList;
import java.util.List;

/**
 * Work folded into the kernel that produces a value, so that it is done while the value is in registers or cache:
 * <ul>
 *   <li>a residual {@code add} into the convolution or Linear producing one operand (ResNet's
 *       {@code relu(bn(conv(x)) + identity)} becomes one convolution);</li>
 *   <li>an activation into the convolution, Linear or elementwise op before it;</li>
 *   <li>a {@code MaxPool2d(2)} into the 2-D convolution before it (after nothing or a ReLU, which commutes with max;
 *       an activation after the pooling is then applied to the pooled values).</li>
 * </ul>
 */
final class FuseEpilogues {
    private FuseEpilogues() {
    }

    static void run(Graph g) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Node n : new ArrayList<>(g.nodes())) {
                if (!g.nodes().contains(n) || n.outputs().size() != 1) continue;
                Node r = Patterns.soleReader(g, n.output(0));
                if (r == null) continue;
                if (fuse(g, n, r)) changed = true;
            }
        }
    }

    private static boolean fuse(Graph g, Node n, Node r) {
        if (n.op() instanceof Conv c) {
            if (r.op() instanceof ActivationOp a && c.activation() == Activation.NONE) { // after a fused pooling: on the pooled values
                g.absorb(n, r, c.withActivation(a.activation()), n.inputs());
                return true;
            }
            if (r.op() instanceof Pool p && p.isMaxPool2() && !c.hasMaxPool2() && !c.hasResidual() && c.dims() == 2
                    && (c.activation() == Activation.NONE || c.activation() == Activation.RELU)) {
                g.absorb(n, r, c.withMaxPool2(), n.inputs());
                return true;
            }
            Value other = residual(n, r);
            if (other != null && !c.hasResidual() && !c.hasMaxPool2() && c.activation() == Activation.NONE) {
                List<Value> in = new ArrayList<>(n.inputs());
                in.add(other);
                g.absorb(n, r, c.withResidual(), in);
                return true;
            }
            return false;
        }
        if (n.op() instanceof Linear l) {
            if (r.op() instanceof ActivationOp a && l.activation() == Activation.NONE) {
                g.absorb(n, r, l.withActivation(a.activation()), n.inputs());
                return true;
            }
            Value other = residual(n, r);
            if (other != null && !l.hasResidual() && l.activation() == Activation.NONE) {
                List<Value> in = new ArrayList<>(n.inputs());
                in.add(other);
                g.absorb(n, r, l.withResidual(), in);
                return true;
            }
            return false;
        }
        if (n.op() instanceof BinaryOp b && r.op() instanceof ActivationOp a && b.activation() == Activation.NONE
                && n.output(0).type() != null && n.output(0).type().dtype() == dev.isthmus.engine.tensor.DType.F32) {
            g.absorb(n, r, b.withActivation(a.activation()), n.inputs());
            return true;
        }
        return false;
    }

    /** When {@code r} is {@code add(v, other)} or {@code add(other, v)} of n's result v and a tensor of v's shape: other. */
    private static Value residual(Node n, Node r) {
        if (!(r.op() instanceof BinaryOp b) || b.binary() != Binary.ADD || !b.twoInputs() || b.activation() != Activation.NONE) return null;
        Value v = n.output(0);
        if (r.inputs().size() != 2) return null;
        Value other = r.input(0) == v ? r.input(1) : r.input(1) == v ? r.input(0) : null;
        if (other == null || other == v || !Patterns.sameShape(v, other) || !Patterns.sameShape(v, r.output(0))) return null;
        return other;
    }
}
