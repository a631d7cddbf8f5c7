package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.StridedCopy;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/** {@code permute(input, dims)} and {@code transpose(input, dim0, dim1)}: a copy into the permuted layout. */
public final class Permute implements Op {
    final String name;
    /** permute: the order; transpose: null (dims a, b). */
    final int[] order;
    final int a, b;

    private Permute(String name, int[] order, int a, int b) {
        this.name = name;
        this.order = order;
        this.a = a;
        this.b = b;
    }

    public static Permute permute(OpArgs args) {
        int[] dims = args.ints("dims");
        if (dims == null) throw new IllegalArgumentException("missing required argument 'dims'");
        return new Permute("permute", dims, 0, 0);
    }

    public static Permute transpose(OpArgs args) {
        return new Permute("transpose", null, args.requiredInt("dim0"), args.requiredInt("dim1"));
    }

    /** A transpose of two dimensions (frontends and passes). */
    public static Permute transpose(int dim0, int dim1) {
        return new Permute("transpose", null, dim0, dim1);
    }

    @Override
    public String name() {
        return name;
    }

    /** The source dimension of each result dimension, for rank {@code r}. */
    public int[] order(int r) {
        int[] p = new int[r];
        if (order == null) {
            for (int i = 0; i < r; i++) p[i] = i;
            int x = ShapeRules.axis(a, r), y = ShapeRules.axis(b, r);
            p[x] = y;
            p[y] = x;
            return p;
        }
        if (order.length != r) throw new IllegalArgumentException("permute dims " + java.util.Arrays.toString(order) + " do not match rank " + r);
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            p[i] = ShapeRules.axis(order[i], r);
            if (seen[p[i]]) throw new IllegalArgumentException("permute dims " + java.util.Arrays.toString(order) + " repeat a dimension");
            seen[p[i]] = true;
        }
        return p;
    }

    /** True when this swaps the last two dimensions only (what a matmul can read transposed). */
    public boolean swapsLastTwo(int rank) {
        if (rank < 2) return false;
        int[] p = order(rank);
        for (int i = 0; i < rank - 2; i++) if (p[i] != i) return false;
        return p[rank - 2] == rank - 1 && p[rank - 1] == rank - 2;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        ValueType t = ShapeRules.tensor(in, 0);
        long[] s = t.dims();
        int[] p = order(s.length);
        long[] o = new long[s.length];
        for (int i = 0; i < s.length; i++) o[i] = s[p[i]];
        return List.of(t.withShape(o));
    }

    @Override
    public String summary() {
        return order != null ? "dims " + java.util.Arrays.toString(order) : "dims " + a + ", " + b;
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                long[] s = f.inShape[0];
                long[] st = Shape.strides(s);
                int[] p = order(s.length);
                long[] dims = new long[s.length], strides = new long[s.length];
                for (int i = 0; i < s.length; i++) {
                    dims[i] = s[p[i]];
                    strides[i] = st[p[i]];
                }
                f.state = new StridedCopy(dims, strides, 0);
            }

            @Override
            public void run(Frame f) {
                StridedCopy c = (StridedCopy) f.state;
                if (f.inType[0] != DType.F32) c.copy(f.ints, f.in[0], f.ints, f.out[0]);
                else c.copy(f.buf, f.in[0], f.buf, f.out[0]);
            }
        };
    }
}
