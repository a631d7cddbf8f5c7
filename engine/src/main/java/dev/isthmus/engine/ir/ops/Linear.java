package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.Linear} on the last dimension of an input of any rank ≥ 1: y = x·Wᵀ + b. Fusion passes give it an
 * epilogue: an activation, and a residual added before it (its second input, of the result's shape).
 */
public final class Linear implements Op {
    final int in, out;
    final Tensor weight, bias;
    final Activation act;
    final boolean residual;

    private Linear(int in, int out, Tensor weight, Tensor bias, Activation act, boolean residual) {
        this.in = in;
        this.out = out;
        this.weight = weight;
        this.bias = bias;
        this.act = act;
        this.residual = residual;
    }

    public static Linear create(OpArgs a, Weights w) {
        int in = a.requiredInt("in_features");
        int out = a.requiredInt("out_features");
        boolean hasBias = a.bool("bias", true);
        a.ignore("device", "dtype");
        if (in < 0 || out < 0) throw new IllegalArgumentException("in_features and out_features must be non-negative");
        return new Linear(in, out, w.require(a, "weight", out, in), hasBias ? w.require(a, "bias", out) : null, Activation.NONE, false);
    }

    /** A Linear over given parameters (frontends that join or rename tensors). */
    public static Linear of(Tensor weight, Tensor bias) {
        long[] s = weight.shape();
        return new Linear((int) s[1], (int) s[0], weight, bias, Activation.NONE, false);
    }

    @Override
    public String name() {
        return "Linear";
    }

    public Activation activation() {
        return act;
    }

    public boolean hasResidual() {
        return residual;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    /** The weight tensor (out, in): F32, BF16, or I8 with scales when the model is quantized. */
    public Tensor weight() {
        return weight;
    }

    /** The weight (out, in) as stored. */
    public float[] weightFloats() {
        return Params.floats(weight);
    }

    /** The bias, or null. */
    public float[] biasFloats() {
        return Params.floats(bias);
    }

    public Linear withActivation(Activation a) {
        return new Linear(in, out, weight, bias, a, residual);
    }

    public Linear withResidual() {
        return new Linear(in, out, weight, bias, act, true);
    }

    @Override
    public List<ValueType> infer(List<ValueType> inputs) {
        ShapeRules.arity(inputs, residual ? 2 : 1, residual ? 2 : 1);
        long[] s = ShapeRules.floats(inputs, 0).dims();
        ShapeRules.minRank(s, 1);
        ShapeRules.dim(s, -1, in, "in_features (the last dimension)");
        long[] o = s.clone();
        o[o.length - 1] = out;
        if (residual) {
            long[] r = ShapeRules.floats(inputs, 1).dims();
            if (r.length != o.length) throw new IllegalArgumentException("the residual " + Shape.toString(r) + " does not match " + Shape.toString(o));
        }
        return List.of(ValueType.f32(o));
    }

    /** The result may be written over the residual (each element is read before its own result is written). */
    @Override
    public boolean mayOverwrite(int i) {
        return residual && i == 1;
    }

    @Override
    public long paramBytes() {
        return Params.bytes(weight, bias);
    }

    @Override
    public String summary() {
        return in + "→" + out + Params.narrowNote(weight) + (residual ? " + residual" : "") + (act != Activation.NONE ? " + " + act.name().toLowerCase(java.util.Locale.ROOT) : "");
    }

    /**
     * The product act(x·Wᵀ + bias + residual) of {@code weight} (out × in) on {@code kernels}. The weight goes as a
     * tensor: a provider that packs it reads it in place, with no float copy; an int8 or bf16 weight stays 1 or 2 bytes
     * and the weight-only kernel widens it in registers.
     */
    static LinearKernel kernel(KernelProvider kernels, Tensor weight, float[] bias, int out, int in, Activation act) {
        return NarrowMatrix.holds(weight)
                ? kernels.linear(NarrowMatrix.of(weight, out, in), bias, act)
                : kernels.linear(weight, bias, out, in, act);
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        LinearKernel k = kernel(kernels, weight, Params.floats(bias), out, in, act);
        return new Executable() {
            @Override
            public void run(Frame f) {
                int rows = in == 0 ? f.outSize(0) / Math.max(out, 1) : f.inSize(0) / in;
                k.run(f.buf, f.in[0], in, rows, f.buf, f.out[0], out, residual ? f.buf : null, residual ? f.in[1] : 0, out, f.pool);
            }

            @Override
            public long heldBytes() {
                return k.heldBytes();
            }
        };
    }
}
