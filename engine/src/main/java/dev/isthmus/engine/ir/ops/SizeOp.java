package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;

import java.util.List;

/**
 * {@code size(input, dim)}: one dimension of a tensor as an integer size value, or without {@code dim} the tuple of
 * all of them ({@code x.shape}). Worked out when a session plans the model; unknown ({@code -1}) at load for free
 * dimensions. Also {@code neg} of a size value.
 */
public final class SizeOp implements Op {
    final Integer dim;

    private SizeOp(Integer dim) {
        this.dim = dim;
    }

    public static SizeOp create(OpArgs a) {
        return new SizeOp(a.has("dim") ? a.integer("dim", 0) : null);
    }

    @Override
    public String name() {
        return "size";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.tensor(in, 0).dims();
        if (dim == null) return List.of(ValueType.tuple(s));
        long d = s[ShapeRules.axis(dim, s.length)];
        return List.of(d >= 0 ? ValueType.integer(d) : ValueType.symbolic(d));
    }

    @Override
    public String summary() {
        return dim == null ? "" : "dim " + dim;
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return Executable.NOTHING;
    }
}
