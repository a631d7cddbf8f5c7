package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * {@code cumsum(input, dim, dtype=None)}: running sums along {@code dim}, as PyTorch computes them on the CPU. F32
 * sums accumulate in double and each result is rounded to float32; I64 and BOOL inputs give I64 sums (BOOL counts
 * the true elements). {@code dtype} converts the input first ({@code "float32"} or {@code "int64"}). RoBERTa's
 * position ids are the cumulative count of non-padding tokens.
 */
public final class CumSum implements Op {
    final int dim;
    /** The dtype the input is converted to first, or null. */
    final DType dtype;

    private CumSum(int dim, DType dtype) {
        this.dim = dim;
        this.dtype = dtype;
    }

    public static CumSum create(OpArgs a) {
        int dim = a.requiredInt("dim");
        String d = a.string("dtype", null);
        DType t = d == null ? null : Cast.parse(d);
        if (t == DType.BOOL) throw new IllegalArgumentException("cumsum to dtype bool is not supported (float32, int64)");
        return new CumSum(dim, t);
    }

    @Override
    public String name() {
        return "cumsum";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        ValueType x = ShapeRules.tensor(in, 0);
        long[] s = x.dims();
        ShapeRules.axis(dim, Math.max(1, s.length));
        DType out = dtype != null ? dtype : x.dtype() == DType.F32 ? DType.F32 : DType.I64;
        return List.of(ValueType.tensor(out, s));
    }

    @Override
    public String summary() {
        return "dim " + dim + (dtype == null ? "" : ", " + dtype);
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return f -> {
            long[] s = f.inShape[0];
            int ax = ShapeRules.axis(dim, Math.max(1, s.length));
            int outer = s.length == 0 ? 1 : (int) Shape.prod(s, 0, ax);
            int len = s.length == 0 ? 1 : (int) s[ax];
            int inner = s.length == 0 ? 1 : (int) Shape.prod(s, ax + 1, s.length);
            boolean fromF = f.inType[0] == DType.F32, toF = f.outType[0] == DType.F32;
            int x = f.in[0], y = f.out[0];
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    int base = o * len * inner + i;
                    if (toF) {
                        double acc = 0;
                        for (int j = 0; j < len; j++) {
                            int k = base + j * inner;
                            acc += fromF ? f.buf[x + k] : (float) f.ints[x + k];
                            f.buf[y + k] = (float) acc;
                        }
                    } else {
                        long acc = 0;
                        for (int j = 0; j < len; j++) {
                            int k = base + j * inner;
                            acc += fromF ? (long) f.buf[x + k] : f.ints[x + k];
                            f.ints[y + k] = acc;
                        }
                    }
                }
            }
        };
    }
}
