package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.vector.Elementwise;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** Elementwise activations (ReLU, GELU, Sigmoid, Tanh, SiLU) and the identities (Dropout, Identity) in eval mode. */
public final class ActivationLayer implements Layer {
    final Activation act;

    public ActivationLayer(Activation act) {
        this.act = act;
    }

    public Activation activation() {
        return act;
    }

    @Override
    public boolean isPlanned() {
        return true;
    }

    /** The identities (Dropout, Identity, an activation fused into its producer) share their input's memory. */
    @Override
    public boolean isView() {
        return act == Activation.NONE;
    }

    @Override
    public void run(Frame f) {
        if (act == Activation.NONE) return;
        int n = f.inSize(0);
        if (Simd.enabled()) {
            Elementwise.activation(act, f.buf, f.in[0], f.buf, f.out[0], n, f.pool);
        } else {
            for (int i = 0; i < n; i++) f.buf[f.out[0] + i] = act.apply(f.buf[f.in[0] + i]);
        }
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        return List.of(in.get(0).clone());
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        if (act == Activation.NONE) return List.of(t);
        float[] x = Floats.of(t);
        float[] y = new float[x.length];
        if (Simd.enabled()) Elementwise.activation(act, x, y, x.length, pool);
        else for (int i = 0; i < x.length; i++) y[i] = act.apply(x[i]);
        return List.of(Tensor.ofFloats(y, t.shape()));
    }
}
