package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;

import java.util.Objects;

import static dev.isthmus.engine.kernels.vector.Tiles.KC;
import static dev.isthmus.engine.kernels.vector.Tiles.MC;
import static dev.isthmus.engine.kernels.vector.Tiles.MR;
import static dev.isthmus.engine.kernels.vector.Tiles.NC;
import static dev.isthmus.engine.kernels.vector.Tiles.NR;

/**
 * Single-precision GEMM in the BLIS / MLAS style: C (m × n) = epilogue(A (m × k) · B (k × n)), B packed once into
 * column panels ({@link PackedMatrix#forB}), A either packed per call into MR-row panels (once, in parallel, read
 * in MC × KC blocks that stay in L2) or, for skinny shapes (m ≤ {@value Tiles#SKINNY_M}) and where B is a single
 * panel, read in place — packing would cost as much as the product. Loops: output block (task) → depth block of KC → B panel of NR columns (its
 * KC×NR sliver stays in L1/L2) → MR-row tile (micro-kernel). The block gets the epilogue (bias, activation,
 * residual) right after its last depth block, row by row, while it is in L2; a residual that comes before the
 * activation is instead where the block's sums start (the tiles accumulate onto it). Where the epilogue is only a per-row bias and
 * none/ReLU/ReLU6 and A is packed, the full tiles apply it in registers before their one store
 * ({@link MicroKernels#packed12x2Bias}).
 *
 * <p>Its single-thread speed against the register tile's L1 peak is measured in bench/kernels-results.md.
 *
 * <p>Threads: tasks are output blocks of at most MC rows × NC columns; every element of C is summed in the same
 * order whatever the block split and thread count, so results are bitwise identical for every pool size.
 */
public final class PackedGemm {
    private PackedGemm() {
    }

    /**
     * C[i][j] = epilogue(Σ_p A[i][p]·B[j][p]) where A is row-major at {@code a[aOff + i·lda + p]} and B is the packed
     * (n × k) right operand (a Linear weight as stored by PyTorch). C is row-major at {@code c[cOff + i·ldc + j]}.
     * Allocates nothing in steady state (A, when packed, goes to a per-thread scratch buffer).
     */
    public static void multiply(float[] a, int aOff, int lda, int m, PackedMatrix b, float[] c, int cOff, int ldc,
                                Epilogue ep, ComputePool pool) {
        multiply(a, aOff, lda, m, b, c, cOff, ldc, ep, null, 0, 0, pool);
    }

    /**
     * {@link #multiply(float[], int, int, int, PackedMatrix, float[], int, int, Epilogue, ComputePool)} with, when
     * {@code residual} is not null, residual[resOff + i·resLd + j] in place of the epilogue's own residual (added
     * after the activation, or before it when the epilogue was built with
     * {@link Epilogue#withResidualBeforeActivation}): saves an {@link Epilogue#withResidual} per call.
     */
    static void multiply(float[] a, int aOff, int lda, int m, PackedMatrix b, float[] c, int cOff, int ldc,
                         Epilogue ep, float[] residual, int resOff, int resLd, ComputePool pool) {
        Objects.requireNonNull(b, "b");
        if (b.width != NR) throw new IllegalArgumentException("B was not packed as a right operand");
        int n = b.count, k = b.depth;
        checkC(c, cOff, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (k > 0) checkRows(a, aOff, lda, m, k, "A");
        Epilogue e = ep == null ? Epilogue.NONE : ep;
        if (residual == null) {
            residual = e.residual;
            resOff = e.resOff;
            resLd = e.resLd;
        }
        if (e.residualFirst) checkResidualFirst(c, cOff, ldc, m, n, residual, resOff, resLd);
        Job job = Job.acquire();
        try {
            if (readsAInPlace(m, n)) {
                job.set(Job.DIRECT, a, aOff, lda, m, b.data, 0, n, k, c, cOff, ldc);
            } else {
                float[] ap = PACKED_A.floats(PackedMatrix.floats(m, k, MR));
                PackedMatrix.packInto(a, aOff, lda, m, k, MR, ap, pool);
                job.set(Job.PACKED, ap, 0, 0, m, b.data, 0, n, k, c, cOff, ldc);
            }
            job.epilogue(e.bias, e.biasOff, e.biasPerRow, e.act, residual, resOff, resLd, e.residualFirst);
            job.run(pool);
        } finally {
            job.release();
        }
    }

    /**
     * C = A·B, no epilogue, with B given as NR-column panels at {@code bPanels[p·k·NR + q·NR + j]} (a right operand
     * packed per call, e.g. by {@link MatmulKernel}: {@link PackedMatrix#packInto} or {@link #packRowsAsPanels}); A
     * row-major at {@code a[aOff + i·lda + q]}, read in place or packed, and C written as {@link #multiply} does.
     */
    static void multiplyByPanels(float[] a, int aOff, int lda, int m, float[] bPanels, int n, int k, float[] c, int cOff, int ldc,
                                 ComputePool pool) {
        multiplyByPanels(a, aOff, lda, readsAInPlace(m, n) ? null : packRows(a, aOff, lda, m, k, pool), m, bPanels, n, k, c, cOff,
                ldc, pool);
    }

    /**
     * A (m × k, row-major at {@code a[aOff + i·lda + q]}) packed as the GEMM packs it, into a per-thread scratch, or
     * null when m is small enough that the GEMM reads A in place: for several products of the same A against blocks
     * of B ({@link #multiplyByPanels(float[], int, int, float[], int, float[], int, int, float[], int, int, ComputePool)}).
     */
    static float[] packRows(float[] a, int aOff, int lda, int m, int k, ComputePool pool) {
        if (m <= Tiles.SKINNY_M) return null;
        if (k > 0) checkRows(a, aOff, lda, m, k, "A");
        float[] ap = PACKED_A.floats(PackedMatrix.floats(m, k, MR));
        PackedMatrix.packInto(a, aOff, lda, m, k, MR, ap, pool);
        return ap;
    }

    /** {@link #multiplyByPanels} with A already packed by {@link #packRows} ({@code packedA}), or read in place when null. */
    static void multiplyByPanels(float[] a, int aOff, int lda, float[] packedA, int m, float[] bPanels, int n, int k, float[] c, int cOff,
                                 int ldc, ComputePool pool) {
        checkC(c, cOff, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (k > 0 && packedA == null) checkRows(a, aOff, lda, m, k, "A");
        Job job = Job.acquire();
        try {
            if (packedA == null) {
                job.set(Job.DIRECT, a, aOff, lda, m, bPanels, 0, n, k, c, cOff, ldc);
            } else {
                job.set(Job.PACKED, packedA, 0, 0, m, bPanels, 0, n, k, c, cOff, ldc);
            }
            job.epilogue(null, 0, false, Activation.NONE, null, 0, 0, false);
            job.run(pool);
        } finally {
            job.release();
        }
    }

    /**
     * {@code count} products on the calling thread, no epilogue: for t < count, C_t[i][j] = Σ_p A_t[i][p]·B[t·n + col0
     * + j][p] for i < m, j < cols, with A_t (m × k, row-major, read in place as the skinny products read it) at
     * {@code a[aOff + t·aStride + i·lda + p]} and C_t at {@code c[cOff + t·cStride + i·ldc + col0 + j]}: B stacks the
     * products' right operands, n (a multiple of {@link #panelWidth}) columns each. col0 is a multiple of
     * {@link #panelWidth} and col0 + cols ≤ n, and each element is summed in the same order whatever col0 and cols
     * (the Winograd convolution splits its products so). The products share each register tile's set-up: one call of
     * the 12-row tile per block of rows for all of them rather than one multiply per product.
     */
    public static void multiplyStackedInPlace(float[] a, int aOff, int aStride, int lda, int m, PackedMatrix b, int count,
                                              int n, int col0, int cols, float[] c, int cOff, int cStride, int ldc) {
        if (b.width != NR) throw new IllegalArgumentException("B was not packed as a right operand");
        if (count < 1 || n % NR != 0 || (long) count * n > b.count || col0 % NR != 0 || cols < 0 || col0 + cols > n) {
            throw new IllegalArgumentException("bad stack: " + count + " × " + n + " columns of " + b.count + ", columns ["
                    + col0 + ", " + (col0 + cols) + ")");
        }
        int k = b.depth;
        if (m == 0 || cols == 0) return;
        for (int t = 0; t < count; t += Math.max(1, count - 1)) { // the first and last products bound the others
            checkC(c, cOff + t * cStride + col0, ldc, m, cols);
            if (k > 0) checkRows(a, aOff + t * aStride, lda, m, k, "A");
        }
        if (k == 0) {
            for (int t = 0; t < count; t++) {
                for (int i = 0; i < m; i++) {
                    int at = cOff + t * cStride + i * ldc + col0;
                    java.util.Arrays.fill(c, at, at + cols, 0f);
                }
            }
            return;
        }
        float[] edge = EDGE.floats(MR * NR);
        int bStride = n * k, p1 = (col0 + cols + NR - 1) / NR;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            boolean acc = k0 > 0;
            for (int p = col0 / NR; p < p1; p++) {
                int bk = p * k * NR + k0 * NR, w = Math.min(NR, col0 + cols - p * NR);
                for (int i0 = 0; i0 < m; i0 += MR) {
                    int rows = Math.min(MR, m - i0), ao = aOff + i0 * lda + k0, co = cOff + i0 * ldc + p * NR;
                    if (rows == MR && w == NR && Tiles.WIDE) {
                        MicroKernels.direct12x2(a, ao, lda, rows, b.data, bk, kc, c, co, ldc, acc, count, aStride, bStride, cStride);
                        continue;
                    }
                    for (int t = 0; t < count; t++) {
                        int at = ao + t * aStride, bt = bk + t * bStride, ct = co + t * cStride;
                        if (rows == MR && w == NR) {
                            tileDirect(a, at, lda, rows, b.data, bt, kc, c, ct, ldc, acc);
                        } else {
                            if (rows == 1) MicroKernels.row1x2(a, at, b.data, bt, kc, edge, 0, false);
                            else tileDirect(a, at, lda, rows, b.data, bt, kc, edge, 0, NR, false);
                            merge(edge, rows, w, c, ct, ldc, acc);
                        }
                    }
                }
            }
        }
    }

    /** Copies (or adds) the valid rows × cols of an edge tile computed into {@code edge} to C at c[co + i·ldc + j]. */
    private static void merge(float[] edge, int rows, int cols, float[] c, int co, int ldc, boolean acc) {
        for (int i = 0; i < rows; i++) {
            int d = co + i * ldc, s = i * NR;
            if (acc) {
                Elementwise.addInPlace(c, d, edge, s, cols);
            } else {
                System.arraycopy(edge, s, c, d, cols);
            }
        }
    }

    /** Per thread: A packed by {@link #multiply} (handed to the pool's workers for the duration of the call). */
    private static final Scratch PACKED_A = new Scratch();
    /** A zero bias for the fused tile kernels of a GEMM without one (+0 leaves every sum as it is, −0 included). */
    private static final float[] ZERO_BIAS = new float[Tiles.MR];
    /** Per thread: the edge tile of {@link Job#block}. */
    private static final Scratch EDGE = new Scratch();

    /**
     * C = epilogue(A·B) with A packed as a left operand ({@link PackedMatrix#forA}, e.g. convolution weights) and B
     * given as NR-column panels already laid out at {@code bPanels[bOff + panel·k·NR + p·NR + j]} (e.g. by im2col).
     */
    public static void multiplyPanels(PackedMatrix a, float[] bPanels, int bOff, int n, float[] c, int cOff, int ldc,
                                      Epilogue ep, ComputePool pool) {
        Epilogue e = ep == null ? Epilogue.NONE : ep;
        multiplyPanels(a, bPanels, bOff, n, c, cOff, ldc, e.bias, e.biasOff, e.biasPerRow, e.act, e.residual, e.resOff, e.resLd,
                e.residualFirst, pool);
    }

    /**
     * {@link #multiplyPanels(PackedMatrix, float[], int, int, float[], int, int, Epilogue, ComputePool)} with the
     * epilogue's parts spelled out (no {@link Epilogue} per call): bias per column or per row (may be null), the
     * activation, and the residual (may be null) added after the activation, or before it when
     * {@code residualFirst} (see {@link Epilogue#withResidualBeforeActivation}; it may then be C itself).
     */
    public static void multiplyPanels(PackedMatrix a, float[] bPanels, int bOff, int n, float[] c, int cOff, int ldc,
                                      float[] bias, int biasOff, boolean biasPerRow, Activation act, float[] residual,
                                      int resOff, int resLd, boolean residualFirst, ComputePool pool) {
        if (a.width != MR) throw new IllegalArgumentException("A was not packed as a left operand");
        int m = a.count, k = a.depth;
        checkC(c, cOff, ldc, m, n);
        if (m == 0 || n == 0) return;
        if (residualFirst) checkResidualFirst(c, cOff, ldc, m, n, residual, resOff, resLd);
        Job job = Job.acquire();
        try {
            job.set(Job.PACKED, a.data, 0, 0, m, bPanels, bOff, n, k, c, cOff, ldc);
            job.epilogue(bias, biasOff, biasPerRow, act, residual, resOff, resLd, residualFirst);
            job.run(pool);
        } finally {
            job.release();
        }
    }

    /** Floats needed for n columns of B packed into panels of depth k (what {@link #multiplyPanels} reads). */
    public static int panelFloats(int n, int k) {
        return Math.multiplyExact(Math.multiplyExact(panels(n), NR), Math.max(k, 1));
    }

    /** Columns per B panel (NR). */
    public static int panelWidth() {
        return NR;
    }

    /**
     * Packs the row-major (k × n) matrix at {@code src[off + p·ld + j]} (B as it is, not transposed) into NR-column
     * panels at {@code dst[dOff …]}, the layout {@link #multiplyPanels} and the tile kernels read.
     */
    static void packRowsAsPanels(float[] src, int off, int ld, int k, int n, float[] dst, int dOff) {
        for (int q = 0, col = 0; col < n; q++, col += NR) {
            int cols = Math.min(NR, n - col), base = dOff + q * k * NR;
            for (int p = 0; p < k; p++) {
                System.arraycopy(src, off + p * ld + col, dst, base + p * NR, cols);
                if (cols < NR) java.util.Arrays.fill(dst, base + p * NR + cols, base + (p + 1) * NR, 0f);
            }
        }
    }

    /**
     * One register tile: C[0, MR) × [0, NR) at {@code c[cOff + i·ldc + j]} (= or +=) Σ_p A[i][p]·B[p][j] over kc, A
     * row-major in place ({@code rows} valid rows, the others alias the last and are not meaningful), B one panel.
     * An edge of at most 5 rows runs on the 5-row tile (C[0, 5) written): less than half the work of the 12-row one,
     * and each row is summed in the same order on either.
     */
    static void tileDirect(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int kc, float[] c, int cOff, int ldc,
                           boolean accumulate) {
        if (Tiles.WIDE && rows > 5) MicroKernels.direct12x2(a, aOff, lda, rows, b, bOff, kc, c, cOff, ldc, accumulate);
        else MicroKernels.direct5x2(a, aOff, lda, rows, b, bOff, kc, c, cOff, ldc, accumulate);
    }

    /** Rows of a register tile (MR). */
    static int tileRows() {
        return MR;
    }

    /**
     * A is read in place rather than packed: for skinny products (m ≤ {@value Tiles#SKINNY_M}), and where B is one
     * panel (n ≤ NR), so that each element of A is read by one tile only and packing would copy A to read it once
     * (the seed GRU's classifier, 1600 rows × 256 → 10: 0.40 ms with A packed, see bench/kernels-results.md).
     */
    static boolean readsAInPlace(int m, int n) {
        return m <= Tiles.SKINNY_M || panels(n) == 1;
    }

    static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    private static void checkC(float[] c, int cOff, int ldc, int m, int n) {
        Objects.requireNonNull(c, "c");
        if (m < 0 || n < 0 || ldc < n) throw new IllegalArgumentException("bad C shape " + m + "×" + n + " (ldc " + ldc + ")");
        if (m > 0 && n > 0) checkRows(c, cOff, ldc, m, n, "C");
    }

    /** A residual added before the activation: inside its array, and either C itself or apart from it. */
    private static void checkResidualFirst(float[] c, int cOff, int ldc, int m, int n, float[] residual, int resOff, int resLd) {
        if (residual == null || m == 0 || n == 0) return;
        if (resLd < n) throw new IllegalArgumentException("bad residual stride " + resLd + " for " + n + " columns");
        checkRows(residual, resOff, resLd, m, n, "residual");
        if (residual == c && !(resOff == cOff && resLd == ldc)) {
            long r0 = resOff, r1 = resOff + (long) (m - 1) * resLd + n, c0 = cOff, c1 = cOff + (long) (m - 1) * ldc + n;
            if (r0 < c1 && c0 < r1) throw new IllegalArgumentException("the residual overlaps C without being C");
        }
    }

    private static void checkRows(float[] x, int off, int ld, int rows, int cols, String what) {
        long need = (long) (rows - 1) * ld + cols;
        if (off < 0 || off + need > x.length) {
            throw new IndexOutOfBoundsException(what + ": " + rows + "×" + cols + " (ld " + ld + ") at offset " + off
                    + " does not fit an array of " + x.length);
        }
    }

    /**
     * One call's operands; runs its output blocks as tasks. Reused: each thread keeps one ({@link #acquire}), filled
     * per call and cleared on {@link #release}; a nested call on the same thread gets a fresh one.
     */
    static final class Job {
        static final int PACKED = 0, DIRECT = 1;
        private static final ThreadLocal<Job> LOCAL = ThreadLocal.withInitial(Job::new);

        private boolean busy;
        /** {@link #block} as a task, made once per job rather than per parallel call. */
        private final java.util.function.IntConsumer blockTask = this::block;
        int mode;
        float[] a;
        int aOff, lda, m;
        float[] b;
        int bOff, n, k;
        float[] c;
        int cOff, ldc;
        float[] bias;
        int biasOff;
        boolean biasPerRow;
        Activation act;
        float[] residual;
        int resOff, resLd;
        /** The residual comes before the activation: C starts from it (see {@link #block}). */
        boolean residualFirst;
        int mBlocks, nBlocks;

        static Job acquire() {
            Job j = LOCAL.get();
            if (j.busy) j = new Job();
            j.busy = true;
            return j;
        }

        void release() {
            a = b = c = bias = residual = null;
            act = null;
            residualFirst = false;
            busy = false;
        }

        void set(int mode, float[] a, int aOff, int lda, int m, float[] b, int bOff, int n, int k, float[] c, int cOff, int ldc) {
            this.mode = mode;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.m = m;
            this.b = b;
            this.bOff = bOff;
            this.n = n;
            this.k = k;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.mBlocks = (m + MC - 1) / MC; // one block when skinny
            this.nBlocks = (panels(n) + NC / NR - 1) / (NC / NR);
        }

        void epilogue(float[] bias, int biasOff, boolean biasPerRow, Activation act, float[] residual, int resOff, int resLd,
                      boolean residualFirst) {
            this.bias = bias;
            this.biasOff = biasOff;
            this.biasPerRow = biasPerRow;
            this.act = act == null ? Activation.NONE : act;
            this.residual = residual;
            this.resOff = resOff;
            this.resLd = resLd;
            this.residualFirst = residualFirst && residual != null;
        }

        /**
         * The epilogue kernel of the full tiles (0 {@link MicroKernels#packed12x2Bias}, 1 and 2
         * {@link MicroKernels#packed12x2BiasClamp} for ReLU and ReLU6) when the whole
         * epilogue fits in the full tiles' registers — packed A on the 12-row tile, a bias per row or none, one of
         * those activations, no residual after it (one before it is already in C) — else −1 (the epilogue then
         * runs as a pass per block row). Convolutions' GEMMs: shallow products (16→96 on 112×112, K = 16) otherwise
         * store, reload and store every output.
         */
        private int fusedAct() {
            if (!Tiles.WIDE || mode != PACKED || (bias != null && !biasPerRow) || (residual != null && !residualFirst)) return -1;
            return switch (act) {
                case NONE -> 0;
                case RELU -> 1;
                case RELU6 -> 2;
                default -> -1;
            };
        }

        /** The epilogue of a finished part of C: bias and activation, and a residual that comes after the activation
         * (one that comes before is in C already). */
        private void ep(int r0, int rows, int c0, int cols) {
            Epilogue.apply(c, cOff, ldc, r0, rows, c0, cols, bias, biasOff, biasPerRow, act, residualFirst ? null : residual,
                    resOff, resLd, false);
        }

        /**
         * A residual that comes before the activation, for rows [m0, m1) × columns [c0, c0 + cols) of C: copied into
         * C unless it is C, so that the tiles accumulate A·B onto it (in their registers, as onto an earlier depth
         * block). Each element of the residual is read by the task that writes that element of C, before it does.
         */
        private void stageResidual(int m0, int m1, int c0, int cols) {
            if (residual == c && resOff == cOff && resLd == ldc) return;
            for (int i = m0; i < m1; i++) System.arraycopy(residual, resOff + i * resLd + c0, c, cOff + i * ldc + c0, cols);
        }

        void run(ComputePool pool) {
            int tasks = mBlocks * nBlocks;
            if (tasks == 1 || !ComputePool.splits(pool, (long) m * n * k)) {
                for (int t = 0; t < tasks; t++) block(t);
            } else {
                pool.parallelFor(tasks, blockTask);
            }
        }

        /** Output block t: rows of m-block t / nBlocks, panels of n-block t % nBlocks. */
        void block(int t) {
            int mb = t / nBlocks, nb = t % nBlocks;
            int m0 = mb * MC, m1 = Math.min(m, m0 + MC);
            int pPer = NC / NR;
            int p0 = nb * pPer, p1 = Math.min(panels(n), p0 + pPer);
            // a residual before the activation is where the block's sums start: every depth block accumulates
            boolean staged = residualFirst;
            if (staged) stageResidual(m0, m1, p0 * NR, Math.min(n, p1 * NR) - p0 * NR);
            if (k == 0) {
                for (int i = m0; i < m1; i++) {
                    if (!staged) java.util.Arrays.fill(c, cOff + i * ldc + p0 * NR, cOff + i * ldc + Math.min(n, p1 * NR), 0f);
                    ep(i, 1, p0 * NR, Math.min(n, p1 * NR) - p0 * NR);
                }
                return;
            }
            float[] edge = EDGE.floats(MR * NR);
            if (mode == DIRECT && m1 - m0 == 1) {
                // one row, a matrix-vector product bound by streaming B: each panel in one pass over its whole depth,
                // one contiguous stream, rather than KC-deep slices of the block's panels in turn
                for (int p = p0; p < p1; p++) {
                    int col0 = p * NR, cols = Math.min(NR, n - col0), co = cOff + m0 * ldc + col0;
                    if (cols == NR) {
                        MicroKernels.row1x2(a, aOff + m0 * lda, b, bOff + p * k * NR, k, c, co, staged);
                    } else {
                        MicroKernels.row1x2(a, aOff + m0 * lda, b, bOff + p * k * NR, k, edge, 0, false);
                        merge(edge, 1, cols, c, co, ldc, staged);
                    }
                }
                ep(m0, 1, p0 * NR, Math.min(n, p1 * NR) - p0 * NR);
                return;
            }
            int fused = fusedAct();
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                boolean acc = k0 > 0 || staged, last = k0 + kc == k, fuse = last && fused >= 0;
                for (int p = p0; p < p1; p++) {
                    int bk = bOff + p * k * NR + k0 * NR;
                    int col0 = p * NR, cols = Math.min(NR, n - col0);
                    for (int i0 = m0; i0 < m1; i0 += MR) {
                        int rows = Math.min(MR, m1 - i0);
                        boolean full = rows == MR && cols == NR;
                        int co = cOff + i0 * ldc + col0;
                        if (full && fuse) {
                            int ao = aOff + (i0 / MR) * k * MR + k0 * MR;
                            float[] bs = bias == null ? ZERO_BIAS : bias;
                            int bo = bias == null ? 0 : biasOff + i0;
                            if (fused == 0) MicroKernels.packed12x2Bias(a, ao, b, bk, kc, c, co, ldc, acc, bs, bo);
                            else MicroKernels.packed12x2BiasClamp(a, ao, b, bk, kc, c, co, ldc, acc, bs, bo,
                                    fused == 2 ? 6f : Float.POSITIVE_INFINITY);
                        } else if (full) {
                            tile(i0, rows, k0, kc, bk, c, co, ldc, acc);
                        } else {
                            tile(i0, rows, k0, kc, bk, edge, 0, NR, false);
                            merge(edge, rows, cols, c, co, ldc, acc);
                            if (fuse) ep(i0, rows, col0, cols);
                        }
                    }
                }
                // the epilogue once per row of the finished block (up to NC columns) rather than per tile: the
                // activations' vector loops then run long enough to pay off (GELU per 12×32 tile cost 1.7 ns per
                // element, more than a quarter of the 128×768×3072 product; per block row ~4× less)
                if (last && !fuse) ep(m0, m1 - m0, p0 * NR, Math.min(n, p1 * NR) - p0 * NR);
            }
        }

        private void tile(int i0, int rows, int k0, int kc, int bk, float[] dst, int dOff, int dld, boolean acc) {
            if (mode == PACKED) {
                int ao = aOff + (i0 / MR) * k * MR + k0 * MR;
                if (Tiles.WIDE) MicroKernels.packed12x2(a, ao, b, bk, kc, dst, dOff, dld, acc);
                else MicroKernels.packed5x2(a, ao, b, bk, kc, dst, dOff, dld, acc);
            } else if (rows == 1) {
                int ao = aOff + i0 * lda + k0;
                MicroKernels.row1x2(a, ao, b, bk, kc, dst, dOff, acc);
            } else {
                tileDirect(a, aOff + i0 * lda + k0, lda, rows, b, bk, kc, dst, dOff, dld, acc);
            }
        }
    }
}
