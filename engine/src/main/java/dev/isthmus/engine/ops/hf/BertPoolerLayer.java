package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.vector.PackedMatrix;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * Op {@code BertPooler} (Hugging Face): {@code tanh(dense(hidden_states[:, 0]))}, (batch, seq, hidden) → (batch, hidden).
 * Argument {@code hidden_size}; parameters {@code dense.weight} (hidden, hidden) and {@code dense.bias}. One GEMM over
 * the batch's first tokens, on the weight packed at load with bias and tanh in the epilogue when SIMD is on.
 */
public final class BertPoolerLayer implements Layer {
    final int hidden;
    /** The weight for the reference kernel; null when {@link #packed} is used. */
    final float[] weight;
    final float[] bias;
    /** The weight packed into GEMM panels at load; null when SIMD is off (the reference kernel runs). */
    final PackedMatrix packed;

    public BertPoolerLayer(NodeArgs a, WeightBinder w) {
        hidden = a.requiredInt("hidden_size");
        if (hidden <= 0) throw new IllegalArgumentException("hidden_size must be positive");
        float[] weight = w.require(a.node(), "dense.weight", hidden, hidden);
        bias = w.require(a.node(), "dense.bias", hidden);
        packed = HfKernels.pack(weight, hidden, hidden);
        this.weight = packed == null ? weight : null;
    }

    @Override
    public long heldBytes() {
        return 4L * ((packed != null ? packed.footprint() : weight.length) + bias.length);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3);
        Shapes.dim(s, -1, hidden, "hidden_size (the last dimension)");
        if (s[1] == 0) throw new IllegalArgumentException("needs at least one token, the sequence is empty");
        return List.of(new long[]{s[0], hidden});
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        outputShapes(List.of(s));
        int batch = Math.toIntExact(s[0]), seq = Math.toIntExact(s[1]);
        float[] x = HfKernels.floats(t);
        // row b of the GEMM's left operand is token 0 of sequence b: stride seq·hidden
        float[] y = HfKernels.linear(pool, x, 0, seq * hidden, batch, hidden, weight, packed, bias, hidden, Activation.TANH);
        return List.of(Tensor.ofFloats(y, batch, hidden));
    }
}
