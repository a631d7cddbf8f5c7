package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.vector.Epilogue;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.kernels.vector.PackedMatrix;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.Linear} on the last dimension of an input of any rank ≥ 1: y = x·Wᵀ + b. */
public final class LinearLayer implements Layer, dev.isthmus.engine.graph.Fusable {
    final int in, out;
    float[] weight;
    final float[] bias;
    /** Wᵀ packed into GEMM panels once at load; null when SIMD is off (the reference kernel runs). */
    final PackedMatrix packed;
    /** An activation fused into the product's epilogue at load (see {@link #fuse}). */
    Activation act = Activation.NONE;
    private Epilogue epilogue;

    public LinearLayer(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        in = a.requiredInt("in_features");
        out = a.requiredInt("out_features");
        boolean hasBias = a.bool("bias", true);
        a.ignore("device", "dtype");
        if (in < 0 || out < 0) throw new IllegalArgumentException("in_features and out_features must be non-negative");
        weight = w.require(n, "weight", out, in);
        bias = hasBias ? w.require(n, "bias", out) : null;
        packed = Simd.enabled() ? PackedMatrix.forB(weight, out, in) : null;
        epilogue = Epilogue.of(bias, act);
    }

    /** Takes over an activation that follows this layer into the product's epilogue. */
    @Override
    public boolean fuse(Layer next) {
        if (!(next instanceof ActivationLayer a) || act != Activation.NONE || a.act == Activation.NONE) return false;
        act = a.act;
        epilogue = Epilogue.of(bias, act);
        return true;
    }

    @Override
    public void trim() {
        if (packed != null) weight = null;
    }

    @Override
    public long heldBytes() {
        return 4L * ((weight == null ? 0 : weight.length) + (bias == null ? 0 : bias.length)) + (packed == null ? 0 : 4L * packed.footprint()); // footprint() counts floats
    }

    @Override
    public boolean isPlanned() {
        return packed != null;
    }

    @Override
    public void run(Frame f) {
        int rows = f.inSize(0) / Math.max(in, 1);
        PackedGemm.multiply(f.buf, f.in[0], in, rows, packed, f.buf, f.out[0], out, epilogue, f.pool);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> inShapes) {
        long[] s = inShapes.get(0);
        Shapes.minRank(s, 1);
        Shapes.dim(s, -1, in, "in_features (the last dimension)");
        long[] o = s.clone();
        o[o.length - 1] = out;
        return List.of(o);
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        int rows = Math.toIntExact(Shape.prod(s, 0, s.length - 1));
        float[] y = new float[Math.multiplyExact(rows, out)];
        if (packed != null) {
            PackedGemm.multiply(Floats.of(t), 0, in, rows, packed, y, 0, out, epilogue, pool);
        } else {
            Gemm.matmulTransB(Floats.of(t), 0, weight, 0, bias, 0, y, 0, rows, out, in, act);
        }
        long[] os = s.clone();
        os[os.length - 1] = out;
        return List.of(Tensor.ofFloats(y, os));
    }
}
