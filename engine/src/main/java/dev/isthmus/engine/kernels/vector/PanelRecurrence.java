package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What {@link LstmKernel} and {@link RnnKernel} share: one layer of a recurrent network whose gate pre-activations are
 * x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, computed as {@link GruKernel} computes the GRU's.
 *
 * <ul>
 * <li>The gate rows are regrouped at load into <em>panels</em> of {@value #V} vectors ({@link #PW} floats): an LSTM
 * panel is one block of L hidden units with its i, f, o and g rows (in that order); an RNN panel is four blocks of
 * L units. Both weight matrices use that column order, padded with zero rows to whole panels.</li>
 * <li>The input projections of every timestep and both directions are one GEMM: X (steps·batch × in) against
 * [W_ih forward; W_ih reverse] (regrouped) as one packed right operand, b_ih + b_hh in its epilogue. Its output row
 * then holds, for each panel, exactly the floats the recurrent pass adds to.</li>
 * <li>W_hh is packed per direction panel by panel, depth-major: for panel p and recurrent input q the panel's four
 * weight vectors sit side by side at {@code (p·width + q)·PW}. A step's recurrent sums start from the GEMM's row
 * and accumulate h_q·W in registers: three batch rows × one panel (twelve chains), or, for the rows left over, one
 * row × three panels (twelve chains again, so that batch 1 does not wait on FMA latency), or one row × one panel
 * for the last panels. Every element is summed in the same order (the GEMM's value, then q = 0, 1, …) by all three,
 * so a row's result depends neither on the split nor on its neighbours in the batch.</li>
 * <li>The previous state is read where the previous step wrote it (the output sequence; the initial state at step
 * 0), so no state copies per step. The gate math is the subclass's ({@link #gates}), on a pass's sums in L1.</li>
 * <li>Threads: the two directions run as two tasks; within a direction a step's passes (a few panels each) run as
 * tasks when the step is big enough (batch·columns·width ≥ 2^18), with a barrier per step. Results are bitwise
 * identical for every thread count.</li>
 * </ul>
 * Work buffers are per-thread scratch: nothing is allocated per call on one thread (a parallel step allocates its
 * task lambda). The split threshold and the panels per pass carry over GruKernel's measured choices; they have not
 * been measured for these cells.
 */
abstract class PanelRecurrence {
    static final VectorSpecies<Float> F = Species.F;
    static final int L = Species.L;
    /** Vectors per panel. */
    static final int V = 4;
    /** Floats per panel row. */
    static final int PW = V * L;

    /** Input size, hidden size, state width (the recurrent depth: the projection size of a projected LSTM, else H). */
    final int in, hidden, width, dirs;
    /** Panels per direction, and their columns (panels·PW). */
    final int panels, cols;
    private final PackedMatrix wih;
    private final float[] bias;
    private final Epilogue biasEp;
    /** Per direction: panels × width × PW. */
    private final float[][] whh;

    /**
     * @param rowOf for each of the cols columns of a direction (panel p, vector v, lane l at p·PW + v·L + l), the
     *              gate row of W_ih / W_hh / the biases it takes, or −1 for padding
     * @param wih   per direction (G·H, in); {@code whh} per direction (G·H, width); biases per direction (G·H), or
     *              null arrays / null entries for none
     */
    PanelRecurrence(int in, int hidden, int width, int dirs, int[] rowOf, float[][] wih, float[][] whh, float[][] bih,
                    float[][] bhh) {
        if (dirs != 1 && dirs != 2) throw new IllegalArgumentException("dirs must be 1 or 2");
        if (in < 0 || hidden < 1 || width < 1) throw new IllegalArgumentException("bad sizes in=" + in + " hidden=" + hidden + " width=" + width);
        this.in = in;
        this.hidden = hidden;
        this.width = width;
        this.dirs = dirs;
        this.cols = rowOf.length;
        this.panels = cols / PW;
        float[] allW = new float[dirs * cols * in];
        float[] allB = new float[dirs * cols];
        boolean anyBias = false;
        this.whh = new float[dirs][];
        for (int d = 0; d < dirs; d++) {
            float[] bi = bih == null ? null : bih[d], bh = bhh == null ? null : bhh[d];
            anyBias |= bi != null || bh != null;
            float[] p = new float[panels * width * PW];
            for (int j = 0; j < cols; j++) {
                int r = rowOf[j];
                if (r < 0) continue;
                System.arraycopy(wih[d], r * in, allW, (d * cols + j) * in, in);
                allB[d * cols + j] = (bi == null ? 0f : bi[r]) + (bh == null ? 0f : bh[r]);
                int at = (j / PW) * width * PW + j % PW;
                for (int q = 0; q < width; q++) p[at + q * PW] = whh[d][r * width + q];
            }
            this.whh[d] = p;
        }
        this.wih = PackedMatrix.forB(allW, dirs * cols, in);
        this.bias = anyBias ? allB : null;
        this.biasEp = Epilogue.of(this.bias, Activation.NONE);
    }

    /** Bytes of the packed weights and biases held here (a subclass adds its own). */
    long footprint() {
        long b = 4L * wih.footprint() + (bias == null ? 0 : 4L * bias.length);
        for (float[] a : whh) b += 4L * a.length;
        return b;
    }

    // Per-thread scratch: the input projections (the calling thread's, read by the direction tasks), a direction's
    // own state (the subclass's), a pass's sums.
    private static final Scratch GI = new Scratch(), STATE = new Scratch(), SUMS = new Scratch();

    /**
     * Runs the layer over a time-major sequence (the {@link dev.isthmus.engine.kernels.RecurrentKernel#forward}
     * contract): x (steps, batch, in) at xOff; h (dirs, batch, width) at hOff, initial on entry and final on return;
     * c (dirs, batch, H) at cOff likewise for an LSTM (null: zero, not written back); out (steps, batch, dirs·width) at
     * outOff. out must not overlap h or c; it may overlap x (x is consumed by the input GEMM before anything else).
     */
    public final void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out, int outOff,
                       ComputePool pool) {
        if (steps <= 0 || batch <= 0) return;
        int g = dirs * cols, rows = steps * batch;
        float[] gi = GI.floats(rows * g);
        PackedGemm.multiply(x, xOff, in, rows, wih, gi, 0, g, biasEp, pool);
        if (dirs == 2 && pool != null && pool.threads() > 1) {
            pool.parallelFor(2, d -> direction(d, gi, steps, batch, h, hOff, c, cOff, out, outOff, null));
        } else {
            for (int d = 0; d < dirs; d++) direction(d, gi, steps, batch, h, hOff, c, cOff, out, outOff, pool);
        }
    }

    private void direction(int d, float[] gi, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                           int outOff, ComputePool pool) {
        int g = dirs * cols, outStride = dirs * width;
        float[] st = STATE.floats(stateFloats(batch));
        begin(d, st, batch, c, cOff);
        boolean parallel = ComputePool.splits(pool, (long) batch * cols * width);
        int per = passPanels(batch), passes = (panels + per - 1) / per;
        if (passes < 2) parallel = false;
        for (int s = 0; s < steps; s++) {
            int t = d == 1 ? steps - 1 - s : s;
            float[] hs;
            int hBase, hStride;
            if (s == 0) {
                hs = h;
                hBase = hOff + d * batch * width;
                hStride = width;
            } else {
                int tp = d == 1 ? t + 1 : t - 1;
                hs = out;
                hBase = outOff + tp * batch * outStride + d * width;
                hStride = outStride;
            }
            int giBase = t * batch * g + d * cols, outRow = outOff + t * batch * outStride + d * width;
            if (parallel) {
                pool.parallelFor(passes, i -> pass(d, i * per, Math.min(panels, (i + 1) * per), batch, hs, hBase, hStride, gi,
                        giBase, g, st, out, outRow, outStride));
            } else {
                for (int i = 0; i < passes; i++) {
                    pass(d, i * per, Math.min(panels, (i + 1) * per), batch, hs, hBase, hStride, gi, giBase, g, st, out, outRow,
                            outStride);
                }
            }
            afterStep(d, st, batch, out, outRow, outStride, pool);
        }
        int last = d == 1 ? 0 : steps - 1;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(out, outOff + (last * batch + b) * outStride + d * width, h, hOff + (d * batch + b) * width, width);
        }
        end(d, st, batch, c, cOff);
    }

    /** Panels per pass: one when rows go three at a time (a pass's sums are batch × PW floats), else twelve. */
    private static int passPanels(int batch) {
        return batch >= 3 ? 1 : 12;
    }

    /**
     * Panels [p0, p1) of every batch row for one step: the recurrent sums into a per-thread scratch, then the
     * subclass's gate math on them. Sums layout (np = p1 − p0, i = b·np + (p − p0)): vectors 0–2 of row b, panel p at
     * {@code i·aStride() + v·L}, vector 3 at {@code bBase + i·bStride()} (see {@link #gates}).
     */
    private void pass(int d, int p0, int p1, int batch, float[] hs, int hBase, int hStride, float[] gi, int giBase, int g,
                      float[] st, float[] out, int outRow, int outStride) {
        int np = p1 - p0, as = aStride(), bs = bStride(), bBase = bBase(batch, np);
        float[] s = SUMS.floats(batch * np * PW);
        float[] w = whh[d];
        int panelFloats = width * PW, full = batch - batch % 3;
        for (int pi = 0; pi < np; pi++) {
            int wOff = (p0 + pi) * panelFloats;
            for (int b = 0; b < full; b += 3) {
                int i = b * np + pi;
                rows3(w, wOff, width, hs, hBase + b * hStride, hStride, gi, giBase + b * g + (p0 + pi) * PW, g, s, i * as,
                        np * as, bBase + i * bs, np * bs);
            }
        }
        for (int b = full; b < batch; b++) {
            int pi = 0, h0 = hBase + b * hStride, g0 = giBase + b * g + p0 * PW;
            for (; pi + 3 <= np; pi += 3) {
                int i = b * np + pi;
                row1x3(w, (p0 + pi) * panelFloats, panelFloats, width, hs, h0, gi, g0 + pi * PW, s, i * as, as, bBase + i * bs, bs);
            }
            for (; pi < np; pi++) {
                int i = b * np + pi;
                row1(w, (p0 + pi) * panelFloats, width, hs, h0, gi, g0 + pi * PW, s, i * as, bBase + i * bs);
            }
        }
        gates(d, p0, p1, batch, s, st, out, outRow, outStride);
    }

    // ---- what a cell type adds ---------------------------------------------------------------------------------

    /** Floats between consecutive (row, panel) entries of vectors 0–2 in a pass's sums. */
    abstract int aStride();

    /** Floats between consecutive (row, panel) entries of vector 3. */
    abstract int bStride();

    /** Where vector 3's entries start in a pass's sums (batch × np panels). */
    abstract int bBase(int batch, int np);

    /** Floats of a direction's own state buffer (e.g. the LSTM's cell state). */
    abstract int stateFloats(int batch);

    /** Before the first step of direction d: fills the state buffer. */
    abstract void begin(int d, float[] st, int batch, float[] c, int cOff);

    /**
     * The gate math of panels [p0, p1) of one step on their sums {@code s} (overwritten), writing the new state of
     * those units: into out's row (t, b) at {@code outRow + b·outStride}, or into the state buffer.
     */
    abstract void gates(int d, int p0, int p1, int batch, float[] s, float[] st, float[] out, int outRow, int outStride);

    /** After every pass of a step; {@code pool} is the direction's (null when the directions run as tasks). */
    abstract void afterStep(int d, float[] st, int batch, float[] out, int outRow, int outStride, ComputePool pool);

    /** After the last step of direction d: writes the state buffer back. */
    abstract void end(int d, float[] st, int batch, float[] c, int cOff);

    // ---- the recurrent sums: flat, one loop each, vectors in locals only ---------------------------------------

    /**
     * Rows r = 0, 1, 2 × one panel: acc = gi[g0 + r·gStride, +PW), then acc += h_r[q]·W[q] for q < depth; vectors
     * 0–2 to {@code s[a0 + r·aRow + v·L]}, vector 3 to {@code s[b0 + r·bRow]}.
     */
    static void rows3(float[] w, int wOff, int depth, float[] hs, int h0, int hStride, float[] gi, int g0, int gStride,
                      float[] s, int a0, int aRow, int b0, int bRow) {
        int h1 = h0 + hStride, h2 = h1 + hStride, g1 = g0 + gStride, g2 = g1 + gStride;
        FloatVector c00 = FloatVector.fromArray(F, gi, g0), c01 = FloatVector.fromArray(F, gi, g0 + L);
        FloatVector c02 = FloatVector.fromArray(F, gi, g0 + 2 * L), c03 = FloatVector.fromArray(F, gi, g0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, gi, g1), c11 = FloatVector.fromArray(F, gi, g1 + L);
        FloatVector c12 = FloatVector.fromArray(F, gi, g1 + 2 * L), c13 = FloatVector.fromArray(F, gi, g1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, gi, g2), c21 = FloatVector.fromArray(F, gi, g2 + L);
        FloatVector c22 = FloatVector.fromArray(F, gi, g2 + 2 * L), c23 = FloatVector.fromArray(F, gi, g2 + 3 * L);
        for (int q = 0, wq = wOff; q < depth; q++, wq += PW) {
            FloatVector w0 = FloatVector.fromArray(F, w, wq);
            FloatVector w1 = FloatVector.fromArray(F, w, wq + L);
            FloatVector w2 = FloatVector.fromArray(F, w, wq + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, w, wq + 3 * L);
            FloatVector x0 = FloatVector.broadcast(F, hs[h0 + q]);
            c00 = x0.fma(w0, c00);
            c01 = x0.fma(w1, c01);
            c02 = x0.fma(w2, c02);
            c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.broadcast(F, hs[h1 + q]);
            c10 = x1.fma(w0, c10);
            c11 = x1.fma(w1, c11);
            c12 = x1.fma(w2, c12);
            c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.broadcast(F, hs[h2 + q]);
            c20 = x2.fma(w0, c20);
            c21 = x2.fma(w1, c21);
            c22 = x2.fma(w2, c22);
            c23 = x2.fma(w3, c23);
        }
        c00.intoArray(s, a0);
        c01.intoArray(s, a0 + L);
        c02.intoArray(s, a0 + 2 * L);
        c03.intoArray(s, b0);
        c10.intoArray(s, a0 + aRow);
        c11.intoArray(s, a0 + aRow + L);
        c12.intoArray(s, a0 + aRow + 2 * L);
        c13.intoArray(s, b0 + bRow);
        c20.intoArray(s, a0 + 2 * aRow);
        c21.intoArray(s, a0 + 2 * aRow + L);
        c22.intoArray(s, a0 + 2 * aRow + 2 * L);
        c23.intoArray(s, b0 + 2 * bRow);
    }

    /**
     * One row × panels j = 0, 1, 2 (weights at wOff + j·panelStride, the GEMM's row at g0 + j·PW): twelve chains.
     * Vectors 0–2 of panel j to {@code s[a0 + j·aStep + v·L]}, vector 3 to {@code s[b0 + j·bStep]}. Same order per
     * element as {@link #rows3}.
     */
    static void row1x3(float[] w, int wOff, int panelStride, int depth, float[] hs, int h0, float[] gi, int g0, float[] s,
                       int a0, int aStep, int b0, int bStep) {
        int w0 = wOff, w1 = w0 + panelStride, w2 = w1 + panelStride, g1 = g0 + PW, g2 = g1 + PW;
        FloatVector c00 = FloatVector.fromArray(F, gi, g0), c01 = FloatVector.fromArray(F, gi, g0 + L);
        FloatVector c02 = FloatVector.fromArray(F, gi, g0 + 2 * L), c03 = FloatVector.fromArray(F, gi, g0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, gi, g1), c11 = FloatVector.fromArray(F, gi, g1 + L);
        FloatVector c12 = FloatVector.fromArray(F, gi, g1 + 2 * L), c13 = FloatVector.fromArray(F, gi, g1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, gi, g2), c21 = FloatVector.fromArray(F, gi, g2 + L);
        FloatVector c22 = FloatVector.fromArray(F, gi, g2 + 2 * L), c23 = FloatVector.fromArray(F, gi, g2 + 3 * L);
        for (int q = 0, o = 0; q < depth; q++, o += PW) {
            FloatVector x = FloatVector.broadcast(F, hs[h0 + q]);
            c00 = x.fma(FloatVector.fromArray(F, w, w0 + o), c00);
            c01 = x.fma(FloatVector.fromArray(F, w, w0 + o + L), c01);
            c02 = x.fma(FloatVector.fromArray(F, w, w0 + o + 2 * L), c02);
            c03 = x.fma(FloatVector.fromArray(F, w, w0 + o + 3 * L), c03);
            c10 = x.fma(FloatVector.fromArray(F, w, w1 + o), c10);
            c11 = x.fma(FloatVector.fromArray(F, w, w1 + o + L), c11);
            c12 = x.fma(FloatVector.fromArray(F, w, w1 + o + 2 * L), c12);
            c13 = x.fma(FloatVector.fromArray(F, w, w1 + o + 3 * L), c13);
            c20 = x.fma(FloatVector.fromArray(F, w, w2 + o), c20);
            c21 = x.fma(FloatVector.fromArray(F, w, w2 + o + L), c21);
            c22 = x.fma(FloatVector.fromArray(F, w, w2 + o + 2 * L), c22);
            c23 = x.fma(FloatVector.fromArray(F, w, w2 + o + 3 * L), c23);
        }
        c00.intoArray(s, a0);
        c01.intoArray(s, a0 + L);
        c02.intoArray(s, a0 + 2 * L);
        c03.intoArray(s, b0);
        c10.intoArray(s, a0 + aStep);
        c11.intoArray(s, a0 + aStep + L);
        c12.intoArray(s, a0 + aStep + 2 * L);
        c13.intoArray(s, b0 + bStep);
        c20.intoArray(s, a0 + 2 * aStep);
        c21.intoArray(s, a0 + 2 * aStep + L);
        c22.intoArray(s, a0 + 2 * aStep + 2 * L);
        c23.intoArray(s, b0 + 2 * bStep);
    }

    /** One row × one panel (four chains): the panels left over by {@link #row1x3}. Same order per element. */
    static void row1(float[] w, int wOff, int depth, float[] hs, int h0, float[] gi, int g0, float[] s, int a0, int b0) {
        FloatVector c0 = FloatVector.fromArray(F, gi, g0), c1 = FloatVector.fromArray(F, gi, g0 + L);
        FloatVector c2 = FloatVector.fromArray(F, gi, g0 + 2 * L), c3 = FloatVector.fromArray(F, gi, g0 + 3 * L);
        for (int q = 0, wq = wOff; q < depth; q++, wq += PW) {
            FloatVector x = FloatVector.broadcast(F, hs[h0 + q]);
            c0 = x.fma(FloatVector.fromArray(F, w, wq), c0);
            c1 = x.fma(FloatVector.fromArray(F, w, wq + L), c1);
            c2 = x.fma(FloatVector.fromArray(F, w, wq + 2 * L), c2);
            c3 = x.fma(FloatVector.fromArray(F, w, wq + 3 * L), c3);
        }
        c0.intoArray(s, a0);
        c1.intoArray(s, a0 + L);
        c2.intoArray(s, a0 + 2 * L);
        c3.intoArray(s, b0);
    }
}
