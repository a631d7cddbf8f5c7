package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * {@code cat(tensors, dim)} and {@code stack(tensors, dim)} (stack = cat of the tensors each unsqueezed at dim): every
 * input has the same dtype and the same sizes but along dim. A copy: per outer index, each input's block in turn.
 */
public final class Concat implements Op {
    final int dim;
    final boolean stack;

    public Concat(int dim, boolean stack) {
        this.dim = dim;
        this.stack = stack;
    }

    @Override
    public String name() {
        return stack ? "stack" : "cat";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        if (in.isEmpty()) throw new IllegalArgumentException(name() + " needs at least one tensor");
        ValueType t0 = ShapeRules.tensor(in, 0);
        long[] s0 = t0.dims();
        int rank = stack ? s0.length + 1 : s0.length;
        if (!stack && rank == 0) throw new IllegalArgumentException("cat of zero-dimensional tensors");
        int d = ShapeRules.axis(dim, rank);
        long[] o;
        if (stack) {
            o = new long[rank];
            for (int i = 0, j = 0; i < rank; i++) o[i] = i == d ? in.size() : s0[j++];
        } else {
            o = s0.clone();
            o[d] = 0;
        }
        for (int k = 0; k < in.size(); k++) {
            ValueType t = ShapeRules.tensor(in, k);
            if ((t.dtype() == DType.F32) != (t0.dtype() == DType.F32)) {
                throw new IllegalArgumentException(name() + " of tensors of different dtypes (" + t0.dtype() + ", " + t.dtype() + ")");
            }
            long[] s = t.dims();
            if (s.length != s0.length) {
                throw new IllegalArgumentException(name() + ": tensor " + k + " " + Shape.toString(s) + " has another rank than " + Shape.toString(s0));
            }
            for (int i = 0; i < s.length; i++) {
                if (!stack && i == d) continue;
                int oi = stack && i >= d ? i + 1 : i;
                if (s[i] >= 0 && o[oi] >= 0 && s[i] != o[oi]) {
                    throw new IllegalArgumentException(name() + ": tensor " + k + " " + Shape.toString(s) + " does not match "
                            + Shape.toString(s0) + " in dimension " + i);
                }
                if (o[oi] < 0) o[oi] = s[i];
            }
            if (!stack) o[d] = o[d] < 0 || s[d] < 0 ? -1 : o[d] + s[d];
        }
        return List.of(ValueType.tensor(t0.dtype() == DType.F32 ? DType.F32 : DType.I64, o));
    }

    @Override
    public String summary() {
        return "dim " + dim;
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return this::run;
    }

    /** Per outer index (the dims before the axis), each input's block in turn. */
    private void run(Frame f) {
        long[] o = f.outShape[0];
        int n = f.inputs();
        int axis = ShapeRules.axis(dim, o.length);
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= (int) o[i];
        if (outer == 0 || f.outSize(0) == 0) return;
        boolean ints = f.outType[0] != DType.F32;
        int at = f.out[0];
        for (int p = 0; p < outer; p++) {
            for (int k = 0; k < n; k++) {
                int len = f.inSize(k) / outer;
                int src = f.in[k] + p * len;
                if (ints) System.arraycopy(f.ints, src, f.ints, at, len);
                else System.arraycopy(f.buf, src, f.buf, at, len);
                at += len;
            }
        }
    }
}
