package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;

import java.util.List;

/**
 * {@code AdaptiveAvgPool1d}, {@code AdaptiveAvgPool2d} and {@code adaptive_avg_pool1d/2d}: {@code output_size} an int,
 * a tuple, or a tuple with null (keep that input size). Window i spans [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
 */
public final class AdaptiveAvgPool implements Op {
    final int dims;
    /** Target height (2-D) and width; 0 = the input's size. */
    final int outH, outW;

    private AdaptiveAvgPool(int dims, int outH, int outW) {
        this.dims = dims;
        this.outH = outH;
        this.outW = outW;
    }

    public static AdaptiveAvgPool create(int dims, OpArgs a) {
        Object v = a.raw("output_size");
        if (v == null) throw new IllegalArgumentException("missing required argument 'output_size'");
        int[] o = new int[dims];
        if (v instanceof List<?> l && l.size() == dims) {
            for (int i = 0; i < dims; i++) {
                o[i] = l.get(i) == null ? 0 : a.intValue("output_size", l.get(i));
                if (l.get(i) != null && o[i] <= 0) throw new IllegalArgumentException("output_size must be positive");
            }
        } else {
            o = a.tuple("output_size", null, dims);
            for (int x : o) if (x <= 0) throw new IllegalArgumentException("output_size must be positive");
        }
        return new AdaptiveAvgPool(dims, dims == 2 ? o[0] : 1, o[dims - 1]);
    }

    @Override
    public String name() {
        return "AdaptiveAvgPool" + dims + "d";
    }

    /** True when the output is one value per plane (a global average pool). */
    public boolean isGlobal() {
        return (dims == 1 || outH == 1) && outW == 1;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.rank(s, dims + 1, dims + 2);
        long[] o = s.clone();
        if (dims == 2 && outH > 0) o[s.length - 2] = outH;
        if (outW > 0) o[s.length - 1] = outW;
        return List.of(ValueType.f32(o));
    }

    @Override
    public String summary() {
        return "output_size " + (dims == 2 ? (outH == 0 ? "None" : outH) + "×" : "") + (outW == 0 ? "None" : outW);
    }

    @Override
    public Executable compile(KernelProvider k) {
        return f -> {
            long[] s = f.inShape[0], o = f.outShape[0];
            int h = dims == 2 ? (int) s[s.length - 2] : 1, w = (int) s[s.length - 1];
            int oh = dims == 2 ? (int) o[o.length - 2] : 1, ow = (int) o[o.length - 1];
            k.adaptiveAvgPool2d(f.buf, f.in[0], f.inSize(0) / Math.max(1, h * w), h, w, f.buf, f.out[0], oh, ow, f.pool);
        };
    }
}
