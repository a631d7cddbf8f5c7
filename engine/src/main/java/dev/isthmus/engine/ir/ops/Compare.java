package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.Broadcast;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;

import java.util.List;

/**
 * {@code ne}: {@code input != other} element by element, as PyTorch computes it, of two tensors (broadcast) or of a
 * tensor and a number {@code other}. The result is BOOL (0 / 1). F32, I64 and BOOL operands, with PyTorch's type
 * promotion: two integer operands (or an integer tensor and a whole number) compare exactly; otherwise both sides are
 * rounded to float32 first ({@code x.ne(0.1)} is false where x holds 0.1f), and NaN differs from everything.
 * RoBERTa's position ids start from {@code input_ids.ne(padding_idx)}.
 */
public final class Compare implements Op {
    final String name;
    /** The constant operand, or NaN when both operands are inputs. */
    final double other;
    final boolean twoInputs;

    private Compare(String name, double other, boolean twoInputs) {
        this.name = name;
        this.other = other;
        this.twoInputs = twoInputs;
    }

    /** Reads {@code ne}. */
    public static Compare create(String name, OpArgs a) {
        if (!name.equals("ne")) throw new IllegalStateException(name);
        Object o = a.raw("other");
        if (o instanceof OpArgs.Ref) throw new IllegalArgumentException("argument 'other' must be a number or the second input, not a size value");
        if (o != null && !(o instanceof Number)) throw new IllegalArgumentException("argument 'other' must be a number, got " + OpArgs.show(o));
        int operands = a.explicitInputs();
        if (o != null && operands != 1) throw new IllegalArgumentException(name + " takes one input when 'other' is a number, got " + operands);
        if (o == null && operands != 2) throw new IllegalArgumentException(name + " takes two inputs (or one and a number 'other'), got " + operands);
        return new Compare(name, o == null ? Double.NaN : ((Number) o).doubleValue(), o == null);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        int n = twoInputs ? 2 : 1;
        ShapeRules.arity(in, n, n);
        for (int i = 0; i < n; i++) {
            if (!in.get(i).isTensor()) throw new IllegalArgumentException(name + " of a size value is not supported");
        }
        long[] shape = twoInputs ? ShapeRules.broadcast(in.get(0).dims(), in.get(1).dims()) : in.get(0).dims();
        return List.of(ValueType.tensor(DType.BOOL, shape));
    }

    @Override
    public String summary() {
        return twoInputs ? "" : "other " + other;
    }

    /** Element {@code i} of input {@code k} as float32 (integers rounded, as PyTorch promotes them). */
    private static float at(Frame f, int k, int i) {
        return f.inType[k] == DType.F32 ? f.buf[f.in[k] + i] : (float) f.ints[f.in[k] + i];
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                f.state = twoInputs ? Broadcast.of(f.inShape[0], f.inShape[1], f.outShape[0]) : null;
            }

            @Override
            public void run(Frame f) {
                long[] y = f.ints;
                int yo = f.out[0];
                if (!twoInputs) {
                    int n = f.outSize(0), x = f.in[0];
                    float c = (float) other;
                    if (f.inType[0] == DType.F32) {
                        for (int i = 0; i < n; i++) y[yo + i] = f.buf[x + i] != c ? 1 : 0;
                    } else if (other == Math.rint(other) && Math.abs(other) < 0x1p63) {
                        long w = (long) other;
                        for (int i = 0; i < n; i++) y[yo + i] = f.ints[x + i] != w ? 1 : 0;
                    } else { // an integer tensor against a fraction: promoted to float32
                        for (int i = 0; i < n; i++) y[yo + i] = (float) f.ints[x + i] != c ? 1 : 0;
                    }
                    return;
                }
                Broadcast s = (Broadcast) f.state;
                boolean ints = f.inType[0] != DType.F32 && f.inType[1] != DType.F32;
                int inner = s.inner(), ai = s.aInner(), bi = s.bInner();
                for (int r = 0; r < s.runs(); r++) {
                    int ao = s.aStart(r), bo = s.bStart(r), o = yo + r * inner;
                    for (int i = 0; i < inner; i++) {
                        boolean differ = ints ? f.ints[f.in[0] + ao + i * ai] != f.ints[f.in[1] + bo + i * bi]
                                : at(f, 0, ao + i * ai) != at(f, 1, bo + i * bi);
                        y[o + i] = differ ? 1 : 0;
                    }
                }
            }
        };
    }
}
