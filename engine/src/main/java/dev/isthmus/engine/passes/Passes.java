package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;

/**
 * The graph rewrites run between lowering and compiling, in order. Each keeps the results of the nodes run one by
 * one (within float rounding, 1e-4 of the output's scale); {@code FusionTest} checks every one against the graph run
 * without them.
 */
public final class Passes {
    private Passes() {
    }

    /** {@code -Disthmus.fusion=false} runs every model as lowered, node by node (to compare against the fused graph). */
    public static final String PROPERTY = "isthmus.fusion";

    /** Runs every pass on {@code g}; with {@code fuse} false (or the property false) only the identities go. */
    public static void optimise(Graph g, boolean fuse) {
        RemoveIdentities.run(g);
        if (!fuse || !Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            DeadNodes.remove(g);
            return;
        }
        ConstantLinear.run(g);
        FoldBatchNorm.run(g);
        FuseGates.run(g);
        FuseAttention.run(g);
        FuseEpilogues.run(g);
        TransposedOperands.run(g);
        DeadNodes.remove(g);
    }
}
