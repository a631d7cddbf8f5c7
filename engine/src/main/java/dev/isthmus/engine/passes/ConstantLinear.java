package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ops.GetAttr;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.ir.ops.LinearFunction;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code linear(x, W, b)} whose weight (and bias) are {@code get_attr} constants — a masked-LM decoder tied to the
 * word-embedding table — becomes a {@link Linear} over those very tensors: the kernel reads or packs the table as
 * stored, instead of the plan copying it into its own memory and a product transposing it on every run. The
 * {@code get_attr} nodes go when nothing else reads them.
 */
final class ConstantLinear {
    private ConstantLinear() {
    }

    static void run(Graph g) {
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!(n.op() instanceof LinearFunction)) continue;
            Tensor w = constant(n.input(1));
            Tensor b = n.inputs().size() == 3 ? constant(n.input(2)) : null;
            if (w == null || w.shape().length != 2 || !w.dtype().isFloating()) continue;
            if (n.inputs().size() == 3 && (b == null || b.shape().length != 1 || !b.dtype().isFloating())) continue;
            g.rewrite(n, Linear.of(w, b), List.of(n.input(0)));
        }
    }

    /** The tensor of a {@code get_attr} value, else null. */
    private static Tensor constant(Value v) {
        Node p = v.producer();
        return p != null && p.op() instanceof GetAttr a ? a.constant() : null;
    }
}
