package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.functional.pad(input, pad, mode="constant", value=0)}: {@code pad} lists (before, after) counts
 * for the last dimension, then the one before it, and so on; the new elements are {@code value}. Constant mode and
 * counts ≥ 0 (PyTorch's negative counts crop; not supported). F32, I64 and BOOL tensors (integers get the value
 * truncated, as PyTorch converts it). MobileBERT's trigram embedding pads the shifted token embeddings with zeros.
 */
public final class Pad implements Op {
    /** As PyTorch lists them: (before, after) of the last dimension first. */
    final int[] pad;
    final double value;

    private Pad(int[] pad, double value) {
        this.pad = pad;
        this.value = value;
    }

    public static Pad create(OpArgs a) {
        if (!a.has("pad")) throw new IllegalArgumentException("missing required argument 'pad'");
        int[] pad = a.ints("pad");
        if (pad.length % 2 != 0) throw new IllegalArgumentException("argument 'pad' must have an even length, got " + pad.length);
        for (int p : pad) if (p < 0) throw new IllegalArgumentException("negative padding (cropping) is not supported, got " + Arrays.toString(pad));
        a.choice("mode", "constant", "constant");
        Object v = a.raw("value");
        if (v != null && !(v instanceof Number)) throw new IllegalArgumentException("argument 'value' must be a number, got " + OpArgs.show(v));
        return new Pad(pad, v == null ? 0 : ((Number) v).doubleValue());
    }

    @Override
    public String name() {
        return "pad";
    }

    /** The (before, after) counts of every dimension of a tensor of this rank. */
    private int[][] perDim(int rank) {
        int[][] out = new int[rank][2];
        for (int i = 0; i < pad.length / 2; i++) {
            out[rank - 1 - i][0] = pad[2 * i];
            out[rank - 1 - i][1] = pad[2 * i + 1];
        }
        return out;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        ValueType x = ShapeRules.tensor(in, 0);
        long[] s = x.dims();
        if (pad.length / 2 > s.length) {
            throw new IllegalArgumentException("'pad' of length " + pad.length + " pads " + pad.length / 2 + " dimensions of a rank-" + s.length + " input");
        }
        int[][] p = perDim(s.length);
        long[] o = s.clone();
        for (int d = 0; d < s.length; d++) if (s[d] >= 0) o[d] = s[d] + p[d][0] + p[d][1];
        return List.of(ValueType.tensor(x.dtype() == DType.F32 ? DType.F32 : DType.I64, o));
    }

    @Override
    public String summary() {
        return "pad " + Arrays.toString(pad) + (value == 0 ? "" : ", value " + value);
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return f -> {
            long[] s = f.inShape[0], o = f.outShape[0];
            int rank = s.length;
            boolean floats = f.outType[0] == DType.F32;
            int y = f.out[0], x = f.in[0], total = f.outSize(0);
            if (floats) Arrays.fill(f.buf, y, y + total, (float) value);
            else Arrays.fill(f.ints, y, y + total, (long) value);
            if (f.inSize(0) == 0) return;
            if (rank == 0) { // nothing padded
                if (floats) f.buf[y] = f.buf[x];
                else f.ints[y] = f.ints[x];
                return;
            }
            int[][] p = perDim(rank);
            long[] outStride = new long[rank];
            long st = 1;
            for (int d = rank - 1; d >= 0; d--) {
                outStride[d] = st;
                st *= o[d];
            }
            int row = (int) s[rank - 1];
            int rows = (int) Shape.prod(s, 0, rank - 1);
            int[] idx = new int[rank - 1];
            for (int r = 0; r < rows; r++) {
                long off = p[rank - 1][0];
                for (int d = 0; d < rank - 1; d++) off += (idx[d] + p[d][0]) * outStride[d];
                if (floats) System.arraycopy(f.buf, x + r * row, f.buf, y + (int) off, row);
                else System.arraycopy(f.ints, x + r * row, f.ints, y + (int) off, row);
                for (int d = rank - 2; d >= 0; d--) { // the next input row
                    if (++idx[d] < s[d]) break;
                    idx[d] = 0;
                }
            }
        };
    }
}
