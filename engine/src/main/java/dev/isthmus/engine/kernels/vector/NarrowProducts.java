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
 * <p>Layout: panels of {@link #P} consecutive outputs, depth-major within a panel, the last panel padded with zeros.
 * <ul>
 * <li>int8: weight (o, p) at {@code panel(o)·in·P + p·P + o % P}. For each input p one load gives P outputs' weights,
 * widened (B2F) and multiplied by the broadcast x[p] into accumulators that hold outputs in their lanes; eight panels
 * run at a time with 32 vector registers, else four (at 128 bits, two panels of two float vectors each: a byte vector
 * is at least 64 bits). The sums are multiplied by the row scales once at the end.</li>
 * <li>bf16: the inputs in pairs — weight (o, p) at {@code panel(o)·in'·P + (p / 2)·2P + 2·(o % P) + p % 2}, in' = in
 * rounded up to even — so that one load of 2P shorts, read as P ints, gives two inputs' weights: the even one by a
 * shift left of 16, the odd one by masking the low 16 bits. Even and odd inputs go into accumulators of their own
 * (eight chains for four panels), added at the end.</li>
 * <li>int8 coded as bf16 ({@link #forSteps}): the int8 values (|q| ≤ 127, exact in bf16's 8-bit significand) in the
 * bf16 layout, widened as bf16 is and multiplied by the row scales at the end. Twice the bytes of int8, but one
 * operation per widened vector instead of two (sign extension and conversion): the faster form for a matrix small
 * enough to stay in cache, which a recurrent layer's W_hh, read once per step, is.</li>
 * </ul>
 * No lane is ever reduced: each output's sum is one or two chains of FMAs in input order, so results are the same on
 * every thread count, in the interpreter and compiled. The matrix-vector case (batch 1, a recurrent step) reads each
 * weight byte once; more rows of x pass over the panels row by row (or take {@link #widenPanels} and the GEMM).
 */
final class NarrowProducts {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** int8 loads: L bytes, or 8 when a vector holds fewer than 8 floats (the smallest byte vector is 64 bits). */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    /** True when one byte load holds two float vectors' worth (128-bit floats). */
    private static final boolean TWO_PARTS = B.length() == 2 * L;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    /** True when the weights are held as int8 bytes ({@link #q}); else as bf16 pairs ({@link #bf}). */
    private final boolean int8;
    private final int out, in, panels;
    /** Outputs per panel: the byte vector's lanes (int8), or L (bf16). */
    private final int P;
    private final byte[] q;
    private final short[] bf;
    /** An int8 matrix's scales (held as bytes or coded as bf16), padded with zeros to panels·P; null for bf16. */
    private final float[] scales;

    /**
     * Largest int8 matrix {@link #forSteps} codes as bf16, in bytes of the coded form
     * ({@code -Disthmus.narrow.codedMaxBytes}; 0 turns coding off): half the L2 cache of the machines measured (1 MB).
     */
    static final long CODED_MAX_BYTES = Long.getLong("isthmus.narrow.codedMaxBytes", 512 * 1024);

    NarrowProducts(NarrowMatrix w) {
        this(w, false);
    }

    /**
     * For a matrix multiplied again and again (a recurrent layer's W_hh, once per step): an int8 matrix whose bf16
     * coding takes at most {@link #CODED_MAX_BYTES} is coded (it stays in cache, where widening is the cost); others
     * as {@link #NarrowProducts(NarrowMatrix)}. Seed GRU (768 × 256 per layer), 1 thread: the layer's 100 steps took
     * 0.81 ms with int8 bytes and 0.62 ms with bf16 weights.
     */
    static NarrowProducts forSteps(NarrowMatrix w) {
        boolean small = 2L * w.rows() * (w.cols() + 1) <= CODED_MAX_BYTES;
        return new NarrowProducts(w, w.dtype() == dev.isthmus.engine.tensor.DType.I8 && small);
    }

    private NarrowProducts(NarrowMatrix w, boolean codeInt8) {
        boolean fromInt8 = w.dtype() == dev.isthmus.engine.tensor.DType.I8;
        this.int8 = fromInt8 && !codeInt8;
        this.out = w.rows();
        this.in = w.cols();
        this.P = int8 ? B.length() : L;
        this.panels = (out + P - 1) / P;
        int size = Math.multiplyExact(Math.multiplyExact(panels, P), Math.max(int8 ? in : (in + 1) / 2 * 2, 1));
        this.q = int8 ? new byte[size] : null;
        this.bf = int8 ? null : new short[size];
        this.scales = fromInt8 ? new float[panels * P] : null;
        for (int o = 0; o < out; o++) {
            int base = (o / P) * in * P + o % P;
            long row = (long) o * in;
            if (fromInt8) scales[o] = w.rowScale(o);
            if (int8) {
                for (int p = 0; p < in; p++) q[base + p * P] = w.int8At(row + p);
            } else if (fromInt8) { // exact: |q| ≤ 128 has at most 8 significant bits
                for (int p = 0; p < in; p++) bf[pairIndex(o, p, in)] = (short) (Float.floatToRawIntBits(w.int8At(row + p)) >>> 16);
            } else {
                for (int p = 0; p < in; p++) bf[pairIndex(o, p, in)] = w.bf16At(row + p);
            }
        }
    }

    int rows() {
        return out;
    }

    int cols() {
        return in;
    }

    /** True for an int8 matrix held coded as bf16 ({@link #forSteps}). */
    boolean coded() {
        return scales != null && !int8;
    }

    long heldBytes() {
        return (int8 ? q.length : 2L * bf.length) + (scales == null ? 0 : 4L * scales.length);
    }

    /**
     * The weights widened to F32 (int8: q·scale; bf16: exact) into right-operand panels of width {@code nr} (a multiple
     * of {@link #P}), as {@link PackedMatrix#forB} lays out a matrix: weight (o, p) at {@code (o / nr)·in·nr + p·nr +
     * o % nr}, the last panel's columns past {@code out} zero. {@code d} holds at least
     * {@code PackedMatrix.floats(out, in, nr)} floats. For products with many rows, where one widening per call
     * serves them all ({@link NarrowLinearKernel}).
     */
    void widenPanels(float[] d, int nr) {
        widenPanels(d, nr, 0, out);
    }

    /**
     * Outputs [from, to) only ({@code from} a multiple of {@code nr}, {@code to} one or {@code out}), laid out as the
     * panels of a matrix of {@code to − from} outputs: weight (o, p) at {@code ((o − from) / nr)·in·nr + p·nr + o % nr}.
     */
    void widenPanels(float[] d, int nr, int from, int to) {
        if (nr % P != 0) throw new IllegalArgumentException("panel width " + nr + " is not a multiple of " + P);
        if (from % nr != 0 || from < 0 || to > out || (to % nr != 0 && to != out)) {
            throw new IllegalArgumentException("outputs [" + from + ", " + to + ") of " + out + " are not whole panels of " + nr);
        }
        if (to <= from || in == 0) return;
        int last = (to - from - 1) / nr;
        java.util.Arrays.fill(d, last * in * nr, (last + 1) * in * nr, 0f);
        for (int b = from / P, end = (to + P - 1) / P; b < end; b++) {
            int o0 = b * P, dst = ((o0 - from) / nr) * in * nr + o0 % nr;
            if (!int8) widenBf16(bf, scales, in, b, d, dst, nr);
            else if (TWO_PARTS) widenInt8Halves(q, scales, in, b, d, dst, nr);
            else widenInt8(q, scales, in, b, d, dst, nr);
        }
    }

    // one method per loop: kept small, each is compiled whole (see int8Eight)

    /** bf16 panel b widened into d from dst, rows nr apart; times its scales when coded int8 ({@code sc} not null). */
    private static void widenBf16(short[] bf, float[] sc, int in, int b, float[] d, int dst, int nr) {
        int src = b * pairStride(in);
        if (sc == null) {
            for (int p = 0; p < in; p += 2, src += 2 * L, dst += 2 * nr) {
                IntVector v = pairs(bf, src);
                even(v).intoArray(d, dst);
                if (p + 1 < in) odd(v).intoArray(d, dst + nr);
            }
            return;
        }
        FloatVector s = FloatVector.fromArray(F, sc, b * L);
        for (int p = 0; p < in; p += 2, src += 2 * L, dst += 2 * nr) {
            IntVector v = pairs(bf, src);
            even(v).mul(s).intoArray(d, dst);
            if (p + 1 < in) odd(v).mul(s).intoArray(d, dst + nr);
        }
    }

    /** int8 panel b (P = L) times its scales into d from dst, rows nr apart. */
    private static void widenInt8(byte[] q, float[] scales, int in, int b, float[] d, int dst, int nr) {
        FloatVector s0 = FloatVector.fromArray(F, scales, b * L);
        for (int p = 0, src = b * in * L; p < in; p++, src += L, dst += nr) i8(q, src).mul(s0).intoArray(d, dst);
    }

    /** {@link #widenInt8} for panels of two float vectors (P = 2L, 128-bit floats). */
    private static void widenInt8Halves(byte[] q, float[] scales, int in, int b, float[] d, int dst, int nr) {
        int o0 = b * 2 * L;
        FloatVector s0 = FloatVector.fromArray(F, scales, o0), s1 = FloatVector.fromArray(F, scales, o0 + L);
        for (int p = 0, src = b * in * 2 * L; p < in; p++, src += 2 * L, dst += nr) {
            ByteVector v = ByteVector.fromArray(B, q, src);
            ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(s0).intoArray(d, dst);
            ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).mul(s1).intoArray(d, dst + L);
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
        int i = 0;
        // rows in pairs where there are registers for both: each weight vector widened once for two rows
        for (; PAIRS && !TWO_PARTS && i + 2 <= m; i += 2) {
            int xo = xOff + i * ldx, yo = yOff + i * ldy;
            int b = int8 ? int8Pairs(q, scales, in, out, b0, b1, x, xo, xo + ldx, y, yo, yo + ldy)
                    : bf16Pairs(bf, scales, in, out, b0, b1, x, xo, xo + ldx, y, yo, yo + ldy);
            for (int r = 0; r < 2 && b < b1; r++) row(x, xo + r * ldx, y, yo + r * ldy, b, b1);
        }
        for (; i < m; i++) row(x, xOff + i * ldx, y, yOff + i * ldy, b0, b1);
    }

    /** Panels [b0, b1) against the row of x at xo, into y at yo. */
    private void row(float[] x, int xo, float[] y, int yo, int b0, int b1) {
        if (!int8) {
            bf16Row(bf, scales, in, out, b0, b1, x, xo, y, yo);
        } else if (TWO_PARTS) {
            int8RowHalves(q, scales, in, out, b0, b1, x, xo, y, yo);
        } else {
            int8Row(q, scales, in, out, b0, b1, x, xo, y, yo);
        }
    }

    /**
     * Rows in pairs with 32 vector registers (AVX-512, NEON): sixteen accumulators. Each output's sum is the same chain
     * of FMAs, in the same order, as one row alone makes, so results do not depend on how rows are grouped.
     */
    private static final boolean PAIRS = Species.WIDE_REGISTERS;

    /** Two rows against full int8 panels from b0, eight at a time; returns the first panel left for {@link #row}. */
    private static int int8Pairs(byte[] q, float[] sc, int in, int out, int b0, int b1, float[] x, int xa, int xb, float[] y, int ya,
                                 int yb) {
        int b = b0, full = Math.min(b1, out / L);
        for (; b + 8 <= full; b += 8) {
            int8EightPair(q, sc, in, b, 0, x, xa, xb, y, ya, yb);
            int8EightPair(q, sc, in, b, 4, x, xa, xb, y, ya, yb);
        }
        return b;
    }

    /**
     * Panels b + h … b + h + 3 of eight against two rows (four panels × two rows: eight chains, as many as
     * {@link #int8Eight} runs for one row).
     */
    private static void int8EightPair(byte[] q, float[] sc, int in, int b, int h, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        int st = in * L, w = (b + h) * st;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int p = 0; p < in; p++, w += L) {
            FloatVector xva = FloatVector.broadcast(F, x[xa + p]), xvb = FloatVector.broadcast(F, x[xb + p]);
            FloatVector w0 = i8(q, w), w1 = i8(q, w + st), w2 = i8(q, w + 2 * st), w3 = i8(q, w + 3 * st);
            a0 = w0.fma(xva, a0);
            c0 = w0.fma(xvb, c0);
            a1 = w1.fma(xva, a1);
            c1 = w1.fma(xvb, c1);
            a2 = w2.fma(xva, a2);
            c2 = w2.fma(xvb, c2);
            a3 = w3.fma(xva, a3);
            c3 = w3.fma(xvb, c3);
        }
        int j = (b + h) * L;
        FloatVector s0 = FloatVector.fromArray(F, sc, j), s1 = FloatVector.fromArray(F, sc, j + L);
        FloatVector s2 = FloatVector.fromArray(F, sc, j + 2 * L), s3 = FloatVector.fromArray(F, sc, j + 3 * L);
        a0.mul(s0).intoArray(y, ya + j);
        a1.mul(s1).intoArray(y, ya + j + L);
        a2.mul(s2).intoArray(y, ya + j + 2 * L);
        a3.mul(s3).intoArray(y, ya + j + 3 * L);
        c0.mul(s0).intoArray(y, yb + j);
        c1.mul(s1).intoArray(y, yb + j + L);
        c2.mul(s2).intoArray(y, yb + j + 2 * L);
        c3.mul(s3).intoArray(y, yb + j + 3 * L);
    }

    /** Two rows against full bf16 panels from b0, four at a time; returns the first panel left for {@link #row}. */
    private static int bf16Pairs(short[] bf, float[] sc, int in, int out, int b0, int b1, float[] x, int xa, int xb, float[] y, int ya,
                                 int yb) {
        int b = b0, full = Math.min(b1, out / L);
        for (; b + 4 <= full; b += 4) {
            bf16TwoPair(bf, sc, in, b, x, xa, xb, y, ya, yb);
            bf16TwoPair(bf, sc, in, b + 2, x, xa, xb, y, ya, yb);
        }
        return b;
    }

    /**
     * Panels b, b + 1 against two rows: even and odd inputs in chains of their own per row and panel (eight chains,
     * as {@link #bf16Four} has for one row), each the chain one row alone makes.
     */
    private static void bf16TwoPair(short[] bf, float[] sc, int in, int b, float[] x, int xa, int xb, float[] y, int ya, int yb) {
        int pairs = in / 2, st = pairStride(in), w = b * st;
        FloatVector ea0 = FloatVector.zero(F), ea1 = ea0, oa0 = ea0, oa1 = ea0, eb0 = ea0, eb1 = ea0, ob0 = ea0, ob1 = ea0;
        for (int k = 0; k < pairs; k++, w += 2 * L) {
            FloatVector xa0 = FloatVector.broadcast(F, x[xa + 2 * k]), xa1 = FloatVector.broadcast(F, x[xa + 2 * k + 1]);
            FloatVector xb0 = FloatVector.broadcast(F, x[xb + 2 * k]), xb1 = FloatVector.broadcast(F, x[xb + 2 * k + 1]);
            IntVector v0 = pairs(bf, w), v1 = pairs(bf, w + st);
            FloatVector e0 = even(v0), o0 = odd(v0), e1 = even(v1), o1 = odd(v1);
            ea0 = e0.fma(xa0, ea0);
            eb0 = e0.fma(xb0, eb0);
            oa0 = o0.fma(xa1, oa0);
            ob0 = o0.fma(xb1, ob0);
            ea1 = e1.fma(xa0, ea1);
            eb1 = e1.fma(xb0, eb1);
            oa1 = o1.fma(xa1, oa1);
            ob1 = o1.fma(xb1, ob1);
        }
        if ((in & 1) != 0) {
            FloatVector xa0 = FloatVector.broadcast(F, x[xa + in - 1]), xb0 = FloatVector.broadcast(F, x[xb + in - 1]);
            FloatVector e0 = even(pairs(bf, w)), e1 = even(pairs(bf, w + st));
            ea0 = e0.fma(xa0, ea0);
            eb0 = e0.fma(xb0, eb0);
            ea1 = e1.fma(xa0, ea1);
            eb1 = e1.fma(xb0, eb1);
        }
        int j = b * L;
        ea0 = ea0.add(oa0);
        ea1 = ea1.add(oa1);
        eb0 = eb0.add(ob0);
        eb1 = eb1.add(ob1);
        if (sc != null) {
            FloatVector s0 = FloatVector.fromArray(F, sc, j), s1 = FloatVector.fromArray(F, sc, j + L);
            ea0 = ea0.mul(s0);
            ea1 = ea1.mul(s1);
            eb0 = eb0.mul(s0);
            eb1 = eb1.mul(s1);
        }
        ea0.intoArray(y, ya + j);
        ea1.intoArray(y, ya + j + L);
        eb0.intoArray(y, yb + j);
        eb1.intoArray(y, yb + j + L);
    }

    /** Stores L outputs starting at output j (lanes past {@code out} are not written). */
    private static void store(FloatVector v, float[] y, int yo, int j, int out) {
        if (j + L <= out) v.intoArray(y, yo + j);
        else if (j < out) v.intoArray(y, yo + j, VectorMask.fromLong(F, (1L << (out - j)) - 1));
    }

    /** Panels [b0, b1) of int8 weights (P = L) against one row of x: eight (wide registers) or four panels at a time. */
    private static void int8Row(byte[] q, float[] sc, int in, int out, int b0, int b1, float[] x, int xo, float[] y, int yo) {
        int b = b0, full = Math.min(b1, out / L);
        for (; EIGHT && b + 8 <= full; b += 8) int8Eight(q, sc, in, b, x, xo, y, yo);
        for (; b + 4 <= b1; b += 4) int8Four(q, sc, in, out, b, x, xo, y, yo);
        for (; b < b1; b++) int8One(q, sc, in, out, b, x, xo, y, yo);
    }

    /**
     * Panels b … b + 7, all full (no masked stores). Each loop is in a method of its own, small enough for C2 to
     * compile it whole: a larger one can exceed its node budget and leave vector calls uninlined (boxed).
     */
    private static void int8Eight(byte[] q, float[] sc, int in, int b, float[] x, int xo, float[] y, int yo) {
        int w = b * in * L, st = in * L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int p = 0; p < in; p++, w += L) {
            FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
            a0 = i8(q, w).fma(xv, a0);
            a1 = i8(q, w + st).fma(xv, a1);
            a2 = i8(q, w + 2 * st).fma(xv, a2);
            a3 = i8(q, w + 3 * st).fma(xv, a3);
            a4 = i8(q, w + 4 * st).fma(xv, a4);
            a5 = i8(q, w + 5 * st).fma(xv, a5);
            a6 = i8(q, w + 6 * st).fma(xv, a6);
            a7 = i8(q, w + 7 * st).fma(xv, a7);
        }
        int j = b * L;
        a0.mul(FloatVector.fromArray(F, sc, j)).intoArray(y, yo + j);
        a1.mul(FloatVector.fromArray(F, sc, j + L)).intoArray(y, yo + j + L);
        a2.mul(FloatVector.fromArray(F, sc, j + 2 * L)).intoArray(y, yo + j + 2 * L);
        a3.mul(FloatVector.fromArray(F, sc, j + 3 * L)).intoArray(y, yo + j + 3 * L);
        a4.mul(FloatVector.fromArray(F, sc, j + 4 * L)).intoArray(y, yo + j + 4 * L);
        a5.mul(FloatVector.fromArray(F, sc, j + 5 * L)).intoArray(y, yo + j + 5 * L);
        a6.mul(FloatVector.fromArray(F, sc, j + 6 * L)).intoArray(y, yo + j + 6 * L);
        a7.mul(FloatVector.fromArray(F, sc, j + 7 * L)).intoArray(y, yo + j + 7 * L);
    }

    /** Panels b … b + 3. */
    private static void int8Four(byte[] q, float[] sc, int in, int out, int b, float[] x, int xo, float[] y, int yo) {
        int w = b * in * L, st = in * L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int p = 0; p < in; p++, w += L) {
            FloatVector xv = FloatVector.broadcast(F, x[xo + p]);
            a0 = i8(q, w).fma(xv, a0);
            a1 = i8(q, w + st).fma(xv, a1);
            a2 = i8(q, w + 2 * st).fma(xv, a2);
            a3 = i8(q, w + 3 * st).fma(xv, a3);
        }
        int j = b * L;
        store(a0.mul(FloatVector.fromArray(F, sc, j)), y, yo, j, out);
        store(a1.mul(FloatVector.fromArray(F, sc, j + L)), y, yo, j + L, out);
        store(a2.mul(FloatVector.fromArray(F, sc, j + 2 * L)), y, yo, j + 2 * L, out);
        store(a3.mul(FloatVector.fromArray(F, sc, j + 3 * L)), y, yo, j + 3 * L, out);
    }

    /** Panel b. */
    private static void int8One(byte[] q, float[] sc, int in, int out, int b, float[] x, int xo, float[] y, int yo) {
        int w = b * in * L;
        FloatVector a = FloatVector.zero(F);
        for (int p = 0; p < in; p++, w += L) a = i8(q, w).fma(FloatVector.broadcast(F, x[xo + p]), a);
        store(a.mul(FloatVector.fromArray(F, sc, b * L)), y, yo, b * L, out);
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

    /** Eight panels at a time when there are registers for them (AVX-512, NEON): enough independent FMA chains. */
    private static final boolean EIGHT = Species.WIDE_REGISTERS;

    /** L int8 values at q[at] as floats (small: inlined). */
    private static FloatVector i8(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, F, 0);
    }

    /** bf16 pair loads: 2L shorts, reinterpreted as L ints (a pair of inputs per output lane). */
    private static final VectorSpecies<Short> S2 = VectorSpecies.of(short.class, F.vectorShape());

    /** The L pairs at b[at] as ints: weight of the even input in the low half, of the odd input in the high half. */
    private static IntVector pairs(short[] b, int at) {
        return (IntVector) ShortVector.fromArray(S2, b, at).reinterpretAsInts();
    }

    /** The even inputs' weights of {@link #pairs}, as floats. */
    private static FloatVector even(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd inputs' weights of {@link #pairs}, as floats. */
    private static FloatVector odd(IntVector v) {
        return v.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
    }

    /**
     * Panels [b0, b1) of bf16 weights (P = L, inputs in pairs) against one row of x: four panels at a time. Each pair
     * is one load, widened by a shift (the even input) and a mask (the odd one); even and odd inputs go into
     * accumulators of their own (eight chains for four panels), added at the end, and times the row scales when the
     * weights are coded int8 ({@code sc} not null).
     */
    private static void bf16Row(short[] bf, float[] sc, int in, int out, int b0, int b1, float[] x, int xo, float[] y, int yo) {
        int b = b0;
        for (; b + 4 <= b1; b += 4) bf16Four(bf, sc, in, out, b, x, xo, y, yo);
        for (; b < b1; b++) bf16One(bf, sc, in, out, b, x, xo, y, yo);
    }

    /** Panels b … b + 3 (in a method of its own, so that C2 compiles the loop whole). */
    private static void bf16Four(short[] bf, float[] sc, int in, int out, int b, float[] x, int xo, float[] y, int yo) {
        int pairs = in / 2, st = pairStride(in), w = b * st;
        FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        for (int k = 0; k < pairs; k++, w += 2 * L) {
            FloatVector x0 = FloatVector.broadcast(F, x[xo + 2 * k]), x1 = FloatVector.broadcast(F, x[xo + 2 * k + 1]);
            IntVector v0 = pairs(bf, w), v1 = pairs(bf, w + st), v2 = pairs(bf, w + 2 * st), v3 = pairs(bf, w + 3 * st);
            e0 = even(v0).fma(x0, e0);
            e1 = even(v1).fma(x0, e1);
            e2 = even(v2).fma(x0, e2);
            e3 = even(v3).fma(x0, e3);
            o0 = odd(v0).fma(x1, o0);
            o1 = odd(v1).fma(x1, o1);
            o2 = odd(v2).fma(x1, o2);
            o3 = odd(v3).fma(x1, o3);
        }
        if ((in & 1) != 0) {
            FloatVector x0 = FloatVector.broadcast(F, x[xo + in - 1]);
            e0 = even(pairs(bf, w)).fma(x0, e0);
            e1 = even(pairs(bf, w + st)).fma(x0, e1);
            e2 = even(pairs(bf, w + 2 * st)).fma(x0, e2);
            e3 = even(pairs(bf, w + 3 * st)).fma(x0, e3);
        }
        int j = b * L;
        e0 = e0.add(o0);
        e1 = e1.add(o1);
        e2 = e2.add(o2);
        e3 = e3.add(o3);
        if (sc != null) {
            e0 = e0.mul(FloatVector.fromArray(F, sc, j));
            e1 = e1.mul(FloatVector.fromArray(F, sc, j + L));
            e2 = e2.mul(FloatVector.fromArray(F, sc, j + 2 * L));
            e3 = e3.mul(FloatVector.fromArray(F, sc, j + 3 * L));
        }
        store(e0, y, yo, j, out);
        store(e1, y, yo, j + L, out);
        store(e2, y, yo, j + 2 * L, out);
        store(e3, y, yo, j + 3 * L, out);
    }

    /** Panel b. */
    private static void bf16One(short[] bf, float[] sc, int in, int out, int b, float[] x, int xo, float[] y, int yo) {
        int pairs = in / 2, w = b * pairStride(in);
        FloatVector e = FloatVector.zero(F), o = e;
        for (int k = 0; k < pairs; k++, w += 2 * L) {
            IntVector v = pairs(bf, w);
            e = even(v).fma(FloatVector.broadcast(F, x[xo + 2 * k]), e);
            o = odd(v).fma(FloatVector.broadcast(F, x[xo + 2 * k + 1]), o);
        }
        if ((in & 1) != 0) e = even(pairs(bf, w)).fma(FloatVector.broadcast(F, x[xo + in - 1]), e);
        e = e.add(o);
        if (sc != null) e = e.mul(FloatVector.fromArray(F, sc, b * L));
        store(e, y, yo, b * L, out);
    }

    /** bf16: shorts per panel, the inputs rounded up to a pair. */
    private static int pairStride(int in) {
        return (in + 1) / 2 * 2 * L;
    }

    /** bf16: index of weight (o, p) in the pair layout (P = L). */
    private static int pairIndex(int o, int p, int in) {
        return (o / L) * pairStride(in) + (p / 2) * 2 * L + (o % L) * 2 + (p & 1);
    }
}
