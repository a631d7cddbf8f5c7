package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.NormKernels;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.Softmax(dim)}; dim=None follows PyTorch's legacy rule (0 for rank 0, 1, 3; else 1). */
public final class SoftmaxLayer implements Layer {
    final Integer dim;

    public SoftmaxLayer(NodeArgs a) {
        dim = a.has("dim") ? a.integer("dim", 0) : null;
    }

    int axis(int rank) {
        int d = dim != null ? dim : (rank == 0 || rank == 1 || rank == 3 ? 0 : 1);
        return Shape.dim(d, Math.max(rank, 1));
    }

    @Override
    public boolean isPlanned() {
        return Simd.enabled();
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0];
        if (s.length == 0) {
            f.buf[f.out[0]] = 1f;
            return;
        }
        int ax = axis(s.length);
        int outer = (int) Shape.prod(s, 0, ax), d = (int) s[ax], inner = (int) Shape.prod(s, ax + 1, s.length);
        NormKernels.softmax(f.buf, f.in[0], f.buf, f.out[0], outer, d, inner, f.pool);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        axis(in.get(0).length);
        return List.of(in.get(0).clone());
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        long[] s = t.shape();
        if (s.length == 0) return List.of(Tensor.ofFloats(new float[]{1f}));
        int ax = axis(s.length);
        int outer = (int) Shape.prod(s, 0, ax), d = (int) s[ax], inner = (int) Shape.prod(s, ax + 1, s.length);
        float[] y = new float[(int) t.numel()];
        if (Simd.enabled()) NormKernels.softmax(Floats.of(t), y, outer, d, inner, pool);
        else Norms.softmax(Floats.of(t), y, outer, d, inner);
        return List.of(Tensor.ofFloats(y, s));
    }
}
