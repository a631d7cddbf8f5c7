package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * Op {@code BertPooler} (Hugging Face): {@code tanh(dense(hidden_states[:, 0]))}, (batch, seq, hidden) → (batch, hidden).
 * Argument {@code hidden_size}; parameters {@code dense.weight} (hidden, hidden) and {@code dense.bias}.
 */
public final class BertPoolerLayer implements Layer {
    final int hidden;
    final float[] weight, bias;

    public BertPoolerLayer(NodeArgs a, WeightBinder w) {
        hidden = a.requiredInt("hidden_size");
        if (hidden <= 0) throw new IllegalArgumentException("hidden_size must be positive");
        weight = w.require(a.node(), "dense.weight", hidden, hidden);
        bias = w.require(a.node(), "dense.bias", hidden);
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
        float[] y = new float[batch * hidden];
        for (int b = 0; b < batch; b++) {
            Gemm.matmulTransB(x, b * seq * hidden, weight, 0, bias, 0, y, b * hidden, 1, hidden, hidden, Activation.TANH);
        }
        return List.of(Tensor.ofFloats(y, batch, hidden));
    }
}
