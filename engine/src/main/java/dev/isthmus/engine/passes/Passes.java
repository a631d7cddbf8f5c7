package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;

/**
 * The graph rewrites run between lowering and compiling, in order. Each keeps the results of the nodes run one by
 * one (within float rounding, 1e-4 of the output's scale).
 */
public final class Passes {
    private Passes() {
    }

    /** Runs every pass on {@code g}. */
    public static void optimise(Graph g) {
        DeadNodes.remove(g);
    }
}
