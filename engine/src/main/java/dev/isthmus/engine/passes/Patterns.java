package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;

import java.util.List;

/** Small queries the fusion passes share. */
final class Patterns {
    private Patterns() {
    }

    /** The only node reading {@code v}, when it is read once by one node and is not a model result; else null. */
    static Node soleReader(Graph g, Value v) {
        if (!g.hasSingleUse(v)) return null;
        List<Node> r = g.readers(v);
        return r.size() == 1 ? r.get(0) : null;
    }

    /** True when both values have types and the same tensor shape (free dimensions in the same places). */
    static boolean sameShape(Value a, Value b) {
        return a.type() != null && b.type() != null && a.type().isTensor() && b.type().isTensor()
                && java.util.Arrays.equals(a.type().dims(), b.type().dims()) && a.type().dtype() == b.type().dtype();
    }
}
