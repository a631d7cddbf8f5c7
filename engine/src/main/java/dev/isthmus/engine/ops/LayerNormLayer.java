package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.NormKernels;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** {@code torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine, bias)} over the trailing dimensions. */
public final class LayerNormLayer implements Layer {
    final long[] normalized;
    final int size;
    final double eps;
    final float[] gamma, beta;

    public LayerNormLayer(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        int[] ns = a.ints("normalized_shape");
        if (ns == null) throw new IllegalArgumentException("missing required argument 'normalized_shape'");
        normalized = new long[ns.length];
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] <= 0) throw new IllegalArgumentException("normalized_shape must be positive");
            normalized[i] = ns[i];
        }
        size = (int) Shape.numel(normalized);
        eps = a.number("eps", 1e-5);
        boolean affine = a.bool("elementwise_affine", true);
        boolean hasBias = a.bool("bias", true);
        a.ignore("device", "dtype");
        gamma = affine ? w.require(n, "weight", normalized) : null;
        beta = affine && hasBias ? w.require(n, "bias", normalized) : null;
    }

    /** A LayerNorm built from a nested argument object (the norms inside Transformer layers). */
    static LayerNormLayer nested(NodeSpec parent, String prefix, Map<String, Object> args, WeightBinder w) {
        NodeSpec n = new NodeSpec(parent.index(), "LayerNorm", parent.param(prefix), List.of(), List.of(), args);
        NodeArgs a = new NodeArgs(n);
        LayerNormLayer l = new LayerNormLayer(a, w);
        if (!a.unknown().isEmpty()) throw new IllegalArgumentException("unknown LayerNorm arguments " + a.unknown());
        return l;
    }

    @Override
    public boolean isPlanned() {
        return Simd.enabled();
    }

    @Override
    public void run(Frame f) {
        NormKernels.layerNorm(f.buf, f.in[0], f.buf, f.out[0], f.inSize(0) / size, size, gamma, beta, eps, f.pool);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        if (s.length < normalized.length) {
            throw new IllegalArgumentException("expects trailing dimensions " + Shape.toString(normalized) + ", got " + Shape.toString(s));
        }
        for (int i = 0; i < normalized.length; i++) {
            long d = s[s.length - normalized.length + i];
            if (d >= 0 && d != normalized[i]) {
                throw new IllegalArgumentException("expects trailing dimensions " + Shape.toString(normalized) + ", got " + Shape.toString(s));
            }
        }
        return List.of(s.clone());
    }

    /** Normalises rows of {@code size} floats, rows split over {@code pool} (may be null). */
    float[] apply(float[] x, int rows, ComputePool pool) {
        float[] y = new float[x.length];
        if (Simd.enabled()) NormKernels.layerNorm(x, 0, y, 0, rows, size, gamma, beta, eps, pool);
        else Norms.layerNorm(x, 0, y, 0, rows, size, gamma, beta, eps);
        return y;
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        return List.of(Tensor.ofFloats(apply(Floats.of(t), (int) (t.numel() / size), pool), t.shape()));
    }
}
