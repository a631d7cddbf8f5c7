package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.parallel.ComputePool;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A {@link NarrowMatrix} W (out × in: int8 with a scale per row, or bf16) packed for products widened in registers:
 * y[i][o] = Σ_p x[i][p]·W[o][p] for every row i of x; no bias (callers add theirs).
 *
 * <p>Layout: panels of {@link #P} consecutive outputs, depth-major within a panel — weight (o, p) at
 * {@code panel(o)·in·P + p·P + o % P}, the last panel padded with zeros — so that, for each input p, one load gives a
 * vector of P outputs' weights: widened (int8: B2F; bf16: S2I, shift left 16, reinterpret) and multiplied by the
 * broadcast x[p] into accumulators that hold outputs in their lanes. Four accumulators (four panels, or at 128 bits two
 * panels of two float vectors each: a byte vector is at least 64 bits) run at a time; int8 sums are multiplied by the
 * row scales once at the end. No lane is ever reduced: each output is one chain of FMAs in input order, so results
 * are the same on every thread count, in the interpreter and compiled. The matrix-vector case (batch 1, a recurrent
 * step) reads each weight byte once; more rows of x pass over the panels row by row.
 */
final class NarrowProducts {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** int8 loads: L bytes, or 8 when a vector holds fewer than 8 floats (the smallest byte vector is 64 bits). */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    /** True when one byte load holds two float vectors' worth (128-bit floats). */
    private static final boolean TWO_PARTS = B.length() == 2 * L;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private final boolean int8;
    private final int out, in, panels;
    /** Outputs per panel: the byte vector's lanes (int8), or L (bf16). */
    private final int P;
    private final byte[] q;
    private final short[] bf;
    /** int8: the scales, padded with zeros to panels·P. */
    private final float[] scales;

    NarrowProducts(NarrowMatrix w) {
        this.int8 = w.int8Values() != null;
        this.out = w.rows();
        this.in = w.cols();
        this.P = int8 ? B.length() : L;
        this.panels = (out + P - 1) / P;
        int size = Math.multiplyExact(Math.multiplyExact(panels, P), Math.max(in, 1));
        this.q = int8 ? new byte[size] : null;
        this.bf = int8 ? null : new short[size];
        this.scales = int8 ? java.util.Arrays.copyOf(w.rowScales(), panels * P) : null;
        byte[] src8 = w.int8Values();
        short[] src16 = w.bf16Bits();
        for (int o = 0; o < out; o++) {
            int base = (o / P) * in * P + o % P;
            for (int p = 0; p < in; p++) {
                if (int8) q[base + p * P] = src8[o * in + p];
                else bf[base + p * P] = src16[o * in + p];
            }
        }
    }

    int rows() {
        return out;
    }

    int cols() {
        return in;
    }

    long heldBytes() {
        return int8 ? q.length + 4L * scales.length : 2L * bf.length;
    }

    /**
     * The weights widened to F32 (int8: q·scale; bf16: exact) into right-operand panels of width {@code nr} (a multiple
     * of {@link #P}), as {@link PackedMatrix#forB} lays out a matrix: weight (o, p) at {@code (o / nr)·in·nr + p·nr +
     * o % nr}, the last panel's columns past {@code out} zero. {@code d} holds at least
     * {@code PackedMatrix.floats(out, in, nr)} floats. For products with many rows, where one widening per call
     * serves them all ({@link NarrowLinearKernel}).
     */
    void widenPanels(float[] d, int nr) {
        if (nr % P != 0) throw new IllegalArgumentException("panel width " + nr + " is not a multiple of " + P);
        if (out == 0 || in == 0) return;
        int last = (out - 1) / nr;
        java.util.Arrays.fill(d, last * in * nr, (last + 1) * in * nr, 0f);
        for (int b = 0; b < panels; b++) {
            int o0 = b * P, src = b * in * P, dst = (o0 / nr) * in * nr + o0 % nr;
            if (!int8) {
                for (int p = 0; p < in; p++, src += P, dst += nr) bf16(bf, src).intoArray(d, dst);
            } else if (TWO_PARTS) {
                FloatVector s0 = FloatVector.fromArray(F, scales, o0), s1 = FloatVector.fromArray(F, scales, o0 + L);
                for (int p = 0; p < in; p++, src += P, dst += nr) {
                    ByteVector v = ByteVector.fromArray(B, q, src);
                    ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(s0).intoArray(d, dst);
                    ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).mul(s1).intoArray(d, dst + L);
                }
            } else {
                FloatVector s0 = FloatVector.fromArray(F, scales, o0);
                for (int p = 0; p < in; p++, src += P, dst += nr) {
                    ((FloatVector) ByteVector.fromArray(B, q, src).convertShape(VectorOperators.B2F, F, 0)).mul(s0).intoArray(d, dst);
                }
            }
        }
    }

    /** Panels per task when a product is split over threads. */
    private static final int PANELS_PER_TASK = 4;

    /** y[yOff + i·ldy + o] = Σ_p x[xOff + i·ldx + p]·W[o][p], i < m, o < out; split on panels when big enough. */
    void multiply(float[] x, int xOff, int ldx, int m, float[] y, int yOff, int ldy, ComputePool pool) {
        int tasks = (panels + PANELS_PER_TASK - 1) / PANELS_PER_TASK;
        if (tasks > 1 && ComputePool.splits(pool, (long) m * out * in)) {
            pool.parallelFor(tasks, t -> panels(x, xOff, ldx, m, y, yOff, ldy, t * PANELS_PER_TASK,
                    Math.min(panels, (t + 1) * PANELS_PER_TASK)));
        } else {
            panels(x, xOff, ldx, m, y, yOff, ldy, 0, panels);
        }
    }

    private void panels(float[] x, int xOff, int ldx, int m, float[] y, int yOff, int ldy, int b0, int b1) {
        for (int i = 0; i < m; i++) {
            int xo = xOff + i * ldx, yo = yOff + i * ldy;
            if (!int8) {
                bf16Row(bf, in, out, b0, b1, x, xo, y, yo);
            } else if (TWO_PARTS) {
                int8RowHalves(q, scales, in, out, b0, b1, x, xo, y, yo);
            } else {
                int8Row(q, scales, in, out, b0, b1, x, xo, y, yo);
            }
        }
    }

    /** Stores L outputs starting at output j (lanes past {@code out} are not written). */
    private static void store(FloatVector v, float[] y, int yo, int j, int out) {
        if (j + L <= out) v.intoArray(y, yo + j);
        else if (j < out) v.intoArray(y, yo + j, VectorMask.fromLong(F, (1L << (out - j)) - 1));
    }

    /** Panels [b0, b1) of int8 weights (P = L) against one row of x: four panels at a time. */
    private static void int8Row(byte[] q, float[] sc, int in, int out, int b0, int b1, float[] x, int xo, float[] y, int yo) {
        int b = b0;
        for (; b + 4 <= b1; b += 4) {
            int w = b * in * L, st = in * L;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < in; p++, w += L) {
                FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
                a0 = ((FloatVector) ByteVector.fromArray(B, q, w).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, q, w + st).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, q, w + 2 * st).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a2);
                a3 = ((FloatVector) ByteVector.fromArray(B, q, w + 3 * st).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a3);
            }
            int j = b * L;
            store(a0.mul(FloatVector.fromArray(F, sc, j)), y, yo, j, out);
            store(a1.mul(FloatVector.fromArray(F, sc, j + L)), y, yo, j + L, out);
            store(a2.mul(FloatVector.fromArray(F, sc, j + 2 * L)), y, yo, j + 2 * L, out);
            store(a3.mul(FloatVector.fromArray(F, sc, j + 3 * L)), y, yo, j + 3 * L, out);
        }
        for (; b < b1; b++) {
            int w = b * in * L;
            FloatVector a = FloatVector.zero(F);
            for (int p = 0; p < in; p++, w += L) {
                a = ((FloatVector) ByteVector.fromArray(B, q, w).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[xo + p]), a);
            }
            store(a.mul(FloatVector.fromArray(F, sc, b * L)), y, yo, b * L, out);
        }
    }

    /** {@link #int8Row} where a panel is one 8-byte load of two float vectors (P = 2L, 128-bit floats): two panels at a time. */
    private static void int8RowHalves(byte[] q, float[] sc, int in, int out, int b0, int b1, float[] x, int xo, float[] y, int yo) {
        int P = 2 * L, b = b0;
        for (; b + 2 <= b1; b += 2) {
            int w = b * in * P, st = in * P;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < in; p++, w += P) {
                FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
                ByteVector v0 = ByteVector.fromArray(B, q, w), v1 = ByteVector.fromArray(B, q, w + st);
                a0 = ((FloatVector) v0.convertShape(VectorOperators.B2F, F, 0)).fma(xv, a0);
                a1 = ((FloatVector) v0.convertShape(VectorOperators.B2F, F, 1)).fma(xv, a1);
                a2 = ((FloatVector) v1.convertShape(VectorOperators.B2F, F, 0)).fma(xv, a2);
                a3 = ((FloatVector) v1.convertShape(VectorOperators.B2F, F, 1)).fma(xv, a3);
            }
            int j = b * P;
            store(a0.mul(FloatVector.fromArray(F, sc, j)), y, yo, j, out);
            store(a1.mul(FloatVector.fromArray(F, sc, j + L)), y, yo, j + L, out);
            store(a2.mul(FloatVector.fromArray(F, sc, j + 2 * L)), y, yo, j + 2 * L, out);
            store(a3.mul(FloatVector.fromArray(F, sc, j + 3 * L)), y, yo, j + 3 * L, out);
        }
        for (; b < b1; b++) {
            int w = b * in * P;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int p = 0; p < in; p++, w += P) {
                FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
                ByteVector v = ByteVector.fromArray(B, q, w);
                a0 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(xv, a0);
                a1 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(xv, a1);
            }
            int j = b * P;
            store(a0.mul(FloatVector.fromArray(F, sc, j)), y, yo, j, out);
            store(a1.mul(FloatVector.fromArray(F, sc, j + L)), y, yo, j + L, out);
        }
    }

    /** L bf16 values at b[at] as floats (small: inlined). */
    private static FloatVector bf16(short[] b, int at) {
        return ((IntVector) ShortVector.fromArray(S, b, at).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Panels [b0, b1) of bf16 weights (P = L) against one row of x: four panels at a time. */
    private static void bf16Row(short[] bf, int in, int out, int b0, int b1, float[] x, int xo, float[] y, int yo) {
        int b = b0;
        for (; b + 4 <= b1; b += 4) {
            int w = b * in * L, st = in * L;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < in; p++, w += L) {
                FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
                a0 = bf16(bf, w).fma(xv, a0);
                a1 = bf16(bf, w + st).fma(xv, a1);
                a2 = bf16(bf, w + 2 * st).fma(xv, a2);
                a3 = bf16(bf, w + 3 * st).fma(xv, a3);
            }
            int j = b * L;
            store(a0, y, yo, j, out);
            store(a1, y, yo, j + L, out);
            store(a2, y, yo, j + 2 * L, out);
            store(a3, y, yo, j + 3 * L, out);
        }
        for (; b < b1; b++) {
            int w = b * in * L;
            FloatVector a = FloatVector.zero(F);
            for (int p = 0; p < in; p++, w += L) a = bf16(bf, w).fma(FloatVector.broadcast(F, x[xo + p]), a);
            store(a, y, yo, b * L, out);
        }
    }
}
