package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;

import java.util.List;

/**
 * {@code to(dtype)}, {@code float()}, {@code long()}, {@code int()}, {@code bool()} and {@code type_as(other)}:
 * F32 ↔ I64 (floats truncate toward zero, as PyTorch's {@code .long()}), BOOL as 0 / 1. A cast to the dtype a
 * tensor already has is a view.
 */
public final class Cast implements Op {
    /** The target, or null for type_as (the second input's dtype). */
    final DType to;

    private Cast(DType to) {
        this.to = to;
    }

    public static Cast to(DType t) {
        return new Cast(t);
    }

    public static Cast create(String name, OpArgs a) {
        return switch (name) {
            case "float" -> new Cast(DType.F32);
            case "long", "int" -> new Cast(DType.I64);
            case "bool" -> new Cast(DType.BOOL);
            case "type_as" -> new Cast(null);
            default -> {
                String d = a.string("dtype", null);
                if (d == null) throw new IllegalArgumentException("missing required argument 'dtype'");
                yield new Cast(parse(d));
            }
        };
    }

    static DType parse(String d) {
        return switch (d.replace("torch.", "")) {
            case "float32", "float", "float16", "half", "bfloat16", "float64", "double" -> DType.F32;
            case "int64", "long", "int32", "int", "int16", "int8", "uint8" -> DType.I64;
            case "bool" -> DType.BOOL;
            default -> throw new IllegalArgumentException("dtype '" + d + "' is not supported (float32, int64, bool)");
        };
    }

    @Override
    public String name() {
        return to == null ? "type_as" : "to";
    }

    private DType target(List<ValueType> in) {
        return to != null ? to : ShapeRules.tensor(in, 1).dtype();
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, to == null ? 2 : 1, to == null ? 2 : 1);
        ValueType t = ShapeRules.tensor(in, 0);
        return List.of(t.withDtype(target(in)));
    }

    @Override
    public String summary() {
        return to == null ? "" : to.name();
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return f -> {
            DType from = f.inType[0], target = f.outType[0];
            int n = f.inSize(0), x = f.in[0], y = f.out[0];
            boolean fromF = from == DType.F32, toF = target == DType.F32;
            if (fromF && toF) {
                if (x != y) System.arraycopy(f.buf, x, f.buf, y, n);
            } else if (fromF) {
                for (int i = 0; i < n; i++) f.ints[y + i] = target == DType.BOOL ? (f.buf[x + i] != 0 ? 1 : 0) : (long) f.buf[x + i];
            } else if (toF) {
                for (int i = 0; i < n; i++) f.buf[y + i] = f.ints[x + i];
            } else {
                for (int i = 0; i < n; i++) f.ints[y + i] = target == DType.BOOL ? (f.ints[x + i] != 0 ? 1 : 0) : f.ints[x + i];
            }
        };
    }
}
