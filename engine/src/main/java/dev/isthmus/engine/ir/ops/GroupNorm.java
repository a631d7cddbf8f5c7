package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.GroupNorm(num_groups, num_channels, eps, affine)} on (N, C, *). */
public final class GroupNorm implements Op {
    final int groups, channels;
    final double eps;
    final Tensor gamma, beta;

    private GroupNorm(int groups, int channels, double eps, Tensor gamma, Tensor beta) {
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.gamma = gamma;
        this.beta = beta;
    }

    public static GroupNorm create(OpArgs a, Weights w) {
        int groups = a.requiredInt("num_groups");
        int channels = a.requiredInt("num_channels");
        double eps = a.number("eps", 1e-5);
        boolean affine = a.bool("affine", true);
        a.ignore("device", "dtype");
        if (groups <= 0 || channels <= 0 || channels % groups != 0) {
            throw new IllegalArgumentException("num_channels = " + channels + " must be divisible by num_groups = " + groups);
        }
        return new GroupNorm(groups, channels, eps, affine ? w.require(a, "weight", channels) : null,
                affine ? w.require(a, "bias", channels) : null);
    }

    @Override
    public String name() {
        return "GroupNorm";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.minRank(s, 2);
        ShapeRules.dim(s, 1, channels, "num_channels");
        return List.of(ValueType.f32(s));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return true;
    }

    @Override
    public long paramBytes() {
        return Params.bytes(gamma, beta);
    }

    @Override
    public String summary() {
        return groups + " groups of " + channels + " channels";
    }

    @Override
    public Executable compile(KernelProvider k) {
        float[] g = Params.floats(gamma), b = Params.floats(beta);
        return f -> {
            long[] s = f.inShape[0];
            k.groupNorm(f.buf, f.in[0], f.buf, f.out[0], (int) s[0], channels, (int) Shape.prod(s, 2, s.length), groups, g, b, eps, f.pool);
        };
    }
}
