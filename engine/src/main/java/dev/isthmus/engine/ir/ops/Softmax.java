package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * {@code torch.nn.Softmax(dim)}, {@code LogSoftmax(dim)} and the functions {@code softmax} / {@code log_softmax}. A
 * module's dim=None follows PyTorch's legacy rule (0 for rank 0, 1 and 3; else 1).
 */
public final class Softmax implements Op {
    final Integer dim;
    final boolean log;

    public Softmax(Integer dim, boolean log) {
        this.dim = dim;
        this.log = log;
    }

    int axis(int rank) {
        int d = dim != null ? dim : (rank == 0 || rank == 1 || rank == 3 ? 0 : 1);
        return ShapeRules.axis(d, rank);
    }

    /** The axis for a tensor of this rank. */
    public int axisFor(int rank) {
        return axis(rank);
    }

    public boolean isLog() {
        return log;
    }

    @Override
    public String name() {
        return log ? "LogSoftmax" : "Softmax";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        axis(s.length);
        return List.of(ValueType.f32(s));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return true;
    }

    @Override
    public String summary() {
        return "dim " + (dim == null ? "None" : dim);
    }

    @Override
    public Executable compile(KernelProvider k) {
        return f -> {
            long[] s = f.inShape[0];
            if (s.length == 0) {
                f.buf[f.out[0]] = log ? 0f : 1f;
                return;
            }
            int ax = axis(s.length);
            int outer = (int) Shape.prod(s, 0, ax), d = (int) s[ax], inner = (int) Shape.prod(s, ax + 1, s.length);
            k.softmax(f.buf, f.in[0], f.buf, f.out[0], outer, d, inner, log, f.pool);
        };
    }
}
