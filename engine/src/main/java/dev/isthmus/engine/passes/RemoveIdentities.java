package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.Reshape;

import java.util.ArrayList;

/** Drops the identities of inference ({@code Dropout}, {@code Identity}, {@code contiguous}, ...): their readers read the input. */
final class RemoveIdentities {
    private RemoveIdentities() {
    }

    static void run(Graph g) {
        for (Node n : new ArrayList<>(g.nodes())) {
            if (n.op() instanceof Reshape r && r.isIdentity() && n.outputs().size() == 1) {
                if (g.isOutput(n.output(0)) && g.inputs().contains(n.input(0))) continue; // a model that returns its input
                g.replaceUses(n.output(0), n.input(0));
                g.remove(n);
            }
        }
    }
}
