package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * {@code torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine, bias)} over the trailing dimensions, and the
 * function {@code layer_norm(input, normalized_shape, weight, bias, eps)} whose weight and bias are inputs.
 */
public final class LayerNorm implements Op {
    final long[] normalized;
    final int size;
    final double eps;
    final Tensor gamma, beta;
    /** For the function: which inputs are the weight and the bias (0 = none). */
    final int weightInput, biasInput;

    private LayerNorm(long[] normalized, double eps, Tensor gamma, Tensor beta, int weightInput, int biasInput) {
        this.normalized = normalized;
        long n = 1;
        for (long d : normalized) n *= d;
        this.size = Math.toIntExact(n);
        this.eps = eps;
        this.gamma = gamma;
        this.beta = beta;
        this.weightInput = weightInput;
        this.biasInput = biasInput;
    }

    /** The module. */
    public static LayerNorm create(OpArgs a, Weights w) {
        long[] ns = normalizedShape(a);
        double eps = a.number("eps", 1e-5);
        boolean affine = a.bool("elementwise_affine", true);
        boolean hasBias = a.bool("bias", true);
        a.ignore("device", "dtype");
        return new LayerNorm(ns, eps, affine ? w.require(a, "weight", ns) : null, affine && hasBias ? w.require(a, "bias", ns) : null, 0, 0);
    }

    /** The module from a nested argument object (the norms inside Transformer layers), parameters under {@code prefix}. */
    public static LayerNorm nested(OpArgs parent, String prefix, Map<String, Object> args, Weights w) {
        OpArgs a = parent.nested(prefix, args);
        LayerNorm l = create(a, w);
        if (!a.unknown().isEmpty()) throw new IllegalArgumentException("unknown LayerNorm arguments " + a.unknown());
        return l;
    }

    /** The function: inputs [input, weight, bias], weight and bias optional (given positionally as the spec lists them). */
    public static LayerNorm function(OpArgs a) {
        long[] ns = normalizedShape(a);
        double eps = a.number("eps", 1e-5);
        int inputs = a.explicitInputs();
        if (inputs < 1 || inputs > 3) throw new IllegalArgumentException("layer_norm takes the input, then optionally weight and bias");
        return new LayerNorm(ns, eps, null, null, inputs > 1 ? 1 : 0, inputs > 2 ? 2 : 0);
    }

    private static long[] normalizedShape(OpArgs a) {
        int[] ns = a.ints("normalized_shape");
        if (ns == null) throw new IllegalArgumentException("missing required argument 'normalized_shape'");
        long[] out = new long[ns.length];
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] <= 0) throw new IllegalArgumentException("normalized_shape must be positive, got " + java.util.Arrays.toString(ns));
            out[i] = ns[i];
        }
        return out;
    }

    @Override
    public String name() {
        return "LayerNorm";
    }

    public int size() {
        return size;
    }

    public float[] gamma() {
        return Params.floats(gamma);
    }

    public float[] beta() {
        return Params.floats(beta);
    }

    public double eps() {
        return eps;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        int n = 1 + (weightInput > 0 ? 1 : 0) + (biasInput > 0 ? 1 : 0);
        ShapeRules.arity(in, n, n);
        long[] s = ShapeRules.floats(in, 0).dims();
        if (s.length < normalized.length) {
            throw new IllegalArgumentException("expects trailing dimensions " + Shape.toString(normalized) + ", got " + Shape.toString(s));
        }
        for (int i = 0; i < normalized.length; i++) {
            long d = s[s.length - normalized.length + i];
            if (d >= 0 && d != normalized[i]) {
                throw new IllegalArgumentException("expects trailing dimensions " + Shape.toString(normalized) + ", got " + Shape.toString(s));
            }
        }
        for (int i = 1; i < n; i++) {
            long[] p = ShapeRules.floats(in, i).dims();
            long numel = ShapeRules.numel(p);
            if (numel >= 0 && numel != size) {
                throw new IllegalArgumentException("weight and bias must have the normalized shape " + Shape.toString(normalized)
                        + ", got " + Shape.toString(p));
            }
        }
        return List.of(ValueType.f32(s));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return i == 0;
    }

    @Override
    public long paramBytes() {
        return Params.bytes(gamma, beta);
    }

    @Override
    public String summary() {
        return "normalized_shape " + Shape.toString(normalized) + ", eps " + eps;
    }

    private static final Scratch WEIGHT = new Scratch(), BIAS = new Scratch();

    @Override
    public Executable compile(KernelProvider k) {
        float[] g = Params.floats(gamma), b = Params.floats(beta);
        return new Executable() {
            @Override
            public void run(Frame f) {
                float[] gg = g, bb = b;
                if (weightInput > 0) {
                    gg = WEIGHT.floats(size);
                    System.arraycopy(f.buf, f.in[weightInput], gg, 0, size);
                }
                if (biasInput > 0) {
                    bb = BIAS.floats(size);
                    System.arraycopy(f.buf, f.in[biasInput], bb, 0, size);
                }
                k.layerNorm(f.buf, f.in[0], f.buf, f.out[0], f.inSize(0) / size, size, gg, bb, eps, f.pool);
            }
        };
    }
}
