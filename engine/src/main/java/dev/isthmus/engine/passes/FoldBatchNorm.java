package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.BatchNorm;
import dev.isthmus.engine.ir.ops.Conv;
import dev.isthmus.engine.kernels.Activation;

import java.util.ArrayList;

/**
 * An eval-mode BatchNorm with running statistics right after a convolution that nothing else reads is folded into
 * the convolution's weights and bias: w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β.
 */
final class FoldBatchNorm {
    private FoldBatchNorm() {
    }

    static void run(Graph g) {
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!(n.op() instanceof Conv c) || c.activation() != Activation.NONE || c.hasResidual() || c.hasMaxPool2()) continue;
            if (!g.nodes().contains(n)) continue;
            Node r = Patterns.soleReader(g, n.output(0));
            if (r == null || !(r.op() instanceof BatchNorm bn) || !bn.hasRunningStats() || bn.features() != c.outChannels()) continue;
            g.absorb(n, r, c.withBatchNorm(bn.mean(), bn.var(), bn.gamma(), bn.beta(), bn.eps()), n.inputs());
        }
    }
}
