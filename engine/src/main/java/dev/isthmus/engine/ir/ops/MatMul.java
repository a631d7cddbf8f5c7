package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * {@code matmul} (PyTorch's rules: 1-D operands promoted and the added dimension dropped again, batch dimensions
 * broadcast) and {@code bmm} (3-D, same batch). A pass may fold a transpose of the second operand's last two
 * dimensions into the product ({@code transB}: the operand is read as stored).
 */
public final class MatMul implements Op {
    final boolean bmm;
    final boolean transB;

    public MatMul(boolean bmm, boolean transB) {
        this.bmm = bmm;
        this.transB = transB;
    }

    @Override
    public String name() {
        return bmm ? "bmm" : "matmul";
    }

    public boolean transB() {
        return transB;
    }

    public MatMul withTransB() {
        return new MatMul(bmm, true);
    }

    /** The result shape, or throws naming the rule. */
    private long[] shape(long[] a, long[] b) {
        if (bmm) {
            ShapeRules.rank(a, 3);
            ShapeRules.rank(b, 3);
        }
        if (a.length == 0 || b.length == 0) throw new IllegalArgumentException("matmul of a zero-dimensional tensor");
        long[] a2 = a.length == 1 ? new long[]{1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[]{b[0], 1} : b;
        if (transB && b.length >= 2) {
            b2 = b2.clone();
            long t = b2[b2.length - 1];
            b2[b2.length - 1] = b2[b2.length - 2];
            b2[b2.length - 2] = t;
        }
        long k1 = a2[a2.length - 1], k2 = b2[b2.length - 2];
        if (k1 >= 0 && k2 >= 0 && k1 != k2) {
            throw new IllegalArgumentException("matmul of " + Shape.toString(a) + " and " + Shape.toString(b) + ": inner sizes " + k1 + " and " + k2 + " differ");
        }
        long[] batch = ShapeRules.broadcast(java.util.Arrays.copyOf(a2, a2.length - 2), java.util.Arrays.copyOf(b2, b2.length - 2));
        if (bmm && batch[0] >= 0 && (a[0] != b[0] && a[0] >= 0 && b[0] >= 0)) throw new IllegalArgumentException("bmm of different batch sizes");
        int r = batch.length + (a.length == 1 ? 0 : 1) + (b.length == 1 ? 0 : 1);
        long[] o = new long[r];
        System.arraycopy(batch, 0, o, 0, batch.length);
        int j = batch.length;
        if (a.length != 1) o[j++] = a2[a2.length - 2];
        if (b.length != 1) o[j] = b2[b2.length - 1];
        return o;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 2, 2);
        return List.of(ValueType.f32(shape(ShapeRules.floats(in, 0).dims(), ShapeRules.floats(in, 1).dims())));
    }

    @Override
    public String summary() {
        return transB ? "second operand transposed" : "";
    }

    /** Per plan: m, n, k, the leading dimensions, and each batch's operand offsets. */
    private record Prepared(int m, int n, int k, int lda, int ldb, int[] aOff, int[] bOff) {
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                long[] a = f.inShape[0], b = f.inShape[1];
                long[] a2 = a.length == 1 ? new long[]{1, a[0]} : a;
                long[] b2 = b.length == 1 ? (transB ? new long[]{1, b[0]} : new long[]{b[0], 1}) : b;
                int m = (int) a2[a2.length - 2], k = (int) a2[a2.length - 1];
                int n = (int) (transB ? b2[b2.length - 2] : b2[b2.length - 1]);
                int lda = k, ldb = (int) b2[b2.length - 1];
                long[] ab = java.util.Arrays.copyOf(a2, a2.length - 2), bb = java.util.Arrays.copyOf(b2, b2.length - 2);
                long[] batch = ShapeRules.broadcast(ab, bb);
                int count = (int) Shape.numel(batch);
                int[] ao = new int[count], bo = new int[count];
                long aMat = (long) m * k, bMat = (long) b2[b2.length - 2] * b2[b2.length - 1];
                for (int i = 0; i < count; i++) {
                    ao[i] = (int) (offset(i, batch, ab) * aMat);
                    bo[i] = (int) (offset(i, batch, bb) * bMat);
                }
                f.state = new Prepared(m, n, k, lda, ldb, ao, bo);
            }

            @Override
            public void run(Frame f) {
                Prepared p = (Prepared) f.state;
                int c = f.out[0], mn = p.m() * p.n();
                for (int i = 0; i < p.aOff().length; i++) {
                    kernels.matmul(f.buf, f.in[0] + p.aOff()[i], p.lda(), f.buf, f.in[1] + p.bOff()[i], p.ldb(), transB, f.buf, c + i * mn, p.n(),
                            p.m(), p.n(), p.k());
                }
            }
        };
    }

    /** The index of batch element {@code i} of the broadcast {@code batch} within an operand's own batch dims {@code own}. */
    private static long offset(int i, long[] batch, long[] own) {
        long off = 0, stride = 1;
        for (int d = batch.length - 1; d >= 0; d--) {
            long idx = i % batch[d];
            i /= (int) batch[d];
            int od = d - (batch.length - own.length);
            if (od >= 0) {
                if (own[od] != 1) off += idx * stride;
                stride *= own[od];
            }
        }
        return off;
    }
}
