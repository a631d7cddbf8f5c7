package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * L×L register transposes between a channel-last block (one row of channels per pixel, rows found through a table)
 * and NCHW planes (one row of pixels per channel): the channels path ({@link DirectConv}) and the Winograd path
 * ({@link WinogradConv}) compute channel-last and write y's planes through them ({@link #transposeOut}), and stage a
 * residual in their blocks the other way ({@link #transposeIn}); the Winograd path also makes its input band
 * channel-last with them. transposeN and transposeInN (N = L): log2 L rounds of two-vector rearranges, each swapping
 * the off-diagonal halves of the 2h×2h blocks. Written out (vectors must stay in locals) by a short generator
 * script, then kept as ordinary source.
 */
final class Transposes {
    private Transposes() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** Per thread: the L×L square of {@link #transposeOut} for groups of fewer than L pixels or channels in all. */
    private static final Scratch EDGE = new Scratch();

    /** Rearranges of the transposes: for a pair of rows (r, r + h), LOh gives the new row r, HIh the new row r + h. */
    private static final VectorShuffle<Float> LO1 = swap(1, true), HI1 = swap(1, false), LO2 = swap(2, true),
            HI2 = swap(2, false), LO4 = swap(4, true), HI4 = swap(4, false), LO8 = swap(8, true), HI8 = swap(8, false);

    /** Lane l of the new row r is lane l of row r where l & h = 0, else lane l − h of row r + h (LO); lane l + h of
     * row r, else lane l of row r + h (HI). Negative indices pick from the second vector. Null where h ≥ L. */
    private static VectorShuffle<Float> swap(int h, boolean lo) {
        if (h >= L) return null;
        int[] ix = new int[L];
        for (int l = 0; l < L; l++) ix[l] = (l & h) == 0 ? (lo ? l : l + h) : (lo ? l - h - L : l - L);
        return VectorShuffle.fromArray(F, ix, 0);
    }

    /**
     * y[yAt + co·ldy + i] = block[rows[i] + co] for i < n, co in [co0, co1), by L×L register transposes. A last group
     * of fewer than L pixels or channels overlaps the one before it (its values are written twice, identically); only
     * when there are fewer than L in all does a group go through the edge scratch. rows holds at least L entries
     * (those past n are overwritten).
     */
    static void transposeOut(float[] block, int[] rows, int n, float[] y, int yAt, int ldy, int co0, int co1) {
        if (n == 0 || co1 <= co0) return;
        float[] edge = null;
        int channels = co1 - co0;
        for (int i0 = 0; i0 < n; i0 += L) {
            int i = n >= L ? Math.min(i0, n - L) : 0, m = Math.min(L, n);
            if (m < L) Arrays.fill(rows, n, L, rows[n - 1]); // the transpose reads L rows (the extra ones are dropped)
            for (int c0 = co0; c0 < co1; c0 += L) {
                int c = channels >= L ? Math.min(c0, co1 - L) : co0, k = Math.min(L, channels), d = yAt + c * ldy + i;
                if (m == L && k == L) {
                    transpose(block, c, rows, i, y, d, ldy);
                } else {
                    if (edge == null) edge = EDGE.floats(L * L);
                    transpose(block, c, rows, i, edge, 0, L);
                    for (int r = 0; r < k; r++) System.arraycopy(edge, r * L, y, d + r * ldy, m);
                }
            }
        }
    }

    /** b[bOff + c·ldb + i] = a[aOff + rows[ri + i] + c] for c, i < L: L rows (from a table) to L columns. */
    static void transpose(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        switch (L) {
            case 16 -> transpose16(a, aOff, rows, ri, b, bOff, ldb);
            case 8 -> transpose8(a, aOff, rows, ri, b, bOff, ldb);
            case 4 -> transpose4(a, aOff, rows, ri, b, bOff, ldb);
            default -> {
                for (int c = 0; c < L; c++) {
                    for (int i = 0; i < L; i++) b[bOff + c * ldb + i] = a[aOff + rows[ri + i] + c];
                }
            }
        }
    }


    /**
     * The inverse of {@link #transposeOut}: block[rows[i] + co] = r[rAt + co·ldr + i] for i < n, co in [co0, co1)
     * (NCHW planes into a channel-last block), by L×L register transposes. A last group of fewer than L pixels or
     * channels overlaps the one before it (written twice, identically); groups of fewer than L in all are copied one
     * float at a time. Reads r at those n × (co1 − co0) elements only.
     */
    static void transposeIn(float[] r, int rAt, int ldr, float[] block, int[] rows, int n, int co0, int co1) {
        if (n == 0 || co1 <= co0) return;
        int channels = co1 - co0;
        for (int i0 = 0; i0 < n; i0 += L) {
            int i = n >= L ? Math.min(i0, n - L) : 0, m = Math.min(L, n);
            for (int c0 = co0; c0 < co1; c0 += L) {
                int c = channels >= L ? Math.min(c0, co1 - L) : co0, k = Math.min(L, channels), s = rAt + c * ldr + i;
                if (m == L && k == L) {
                    transposeIn(r, s, ldr, block, c, rows, i);
                } else {
                    for (int q = 0; q < k; q++) {
                        for (int j = 0; j < m; j++) block[rows[i + j] + c + q] = r[s + q * ldr + j];
                    }
                }
            }
        }
    }

    /** b[bOff + rows[ri + i] + c] = a[aOff + c·lda + i] for c, i < L: L columns to L rows (into a table's rows). */
    private static void transposeIn(float[] a, int aOff, int lda, float[] b, int bOff, int[] rows, int ri) {
        switch (L) {
            case 16 -> transposeIn16(a, aOff, lda, b, bOff, rows, ri);
            case 8 -> transposeIn8(a, aOff, lda, b, bOff, rows, ri);
            case 4 -> transposeIn4(a, aOff, lda, b, bOff, rows, ri);
            default -> {
                for (int c = 0; c < L; c++) {
                    for (int i = 0; i < L; i++) b[bOff + rows[ri + i] + c] = a[aOff + c * lda + i];
                }
            }
        }
    }

    private static void transpose16(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + rows[ri + 4]);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + rows[ri + 5]);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + rows[ri + 6]);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + rows[ri + 7]);
        FloatVector r8 = FloatVector.fromArray(F, a, aOff + rows[ri + 8]);
        FloatVector r9 = FloatVector.fromArray(F, a, aOff + rows[ri + 9]);
        FloatVector r10 = FloatVector.fromArray(F, a, aOff + rows[ri + 10]);
        FloatVector r11 = FloatVector.fromArray(F, a, aOff + rows[ri + 11]);
        FloatVector r12 = FloatVector.fromArray(F, a, aOff + rows[ri + 12]);
        FloatVector r13 = FloatVector.fromArray(F, a, aOff + rows[ri + 13]);
        FloatVector r14 = FloatVector.fromArray(F, a, aOff + rows[ri + 14]);
        FloatVector r15 = FloatVector.fromArray(F, a, aOff + rows[ri + 15]);
        FloatVector t;
        t = r0.rearrange(LO8, r8); r8 = r0.rearrange(HI8, r8); r0 = t;
        t = r1.rearrange(LO8, r9); r9 = r1.rearrange(HI8, r9); r1 = t;
        t = r2.rearrange(LO8, r10); r10 = r2.rearrange(HI8, r10); r2 = t;
        t = r3.rearrange(LO8, r11); r11 = r3.rearrange(HI8, r11); r3 = t;
        t = r4.rearrange(LO8, r12); r12 = r4.rearrange(HI8, r12); r4 = t;
        t = r5.rearrange(LO8, r13); r13 = r5.rearrange(HI8, r13); r5 = t;
        t = r6.rearrange(LO8, r14); r14 = r6.rearrange(HI8, r14); r6 = t;
        t = r7.rearrange(LO8, r15); r15 = r7.rearrange(HI8, r15); r7 = t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r8.rearrange(LO4, r12); r12 = r8.rearrange(HI4, r12); r8 = t;
        t = r9.rearrange(LO4, r13); r13 = r9.rearrange(HI4, r13); r9 = t;
        t = r10.rearrange(LO4, r14); r14 = r10.rearrange(HI4, r14); r10 = t;
        t = r11.rearrange(LO4, r15); r15 = r11.rearrange(HI4, r15); r11 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r8.rearrange(LO2, r10); r10 = r8.rearrange(HI2, r10); r8 = t;
        t = r9.rearrange(LO2, r11); r11 = r9.rearrange(HI2, r11); r9 = t;
        t = r12.rearrange(LO2, r14); r14 = r12.rearrange(HI2, r14); r12 = t;
        t = r13.rearrange(LO2, r15); r15 = r13.rearrange(HI2, r15); r13 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        t = r8.rearrange(LO1, r9); r9 = r8.rearrange(HI1, r9); r8 = t;
        t = r10.rearrange(LO1, r11); r11 = r10.rearrange(HI1, r11); r10 = t;
        t = r12.rearrange(LO1, r13); r13 = r12.rearrange(HI1, r13); r12 = t;
        t = r14.rearrange(LO1, r15); r15 = r14.rearrange(HI1, r15); r14 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
        r4.intoArray(b, bOff + 4 * ldb);
        r5.intoArray(b, bOff + 5 * ldb);
        r6.intoArray(b, bOff + 6 * ldb);
        r7.intoArray(b, bOff + 7 * ldb);
        r8.intoArray(b, bOff + 8 * ldb);
        r9.intoArray(b, bOff + 9 * ldb);
        r10.intoArray(b, bOff + 10 * ldb);
        r11.intoArray(b, bOff + 11 * ldb);
        r12.intoArray(b, bOff + 12 * ldb);
        r13.intoArray(b, bOff + 13 * ldb);
        r14.intoArray(b, bOff + 14 * ldb);
        r15.intoArray(b, bOff + 15 * ldb);
    }

    private static void transpose8(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + rows[ri + 4]);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + rows[ri + 5]);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + rows[ri + 6]);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + rows[ri + 7]);
        FloatVector t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
        r4.intoArray(b, bOff + 4 * ldb);
        r5.intoArray(b, bOff + 5 * ldb);
        r6.intoArray(b, bOff + 6 * ldb);
        r7.intoArray(b, bOff + 7 * ldb);
    }

    private static void transpose4(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
    }

    private static void transposeIn16(float[] a, int aOff, int lda, float[] b, int bOff, int[] rows, int ri) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + lda);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + 2 * lda);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + 3 * lda);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + 4 * lda);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + 5 * lda);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + 6 * lda);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + 7 * lda);
        FloatVector r8 = FloatVector.fromArray(F, a, aOff + 8 * lda);
        FloatVector r9 = FloatVector.fromArray(F, a, aOff + 9 * lda);
        FloatVector r10 = FloatVector.fromArray(F, a, aOff + 10 * lda);
        FloatVector r11 = FloatVector.fromArray(F, a, aOff + 11 * lda);
        FloatVector r12 = FloatVector.fromArray(F, a, aOff + 12 * lda);
        FloatVector r13 = FloatVector.fromArray(F, a, aOff + 13 * lda);
        FloatVector r14 = FloatVector.fromArray(F, a, aOff + 14 * lda);
        FloatVector r15 = FloatVector.fromArray(F, a, aOff + 15 * lda);
        FloatVector t;
        t = r0.rearrange(LO8, r8); r8 = r0.rearrange(HI8, r8); r0 = t;
        t = r1.rearrange(LO8, r9); r9 = r1.rearrange(HI8, r9); r1 = t;
        t = r2.rearrange(LO8, r10); r10 = r2.rearrange(HI8, r10); r2 = t;
        t = r3.rearrange(LO8, r11); r11 = r3.rearrange(HI8, r11); r3 = t;
        t = r4.rearrange(LO8, r12); r12 = r4.rearrange(HI8, r12); r4 = t;
        t = r5.rearrange(LO8, r13); r13 = r5.rearrange(HI8, r13); r5 = t;
        t = r6.rearrange(LO8, r14); r14 = r6.rearrange(HI8, r14); r6 = t;
        t = r7.rearrange(LO8, r15); r15 = r7.rearrange(HI8, r15); r7 = t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r8.rearrange(LO4, r12); r12 = r8.rearrange(HI4, r12); r8 = t;
        t = r9.rearrange(LO4, r13); r13 = r9.rearrange(HI4, r13); r9 = t;
        t = r10.rearrange(LO4, r14); r14 = r10.rearrange(HI4, r14); r10 = t;
        t = r11.rearrange(LO4, r15); r15 = r11.rearrange(HI4, r15); r11 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r8.rearrange(LO2, r10); r10 = r8.rearrange(HI2, r10); r8 = t;
        t = r9.rearrange(LO2, r11); r11 = r9.rearrange(HI2, r11); r9 = t;
        t = r12.rearrange(LO2, r14); r14 = r12.rearrange(HI2, r14); r12 = t;
        t = r13.rearrange(LO2, r15); r15 = r13.rearrange(HI2, r15); r13 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        t = r8.rearrange(LO1, r9); r9 = r8.rearrange(HI1, r9); r8 = t;
        t = r10.rearrange(LO1, r11); r11 = r10.rearrange(HI1, r11); r10 = t;
        t = r12.rearrange(LO1, r13); r13 = r12.rearrange(HI1, r13); r12 = t;
        t = r14.rearrange(LO1, r15); r15 = r14.rearrange(HI1, r15); r14 = t;
        r0.intoArray(b, bOff + rows[ri]);
        r1.intoArray(b, bOff + rows[ri + 1]);
        r2.intoArray(b, bOff + rows[ri + 2]);
        r3.intoArray(b, bOff + rows[ri + 3]);
        r4.intoArray(b, bOff + rows[ri + 4]);
        r5.intoArray(b, bOff + rows[ri + 5]);
        r6.intoArray(b, bOff + rows[ri + 6]);
        r7.intoArray(b, bOff + rows[ri + 7]);
        r8.intoArray(b, bOff + rows[ri + 8]);
        r9.intoArray(b, bOff + rows[ri + 9]);
        r10.intoArray(b, bOff + rows[ri + 10]);
        r11.intoArray(b, bOff + rows[ri + 11]);
        r12.intoArray(b, bOff + rows[ri + 12]);
        r13.intoArray(b, bOff + rows[ri + 13]);
        r14.intoArray(b, bOff + rows[ri + 14]);
        r15.intoArray(b, bOff + rows[ri + 15]);
    }

    private static void transposeIn8(float[] a, int aOff, int lda, float[] b, int bOff, int[] rows, int ri) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + lda);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + 2 * lda);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + 3 * lda);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + 4 * lda);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + 5 * lda);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + 6 * lda);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + 7 * lda);
        FloatVector t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        r0.intoArray(b, bOff + rows[ri]);
        r1.intoArray(b, bOff + rows[ri + 1]);
        r2.intoArray(b, bOff + rows[ri + 2]);
        r3.intoArray(b, bOff + rows[ri + 3]);
        r4.intoArray(b, bOff + rows[ri + 4]);
        r5.intoArray(b, bOff + rows[ri + 5]);
        r6.intoArray(b, bOff + rows[ri + 6]);
        r7.intoArray(b, bOff + rows[ri + 7]);
    }

    private static void transposeIn4(float[] a, int aOff, int lda, float[] b, int bOff, int[] rows, int ri) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + lda);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + 2 * lda);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + 3 * lda);
        FloatVector t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        r0.intoArray(b, bOff + rows[ri]);
        r1.intoArray(b, bOff + rows[ri + 1]);
        r2.intoArray(b, bOff + rows[ri + 2]);
        r3.intoArray(b, bOff + rows[ri + 3]);
    }
}
