package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ops.MatMul;
import dev.isthmus.engine.ir.ops.Permute;

import java.util.ArrayList;
import java.util.List;

/** {@code a @ b.transpose(-2, -1)}: the product reads b as stored ({@code transB}) instead of a transposed copy. */
final class TransposedOperands {
    private TransposedOperands() {
    }

    static void run(Graph g) {
        for (Node m : new ArrayList<>(g.nodes())) {
            if (!(m.op() instanceof MatMul mm) || mm.transB()) continue;
            Value b = m.input(1);
            Node t = b.producer();
            if (t == null || !(t.op() instanceof Permute p) || b.type() == null || Patterns.soleReader(g, b) != m) continue;
            int rank = b.type().rank();
            if (!p.swapsLastTwo(rank) || rank < 2 || m.input(0).type() == null || m.input(0).type().rank() < 2) continue;
            g.rewrite(m, mm.withTransB(), List.of(m.input(0), t.input(0)));
        }
    }
}
