package dev.isthmus.engine.ops;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.Embedding}: integer ids of any shape → that shape + (embedding_dim). */
public final class EmbeddingLayer implements Layer {
    final int count, dim;
    final float[] table;

    public EmbeddingLayer(NodeArgs a, WeightBinder w) {
        count = a.requiredInt("num_embeddings");
        dim = a.requiredInt("embedding_dim");
        a.ignore("padding_idx", "norm_type", "scale_grad_by_freq", "sparse", "_weight", "_freeze", "device", "dtype");
        if (a.has("max_norm")) throw new IllegalArgumentException("max_norm is not supported (it rewrites the weights during the forward pass)");
        table = w.require(a.node(), "weight", count, dim);
    }

    @Override
    public boolean takesIntegerInput() {
        return true;
    }

    @Override
    public boolean isPlanned() {
        return true;
    }

    @Override
    public void run(Frame f) {
        Tensor ids = f.raw[0];
        int n = Math.toIntExact(ids.numel());
        for (int i = 0; i < n; i++) lookup(ids.getLong(i), f.buf, f.out[0] + i * dim);
    }

    @Override
    public long heldBytes() {
        return 4L * table.length;
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        long[] o = java.util.Arrays.copyOf(s, s.length + 1);
        o[s.length] = dim;
        return List.of(o);
    }

    /** Row {@code id} of the table copied into {@code y} at {@code yOff}; ids out of range are an input error. */
    void lookup(long id, float[] y, int yOff) {
        if (id < 0 || id >= count) {
            throw new InvalidInputException("Embedding: id " + id + " is out of range [0, " + count + ")");
        }
        System.arraycopy(table, (int) id * dim, y, yOff, dim);
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor ids = in.get(0);
        if (!ids.dtype().isInteger()) throw new InvalidInputException("Embedding needs integer ids (I32 or I64), got " + ids.dtype());
        int n = Math.toIntExact(ids.numel());
        float[] y = new float[Math.multiplyExact(n, dim)];
        for (int i = 0; i < n; i++) lookup(ids.getLong(i), y, i * dim);
        return List.of(Tensor.ofFloats(y, outputShapes(List.of(ids.shape())).get(0)));
    }
}
