package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with a {@link NarrowMatrix} W (out × in: int8 with a scale per row, or bf16), widened to F32 in
 * registers: y[i][o] = Σ_p x[i][p]·W[o][p] for rows i of x and outputs o in a range; no bias (callers add theirs).
 *
 * <ul>
 * <li>One row of x ({@link #rows}, the memory-bound matrix-vector case: batch 1, a recurrent step): four weight rows
 * at a time against the same x vector, four accumulators. int8: bytes → floats (B2F) → FMA, the sum times the row's
 * scale at the end; bf16: shorts → ints (S2I) → shift left 16 → floats → FMA. At 128 bits a byte vector is 64
 * bits (8 bytes, two float vectors' worth): both halves are converted from one load.</li>
 * <li>Several rows of x ({@link #block}): blocks of {@link #blockRows} weight rows are widened into a per-thread
 * scratch (q·scale, or the bf16 value) and each x row is multiplied with four widened rows at a time; the block
 * stays in L1/L2 while every x row passes over it, so the widening costs one conversion per weight per call.</li>
 * </ul>
 * Each output is summed in the same order whatever the split over threads (groups of four rows are fixed by the
 * output index), so results do not depend on the thread count.
 */
final class NarrowProducts {
    private NarrowProducts() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** Bytes per int8 load: L, or 8 when a vector holds fewer than 8 floats (the smallest byte vector is 64 bits). */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final int BL = B.length();
    /** True when one byte load holds two float vectors' worth (128-bit floats). */
    private static final boolean TWO_PARTS = BL == 2 * L;
    /** L shorts: one bf16 load per float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    /** The widened weight block of {@link #block}; the accumulators' lanes, summed in index order. */
    private static final Scratch WIDE = new Scratch(), LANES = new Scratch();

    /**
     * The sum of t[off, off + L) in index order: an accumulator stored with intoArray. Not reduceLanes(ADD), whose
     * order differs between C2's intrinsic and the interpreter (results would depend on which thread ran warm code).
     */
    private static float lanes(float[] t, int off) {
        float s = 0f;
        for (int i = off; i < off + L; i++) s += t[i];
        return s;
    }

    /** Weight rows widened at a time by {@link #block}: about 16K floats (64 KB), a multiple of 4. */
    static int blockRows(int in) {
        return Math.max(4, Math.min(256, (16384 / Math.max(1, in)) & ~3));
    }

    /** y[yOff + o] = Σ_p x[xOff + p]·W[o][p] for o in [o0, o1). */
    static void rows(NarrowMatrix w, float[] x, int xOff, float[] y, int yOff, int o0, int o1) {
        int o = o0;
        float[] t = LANES.floats(4 * L);
        if (w.int8Values() != null) {
            for (; o + 4 <= o1; o += 4) {
                if (TWO_PARTS) dot4I8Half(w.int8Values(), w.rowScales(), w.cols(), o, x, xOff, y, yOff, t);
                else dot4I8(w.int8Values(), w.rowScales(), w.cols(), o, x, xOff, y, yOff, t);
            }
            for (; o < o1; o++) y[yOff + o] = dotI8(w.int8Values(), w.cols(), o, x, xOff, t) * w.rowScales()[o];
        } else {
            for (; o + 4 <= o1; o += 4) dot4Bf16(w.bf16Bits(), w.cols(), o, x, xOff, y, yOff, t);
            for (; o < o1; o++) y[yOff + o] = dotBf16(w.bf16Bits(), w.cols(), o, x, xOff, t);
        }
    }

    /**
     * y[yOff + i·ldy + o] = Σ_p x[xOff + i·ldx + p]·W[o][p] for rows i in [0, m) and o in [o0, o1), where o0 is a
     * multiple of {@link #blockRows} and o1 − o0 at most that (one block, widened once into this thread's scratch).
     */
    static void block(NarrowMatrix w, float[] x, int xOff, int ldx, int m, float[] y, int yOff, int ldy, int o0, int o1) {
        int in = w.cols(), n = o1 - o0;
        float[] wide = WIDE.floats(n * in);
        for (int r = 0; r < n; r++) widenRow(w, o0 + r, wide, r * in);
        float[] t = LANES.floats(4 * L);
        for (int i = 0; i < m; i++) {
            int xo = xOff + i * ldx, yo = yOff + i * ldy + o0;
            int r = 0;
            for (; r + 4 <= n; r += 4) dot4F(wide, in, r, x, xo, y, yo, t);
            for (; r < n; r++) y[yo + r] = dotF(wide, r * in, in, x, xo, t);
        }
    }

    /**
     * y = x·Wᵀ for rows [0, m) of x, outputs [0, out): one row per task group of outputs when m = 1, else blocks of
     * {@link #blockRows}; split over {@code pool} on blocks of outputs when the product is big enough.
     */
    static void multiply(NarrowMatrix w, float[] x, int xOff, int ldx, int m, float[] y, int yOff, int ldy, ComputePool pool) {
        int out = w.rows(), in = w.cols();
        int nb = blockRows(in), blocks = (out + nb - 1) / nb;
        boolean split = blocks > 1 && ComputePool.splits(pool, (long) m * out * in);
        if (m == 1) {
            if (!split) rows(w, x, xOff, y, yOff, 0, out);
            else pool.parallelFor(blocks, b -> rows(w, x, xOff, y, yOff, b * nb, Math.min(out, (b + 1) * nb)));
            return;
        }
        if (!split) {
            for (int b = 0; b < blocks; b++) block(w, x, xOff, ldx, m, y, yOff, ldy, b * nb, Math.min(out, (b + 1) * nb));
        } else {
            pool.parallelFor(blocks, b -> block(w, x, xOff, ldx, m, y, yOff, ldy, b * nb, Math.min(out, (b + 1) * nb)));
        }
    }

    /** Row r of W widened (q·scale, or the bf16 value) into dst[off, off + cols). */
    static void widenRow(NarrowMatrix w, int r, float[] dst, int off) {
        int in = w.cols(), base = r * in, p = 0;
        if (w.int8Values() != null) {
            byte[] q = w.int8Values();
            float s = w.rowScales()[r];
            if (!TWO_PARTS) {
                for (int bound = base + in - BL; base + p <= bound; p += L) {
                    FloatVector v = (FloatVector) ByteVector.fromArray(B, q, base + p).convertShape(VectorOperators.B2F, F, 0);
                    v.mul(s).intoArray(dst, off + p);
                }
            }
            for (; p < in; p++) dst[off + p] = (float) q[base + p] * s;
        } else {
            short[] b = w.bf16Bits();
            for (; p <= in - L; p += L) bf16(b, base + p).intoArray(dst, off + p);
            for (; p < in; p++) dst[off + p] = Float.intBitsToFloat(b[base + p] << 16);
        }
    }

    /** L bf16 values at b[at] as floats (small: inlined). */
    private static FloatVector bf16(short[] b, int at) {
        return ((IntVector) ShortVector.fromArray(S, b, at).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** y[yOff + o + k] for k < 4: four int8 rows against x, one byte vector per float vector. */
    private static void dot4I8(byte[] q, float[] sc, int in, int o, float[] x, int xOff, float[] y, int yOff, float[] t) {
        int r0 = o * in, r1 = r0 + in, r2 = r1 + in, r3 = r2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        // a byte load reads BL bytes: stop where the last row's load would pass the row's end
        for (int bound = in - BL; p <= bound; p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + p);
            a0 = ((FloatVector) ByteVector.fromArray(B, q, r0 + p).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a0);
            a1 = ((FloatVector) ByteVector.fromArray(B, q, r1 + p).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a1);
            a2 = ((FloatVector) ByteVector.fromArray(B, q, r2 + p).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a2);
            a3 = ((FloatVector) ByteVector.fromArray(B, q, r3 + p).convertShape(VectorOperators.B2F, F, 0)).fma(xv, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        float s0 = lanes(t, 0), s1 = lanes(t, L), s2 = lanes(t, 2 * L), s3 = lanes(t, 3 * L);
        for (; p < in; p++) {
            float xv = x[xOff + p];
            s0 += q[r0 + p] * xv;
            s1 += q[r1 + p] * xv;
            s2 += q[r2 + p] * xv;
            s3 += q[r3 + p] * xv;
        }
        y[yOff + o] = s0 * sc[o];
        y[yOff + o + 1] = s1 * sc[o + 1];
        y[yOff + o + 2] = s2 * sc[o + 2];
        y[yOff + o + 3] = s3 * sc[o + 3];
    }

    /** {@link #dot4I8} where one 8-byte load holds two float vectors' worth (128-bit floats). */
    private static void dot4I8Half(byte[] q, float[] sc, int in, int o, float[] x, int xOff, float[] y, int yOff, float[] t) {
        int r0 = o * in, r1 = r0 + in, r2 = r1 + in, r3 = r2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (int bound = in - BL; p <= bound; p += BL) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + p), x1 = FloatVector.fromArray(F, x, xOff + p + L);
            ByteVector b0 = ByteVector.fromArray(B, q, r0 + p), b1 = ByteVector.fromArray(B, q, r1 + p);
            ByteVector b2 = ByteVector.fromArray(B, q, r2 + p), b3 = ByteVector.fromArray(B, q, r3 + p);
            a0 = ((FloatVector) b0.convertShape(VectorOperators.B2F, F, 0)).fma(x0, a0);
            a1 = ((FloatVector) b1.convertShape(VectorOperators.B2F, F, 0)).fma(x0, a1);
            a2 = ((FloatVector) b2.convertShape(VectorOperators.B2F, F, 0)).fma(x0, a2);
            a3 = ((FloatVector) b3.convertShape(VectorOperators.B2F, F, 0)).fma(x0, a3);
            a0 = ((FloatVector) b0.convertShape(VectorOperators.B2F, F, 1)).fma(x1, a0);
            a1 = ((FloatVector) b1.convertShape(VectorOperators.B2F, F, 1)).fma(x1, a1);
            a2 = ((FloatVector) b2.convertShape(VectorOperators.B2F, F, 1)).fma(x1, a2);
            a3 = ((FloatVector) b3.convertShape(VectorOperators.B2F, F, 1)).fma(x1, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        float s0 = lanes(t, 0), s1 = lanes(t, L), s2 = lanes(t, 2 * L), s3 = lanes(t, 3 * L);
        for (; p < in; p++) {
            float xv = x[xOff + p];
            s0 += q[r0 + p] * xv;
            s1 += q[r1 + p] * xv;
            s2 += q[r2 + p] * xv;
            s3 += q[r3 + p] * xv;
        }
        y[yOff + o] = s0 * sc[o];
        y[yOff + o + 1] = s1 * sc[o + 1];
        y[yOff + o + 2] = s2 * sc[o + 2];
        y[yOff + o + 3] = s3 * sc[o + 3];
    }

    /** One int8 row against x, unscaled: vector loads where a whole byte vector fits the row, then scalar. */
    private static float dotI8(byte[] q, int in, int o, float[] x, int xOff, float[] t) {
        int r = o * in, p = 0;
        FloatVector a = FloatVector.zero(F);
        if (!TWO_PARTS) {
            for (int bound = in - BL; p <= bound; p += L) {
                a = ((FloatVector) ByteVector.fromArray(B, q, r + p).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xOff + p), a);
            }
        }
        a.intoArray(t, 0);
        float s = lanes(t, 0);
        for (; p < in; p++) s += q[r + p] * x[xOff + p];
        return s;
    }

    /** y[yOff + o + k] for k < 4: four bf16 rows against x. */
    private static void dot4Bf16(short[] b, int in, int o, float[] x, int xOff, float[] y, int yOff, float[] t) {
        int r0 = o * in, r1 = r0 + in, r2 = r1 + in, r3 = r2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (int bound = in - L; p <= bound; p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + p);
            a0 = bf16(b, r0 + p).fma(xv, a0);
            a1 = bf16(b, r1 + p).fma(xv, a1);
            a2 = bf16(b, r2 + p).fma(xv, a2);
            a3 = bf16(b, r3 + p).fma(xv, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        float s0 = lanes(t, 0), s1 = lanes(t, L), s2 = lanes(t, 2 * L), s3 = lanes(t, 3 * L);
        for (; p < in; p++) {
            float xv = x[xOff + p];
            s0 += Float.intBitsToFloat(b[r0 + p] << 16) * xv;
            s1 += Float.intBitsToFloat(b[r1 + p] << 16) * xv;
            s2 += Float.intBitsToFloat(b[r2 + p] << 16) * xv;
            s3 += Float.intBitsToFloat(b[r3 + p] << 16) * xv;
        }
        y[yOff + o] = s0;
        y[yOff + o + 1] = s1;
        y[yOff + o + 2] = s2;
        y[yOff + o + 3] = s3;
    }

    private static float dotBf16(short[] b, int in, int o, float[] x, int xOff, float[] t) {
        int r = o * in, p = 0;
        FloatVector a = FloatVector.zero(F);
        for (int bound = in - L; p <= bound; p += L) a = bf16(b, r + p).fma(FloatVector.fromArray(F, x, xOff + p), a);
        a.intoArray(t, 0);
        float s = lanes(t, 0);
        for (; p < in; p++) s += Float.intBitsToFloat(b[r + p] << 16) * x[xOff + p];
        return s;
    }

    /** Four widened rows (at w[r·in]) against x into y[yOff + r + k]. */
    private static void dot4F(float[] w, int in, int r, float[] x, int xOff, float[] y, int yOff, float[] t) {
        int r0 = r * in, r1 = r0 + in, r2 = r1 + in, r3 = r2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (int bound = in - L; p <= bound; p += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + p);
            a0 = FloatVector.fromArray(F, w, r0 + p).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, r1 + p).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, r2 + p).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, r3 + p).fma(xv, a3);
        }
        a0.intoArray(t, 0);
        a1.intoArray(t, L);
        a2.intoArray(t, 2 * L);
        a3.intoArray(t, 3 * L);
        float s0 = lanes(t, 0), s1 = lanes(t, L), s2 = lanes(t, 2 * L), s3 = lanes(t, 3 * L);
        for (; p < in; p++) {
            float xv = x[xOff + p];
            s0 += w[r0 + p] * xv;
            s1 += w[r1 + p] * xv;
            s2 += w[r2 + p] * xv;
            s3 += w[r3 + p] * xv;
        }
        y[yOff + r] = s0;
        y[yOff + r + 1] = s1;
        y[yOff + r + 2] = s2;
        y[yOff + r + 3] = s3;
    }

    private static float dotF(float[] w, int off, int in, float[] x, int xOff, float[] t) {
        int p = 0;
        FloatVector a = FloatVector.zero(F);
        for (int bound = in - L; p <= bound; p += L) a = FloatVector.fromArray(F, w, off + p).fma(FloatVector.fromArray(F, x, xOff + p), a);
        a.intoArray(t, 0);
        float s = lanes(t, 0);
        for (; p < in; p++) s += w[off + p] * x[xOff + p];
        return s;
    }
}
