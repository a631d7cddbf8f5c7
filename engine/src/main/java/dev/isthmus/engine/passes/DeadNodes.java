package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;

import java.util.List;

/** Removes nodes none of whose results is read (by a node or as a model result). */
final class DeadNodes {
    private DeadNodes() {
    }

    static void remove(Graph g) {
        boolean changed = true;
        while (changed) {
            changed = false;
            List<Node> nodes = g.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                boolean used = false;
                for (Value v : n.outputs()) {
                    if (g.isOutput(v) || !g.readers(v).isEmpty()) {
                        used = true;
                        break;
                    }
                }
                if (!used) {
                    g.remove(n);
                    changed = true;
                    break;
                }
            }
        }
    }
}
