package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * Op {@code SelectToken}: {@code x[:, index]} of (batch, seq, features) → (batch, features), e.g. the [CLS] token
 * that DistilBERT's classifier reads. Argument {@code index} (default 0; negative counts from the end).
 */
public final class SelectTokenLayer implements Layer {
    final int index;

    public SelectTokenLayer(NodeArgs a) {
        index = a.integer("index", 0);
    }

    /** As an op factory (the layer has no weights). */
    public SelectTokenLayer(NodeArgs a, WeightBinder ignored) {
        this(a);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3);
        if (s[1] >= 0 && (index >= s[1] || index < -s[1])) {
            throw new IllegalArgumentException("token index " + index + " is out of range for a sequence of " + s[1]);
        }
        return List.of(new long[]{s[0], s[2]});
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        outputShapes(List.of(s));
        int batch = Math.toIntExact(s[0]), seq = Math.toIntExact(s[1]), f = Math.toIntExact(s[2]);
        int i = index < 0 ? seq + index : index;
        float[] x = HfKernels.floats(t);
        float[] y = new float[batch * f];
        for (int b = 0; b < batch; b++) System.arraycopy(x, (b * seq + i) * f, y, b * f, f);
        return List.of(Tensor.ofFloats(y, batch, f));
    }
}
