package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Scratch;

import java.util.Arrays;

/**
 * Products of two activations, c = a·b or a·bᵀ (matmul, bmm, a transposed operand read in place): neither operand
 * is known at load, so B is packed per call, into the GEMM's NR-column panels in a per-thread scratch buffer (as
 * {@link AttentionKernel} packs K and V), and the product runs on {@link PackedGemm}'s register tiles: A read in place
 * up to {@value Tiles#SKINNY_M} rows or beside a single panel of B, packed otherwise. Edge tiles go through the GEMM's scratch, so nothing past n
 * columns of a row of c is written.
 *
 * <p>Small products (m·n·k ≤ {@value #SMALL}) skip the packing: a plain loop (sums in double, the reference's) costs
 * less than setting up the tiles. Which path runs depends on the shape only. Single-threaded: callers run one
 * product per batch matrix. Allocates nothing in steady state.
 */
public final class MatmulKernel {
    private MatmulKernel() {
    }

    /** At most this many multiply-adds: the plain loop. */
    static final int SMALL = 256;

    /** Per thread: B packed as panels. */
    private static final Scratch PANELS = new Scratch();

    /**
     * c (m × n, row stride ldc) = a (m × k, row stride lda) · b, where b is (k × n) with row stride ldb, or with
     * {@code transB} (n × k) with row stride ldb. c must not overlap a or b.
     */
    public static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff,
                                int ldc, int m, int n, int k) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        if ((long) m * n * k <= SMALL) {
            small(a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, m, n, k);
            return;
        }
        int nr = PackedGemm.panelWidth();
        float[] bp = PANELS.floats(PackedGemm.panelFloats(n, k));
        if (transB) PackedMatrix.packInto(b, bOff, ldb, n, k, nr, bp, null);
        else PackedGemm.packRowsAsPanels(b, bOff, ldb, k, n, bp, 0);
        PackedGemm.multiplyByPanels(a, aOff, lda, m, bp, n, k, c, cOff, ldc, null);
    }

    private static void small(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff,
                              int ldc, int m, int n, int k) {
        int bj = transB ? ldb : 1, bp = transB ? 1 : ldb; // b[j][p] at bOff + j·bj + p·bp
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0, at = bOff + j * bj; p < k; p++, at += bp) s += (double) a[ai + p] * b[at];
                c[cOff + i * ldc + j] = (float) s;
            }
        }
    }
}
