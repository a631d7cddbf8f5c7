package dev.isthmus.engine.passes;

import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ops.ActivationOp;
import dev.isthmus.engine.ir.ops.BinaryOp;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;

import java.util.ArrayList;
import java.util.List;

/**
 * Gates a value applies to itself become one activation: {@code x * sigmoid(x)} is SiLU, {@code x * hardsigmoid(x)} is
 * Hardswish. (A gate computed from another value, such as squeeze-and-excitation's {@code x * sigmoid(fc(...))},
 * keeps its multiply; its sigmoid goes into the epilogue of the convolution or Linear computing the gate.)
 */
final class FuseGates {
    private FuseGates() {
    }

    static void run(Graph g) {
        for (Node m : new ArrayList<>(g.nodes())) {
            if (!g.nodes().contains(m) || !(m.op() instanceof BinaryOp b) || b.binary() != Binary.MUL || !b.twoInputs()
                    || b.activation() != Activation.NONE) continue;
            for (int i = 0; i < 2; i++) {
                Value gate = m.input(i), x = m.input(1 - i);
                Node a = gate.producer();
                if (a == null || !(a.op() instanceof ActivationOp act) || a.input(0) != x || Patterns.soleReader(g, gate) != m) continue;
                Activation fused = switch (act.activation()) {
                    case SIGMOID -> Activation.SILU;
                    case HARDSIGMOID -> Activation.HARDSWISH;
                    default -> null;
                };
                if (fused == null) continue;
                g.rewrite(m, new ActivationOp(fused == Activation.SILU ? "silu" : "hardswish", fused), List.of(x));
                break;
            }
        }
    }
}
