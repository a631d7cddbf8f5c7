package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;

import java.util.List;

/**
 * {@code mean}, {@code sum} and {@code amax} over {@code dim} (an int or a list; absent = every dimension), with
 * {@code keepdim}. Sums in double; {@code amax} propagates NaN as PyTorch does.
 */
public final class Reduce implements Op {
    enum Kind { MEAN, SUM, AMAX }

    final Kind kind;
    final int[] dims;
    final boolean keepdim;

    private Reduce(Kind kind, int[] dims, boolean keepdim) {
        this.kind = kind;
        this.dims = dims;
        this.keepdim = keepdim;
    }

    public static Reduce create(String name, OpArgs a) {
        Kind k = switch (name) {
            case "mean" -> Kind.MEAN;
            case "sum" -> Kind.SUM;
            default -> Kind.AMAX;
        };
        int[] dims = a.ints("dim");
        boolean keep = a.bool("keepdim", false);
        a.ignore("dtype");
        return new Reduce(k, dims == null || dims.length == 0 ? null : dims, keep);
    }

    @Override
    public String name() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Which dimensions of a rank-r input are reduced. */
    boolean[] reduced(int r) {
        boolean[] red = new boolean[r];
        if (dims == null) {
            java.util.Arrays.fill(red, true);
            return red;
        }
        for (int d : dims) {
            int x = ShapeRules.axis(d, r);
            if (r == 0) continue; // dim 0 or -1 of a rank-0 tensor is the tensor itself: nothing to reduce
            if (red[x]) throw new IllegalArgumentException("dim " + d + " appears twice in " + java.util.Arrays.toString(dims));
            red[x] = true;
        }
        return red;
    }

    /** True when this is a mean over the two trailing (spatial) dimensions of a rank-4 tensor, keeping the rest. */
    public boolean isSpatialMean(int rank) {
        if (kind != Kind.MEAN || rank != 4 || dims == null) return false;
        boolean[] r = reduced(4);
        return !r[0] && !r[1] && r[2] && r[3];
    }

    public boolean keepdim() {
        return keepdim;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        boolean[] red = reduced(s.length);
        int n = 0;
        for (int i = 0; i < s.length; i++) if (!red[i] || keepdim) n++;
        long[] o = new long[n];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (!red[i]) o[j++] = s[i];
            else if (keepdim) o[j++] = 1;
        }
        return List.of(ValueType.f32(o));
    }

    @Override
    public String summary() {
        return "dim " + (dims == null ? "all" : java.util.Arrays.toString(dims)) + (keepdim ? ", keepdim" : "");
    }

    /** Per plan: for each input dimension its stride in the result (0 when reduced), and the accumulators. */
    private record Prepared(int[] dims, int[] outStride, int[] at, double[] acc, long count) {
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                long[] s = f.inShape[0];
                boolean[] red = reduced(s.length);
                int[] d = new int[s.length], os = new int[s.length];
                long stride = 1, count = 1;
                for (int i = s.length - 1; i >= 0; i--) {
                    d[i] = (int) s[i];
                    if (red[i]) {
                        count *= s[i];
                    } else {
                        os[i] = (int) stride;
                        stride *= s[i];
                    }
                }
                f.state = new Prepared(d, os, new int[s.length], new double[f.outSize(0)], count);
            }

            @Override
            public void run(Frame f) {
                Prepared p = (Prepared) f.state;
                double[] acc = p.acc();
                java.util.Arrays.fill(acc, kind == Kind.AMAX ? Double.NEGATIVE_INFINITY : 0.0);
                int n = f.inSize(0), x = f.in[0];
                int[] at = p.at(), dims = p.dims(), os = p.outStride();
                java.util.Arrays.fill(at, 0);
                int r = dims.length, o = 0;
                for (int i = 0; i < n; i++) {
                    double v = f.buf[x + i];
                    if (kind == Kind.AMAX) {
                        if (v > acc[o] || Double.isNaN(v)) acc[o] = v;
                    } else {
                        acc[o] += v;
                    }
                    for (int k = r - 1; k >= 0; k--) { // next input index; the result index follows
                        if (++at[k] < dims[k]) {
                            o += os[k];
                            break;
                        }
                        o -= (dims[k] - 1) * os[k];
                        at[k] = 0;
                    }
                }
                int y = f.out[0];
                for (int j = 0; j < acc.length; j++) f.buf[y + j] = (float) (kind == Kind.MEAN ? acc[j] / p.count() : acc[j]);
            }
        };
    }
}
