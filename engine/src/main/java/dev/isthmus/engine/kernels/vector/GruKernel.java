package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer of {@code torch.nn.GRU} (one or both directions) with its weights packed at load. PyTorch's equations,
 * gates r | z | n:
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
 *
 * <ul>
 * <li>The input projections of every timestep and both directions are one GEMM: X (steps·batch × in) against
 * [W_ih forward; W_ih reverse] packed as one right operand, b_ih in its epilogue.</li>
 * <li>Each step is one fused pass over a range of blocks of L hidden units: the three recurrent dot products (W_hh
 * packed so that, for each input p, the r, z and n weights of a block are three adjacent vectors) accumulate in
 * registers, four batch rows × one block or one row × four blocks at a time (twelve independent chains either
 * way: at batch 1 three chains per block would leave the FMA units waiting on latency); the range's sums (in L1)
 * then go through the gate math and the update in a few passes, and h' is stored. No gate arrays over the whole
 * hidden state beyond the range; gi comes from the one GEMM above.</li>
 * <li>The two directions run as two tasks; within a direction a step's passes run as tasks when it is big enough
 * (batch·H² ≥ 2^18), with a barrier per step. Every element is summed in the same
 * order whatever the split, so results do not depend on the thread count (nor on a row's position in the
 * batch).</li>
 * </ul>
 */
public final class GruKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    private final int in, hidden, dirs, blocks, hp;
    private final PackedMatrix wih;
    private final float[] bih;
    /** b_ih as the input GEMM's epilogue. */
    private final Epilogue bihEp;
    /** Per direction: blocks × hidden × 3L (r, z, n vectors of the block for each input p). */
    private final float[][] whh;
    /** Per direction: r | z | n, each padded to hp. */
    private final float[][] bhh;

    /**
     * @param wih per direction (3H, in); {@code whh} per direction (3H, H); biases per direction (3H), or null arrays
     *            / null entries for no bias
     */
    public GruKernel(int in, int hidden, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        if (dirs != 1 && dirs != 2) throw new IllegalArgumentException("dirs must be 1 or 2");
        this.in = in;
        this.hidden = hidden;
        this.dirs = dirs;
        this.blocks = (hidden + L - 1) / L;
        this.hp = blocks * L;
        int g3 = 3 * hidden;
        float[] allW = new float[dirs * g3 * in];
        float[] allB = new float[dirs * g3];
        boolean anyBias = false;
        for (int d = 0; d < dirs; d++) {
            System.arraycopy(wih[d], 0, allW, d * g3 * in, g3 * in);
            if (bih != null && bih[d] != null) {
                System.arraycopy(bih[d], 0, allB, d * g3, g3);
                anyBias = true;
            }
        }
        this.wih = PackedMatrix.forB(allW, dirs * g3, in);
        this.bih = anyBias ? allB : null;
        this.bihEp = Epilogue.of(this.bih, Activation.NONE);
        this.whh = new float[dirs][];
        this.bhh = new float[dirs][];
        for (int d = 0; d < dirs; d++) {
            float[] w = whh[d];
            float[] p = new float[blocks * hidden * 3 * L];
            for (int jb = 0; jb < blocks; jb++) {
                for (int q = 0; q < hidden; q++) {
                    int at = wBase(jb) + q * 3 * L;
                    for (int g = 0; g < 3; g++) {
                        for (int l = 0; l < L; l++) {
                            int j = jb * L + l;
                            if (j < hidden) p[at + g * L + l] = w[(g * hidden + j) * hidden + q];
                        }
                    }
                }
            }
            this.whh[d] = p;
            float[] b = new float[3 * hp];
            if (bhh != null && bhh[d] != null) {
                for (int g = 0; g < 3; g++) System.arraycopy(bhh[d], g * hidden, b, g * hp, hidden);
            }
            this.bhh[d] = b;
        }
    }

    /** Bytes of the packed weights and biases this kernel holds. */
    public long footprint() {
        long b = 4L * wih.footprint() + (bih == null ? 0 : 4L * bih.length); // footprint() counts floats
        for (float[] a : whh) b += a == null ? 0 : 4L * a.length;
        for (float[] a : bhh) b += a == null ? 0 : 4L * a.length;
        return b;
    }

    /**
     * Runs the layer over a time-major sequence.
     *
     * @param x     (steps, batch, in)
     * @param h     the states, (dirs, batch, H) at {@code h[hOff …]}: initial on entry, final on return
     * @param out   (steps, batch, dirs·H): direction d writes columns [d·H, (d + 1)·H)
     */
    public void forward(float[] x, int steps, int batch, float[] h, int hOff, float[] out, ComputePool pool) {
        forward(x, 0, steps, batch, h, hOff, out, 0, pool);
    }

    // Per-thread scratch: the input projections of every step (the calling thread's, read by the direction tasks),
    // a direction's ping-pong states, a step block's recurrent sums.
    private static final Scratch GI = new Scratch(), STATES = new Scratch(), SUMS = new Scratch();

    /**
     * Runs the layer over a time-major sequence, every tensor dense row-major at its offset:
     * <ul>
     * <li>{@code x}: (steps, batch, in) at {@code x[xOff …]}, element (t, b, p) at {@code xOff + (t·batch + b)·in + p};</li>
     * <li>{@code h}: (dirs, batch, H) at {@code h[hOff …]}, element (d, b, j) at {@code hOff + (d·batch + b)·H + j}: the
     * initial states on entry, the final ones on return (for the reverse direction, its state after step 0);</li>
     * <li>{@code out}: (steps, batch, dirs·H) at {@code out[outOff …]}: element (t, b, d·H + j) at
     * {@code outOff + (t·batch + b)·dirs·H + d·H + j} is direction d's state after step t.</li>
     * </ul>
     * out must not overlap h; it may overlap x (x is consumed by the input projection before any output is written).
     * The work buffers are per-thread scratch: nothing is allocated in steady state on one thread.
     */
    public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] out, int outOff, ComputePool pool) {
        int g = dirs * 3 * hidden;
        int rows = steps * batch;
        if (rows == 0) return;
        float[] gi = GI.floats(rows * g + L); // slack: full-vector loads of the last partial block stay in bounds
        PackedGemm.multiply(x, xOff, in, rows, wih, gi, 0, g, bihEp, pool);
        if (dirs == 2 && pool != null && pool.threads() > 1) {
            pool.parallelFor(2, d -> direction(d, gi, steps, batch, h, hOff, out, outOff, null));
        } else {
            for (int d = 0; d < dirs; d++) direction(d, gi, steps, batch, h, hOff, out, outOff, pool);
        }
    }

    private void direction(int d, float[] gi, int steps, int batch, float[] h, int hOff, float[] out, int outOff, ComputePool pool) {
        int g = dirs * 3 * hidden, outStride = dirs * hidden;
        // ping-pong state buffers, rows padded to hp so every vector load of a block is in bounds (zeroed: the
        // padding lanes are computed on but never read as inputs)
        float[] states = STATES.zeroed(2 * batch * hp);
        int cur = 0, next = batch * hp;
        for (int b = 0; b < batch; b++) System.arraycopy(h, hOff + (d * batch + b) * hidden, states, cur + b * hp, hidden);
        boolean parallel = blocks > 1 && ComputePool.splits(pool, (long) batch * hidden * hidden * 3);
        // a step runs in passes over a few blocks (see stepBlocks); in parallel each pass is a task, so the pool
        // balances them (one range per thread made a step wait for the slower core)
        int per = passBlocks(batch), passes = (blocks + per - 1) / per;
        for (int s = 0; s < steps; s++) {
            int t = d == 1 ? steps - 1 - s : s;
            int giRow = t * batch * g + d * 3 * hidden;
            int outRow = outOff + t * batch * outStride + d * hidden;
            int c = cur, nx = next;
            boolean back = (s & 1) == 1; // every other step sweeps W_hh backwards (see stepBlocks)
            if (parallel) {
                pool.parallelFor(passes, i -> {
                    int k = back ? passes - 1 - i : i;
                    pass(d, k * per, Math.min(blocks, (k + 1) * per), batch, states, c, nx, gi, giRow, g, out, outRow,
                            outStride, back);
                });
            } else {
                stepBlocks(d, 0, blocks, batch, states, c, nx, gi, giRow, g, out, outRow, outStride, back);
            }
            cur = nx;
            next = c;
        }
        for (int b = 0; b < batch; b++) System.arraycopy(states, cur + b * hp, h, hOff + (d * batch + b) * hidden, hidden);
    }

    /**
     * Hidden units [jb0·L, jb1·L) of every batch row for one step, in passes over a few blocks. A pass's recurrent
     * sums go into {@code sums}, a per-thread scratch of (jb1 − jb0) × batch × 3L floats (jb0, jb1: the pass's): the
     * r and z sums of block jb, row b at {@code ((jb − jb0)·batch + b)·2L}, the n sums at
     * {@code nb + ((jb − jb0)·batch + b)·L}, nb = the size of the r|z part. Rows go four at a time per block (each weight vector feeds four rows); the rows left over go one at a
     * time over four blocks at once, so a single row (batch 1) still has twelve independent accumulator chains and
     * streams four weight blocks in parallel instead of waiting on three FMA chains. The gate math then runs in
     * passes over the pass's blocks: the r and z arguments, σ of them, the n argument, tanh of it, h'. The activations
     * run as {@link VectorMath#applyInPlace} array loops: a vector function called per row is inlined by C2 or not
     * depending on what it compiled first, and when it is not its vector arguments are boxed (measured: 4× slower,
     * and an allocation per call).
     */
    private void stepBlocks(int d, int jb0, int jb1, int batch, float[] st, int cur, int next, float[] gi, int giRow, int g,
                            float[] out, int outRow, int outStride, boolean back) {
        int per = passBlocks(batch), n = (jb1 - jb0 + per - 1) / per;
        for (int i = 0; i < n; i++) {
            int a = jb0 + (back ? n - 1 - i : i) * per;
            pass(d, a, Math.min(a + per, jb1), batch, st, cur, next, gi, giRow, g, out, outRow, outStride, back);
        }
    }

    /**
     * Blocks per pass: sixteen when rows go one at a time (fewer, longer activation loops), one when they go four at
     * a time: either way the pass's sums (≤ 16 blocks × 3 rows or 1 block × batch rows, × 3L floats) stay in L1.
     */
    private static int passBlocks(int batch) {
        return batch >= 4 ? 1 : 16;
    }

    private void pass(int d, int jb0, int jb1, int batch, float[] st, int cur, int next, float[] gi, int giRow, int g,
                      float[] out, int outRow, int outStride, boolean back) {
        int nbk = jb1 - jb0;
        float[] sums = SUMS.floats(nbk * batch * 3 * L);
        int nb = nbk * batch * 2 * L;
        int full = batch & ~3;
        for (int i = 0; i < nbk; i++) {
            int jb = back ? jb1 - 1 - i : jb0 + i;
            // four rows × 12 accumulators: eight rows × 24 spill (bench/kernels-results.md)
            for (int b = 0; b < full; b += 4) sums4(d, jb, b, st, cur, sums, rzAt(jb - jb0, b, batch), nb + nAt(jb - jb0, b, batch));
        }
        int quads = nbk / 4, singles = jb0 + 4 * quads; // blocks [jb0, singles) four at a time, the rest one by one
        for (int b = full; b < batch; b++) {
            if (!back) {
                for (int q = 0; q < quads; q++) sums1x4(d, jb0 + 4 * q, jb0, b, batch, st, cur, sums, nb);
                for (int jb = singles; jb < jb1; jb++) sums1(d, jb, b, st, cur, sums, rzAt(jb - jb0, b, batch), nb + nAt(jb - jb0, b, batch));
            } else {
                for (int jb = jb1 - 1; jb >= singles; jb--) sums1(d, jb, b, st, cur, sums, rzAt(jb - jb0, b, batch), nb + nAt(jb - jb0, b, batch));
                for (int q = quads - 1; q >= 0; q--) sums1x4(d, jb0 + 4 * q, jb0, b, batch, st, cur, sums, nb);
            }
        }
        gates(d, jb0, jb1, batch, sums, nb, st, cur, next, gi, giRow, g, out, outRow, outStride);
    }

    /** Block jb's r, z, n vectors for input q start at wBase(jb) + q·3L (W_hh packed block by block). */
    private int wBase(int jb) {
        return jb * hidden * 3 * L;
    }

    private static int rzAt(int jbi, int b, int batch) {
        return (jbi * batch + b) * 2 * L;
    }

    private static int nAt(int jbi, int b, int batch) {
        return (jbi * batch + b) * L;
    }

    private void sums1(int d, int jb, int b, float[] cur, int curOff, float[] sums, int rz, int on) {
        float[] w = whh[d];
        int wOff = wBase(jb), ws = 3 * L, h0 = curOff + b * hp;
        FloatVector ar = FloatVector.zero(F), az = FloatVector.zero(F), an = FloatVector.zero(F);
        for (int q = 0, wq = wOff; q < hidden; q++, wq += ws) {
            FloatVector hv = FloatVector.broadcast(F, cur[h0 + q]);
            ar = hv.fma(FloatVector.fromArray(F, w, wq), ar);
            az = hv.fma(FloatVector.fromArray(F, w, wq + L), az);
            an = hv.fma(FloatVector.fromArray(F, w, wq + 2 * L), an);
        }
        ar.intoArray(sums, rz);
        az.intoArray(sums, rz + L);
        an.intoArray(sums, on);
    }

    /** One row, blocks jb … jb + 3: twelve accumulators. Same order per element as {@link #sums1}. */
    private void sums1x4(int d, int jb, int jb0, int b, int batch, float[] cur, int curOff, float[] sums, int nb) {
        float[] w = whh[d];
        int stride = hidden * 3 * L; // four blocks: four streams (measured faster than the four interleaved into one)
        int w0 = wBase(jb), w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride, h0 = curOff + b * hp;
        FloatVector r0 = FloatVector.zero(F), z0 = FloatVector.zero(F), n0 = FloatVector.zero(F);
        FloatVector r1 = FloatVector.zero(F), z1 = FloatVector.zero(F), n1 = FloatVector.zero(F);
        FloatVector r2 = FloatVector.zero(F), z2 = FloatVector.zero(F), n2 = FloatVector.zero(F);
        FloatVector r3 = FloatVector.zero(F), z3 = FloatVector.zero(F), n3 = FloatVector.zero(F);
        for (int q = 0, o = 0; q < hidden; q++, o += 3 * L) {
            FloatVector x = FloatVector.broadcast(F, cur[h0 + q]);
            r0 = x.fma(FloatVector.fromArray(F, w, w0 + o), r0);
            z0 = x.fma(FloatVector.fromArray(F, w, w0 + o + L), z0);
            n0 = x.fma(FloatVector.fromArray(F, w, w0 + o + 2 * L), n0);
            r1 = x.fma(FloatVector.fromArray(F, w, w1 + o), r1);
            z1 = x.fma(FloatVector.fromArray(F, w, w1 + o + L), z1);
            n1 = x.fma(FloatVector.fromArray(F, w, w1 + o + 2 * L), n1);
            r2 = x.fma(FloatVector.fromArray(F, w, w2 + o), r2);
            z2 = x.fma(FloatVector.fromArray(F, w, w2 + o + L), z2);
            n2 = x.fma(FloatVector.fromArray(F, w, w2 + o + 2 * L), n2);
            r3 = x.fma(FloatVector.fromArray(F, w, w3 + o), r3);
            z3 = x.fma(FloatVector.fromArray(F, w, w3 + o + L), z3);
            n3 = x.fma(FloatVector.fromArray(F, w, w3 + o + 2 * L), n3);
        }
        int j = jb - jb0;
        r0.intoArray(sums, rzAt(j, b, batch));
        z0.intoArray(sums, rzAt(j, b, batch) + L);
        n0.intoArray(sums, nb + nAt(j, b, batch));
        r1.intoArray(sums, rzAt(j + 1, b, batch));
        z1.intoArray(sums, rzAt(j + 1, b, batch) + L);
        n1.intoArray(sums, nb + nAt(j + 1, b, batch));
        r2.intoArray(sums, rzAt(j + 2, b, batch));
        z2.intoArray(sums, rzAt(j + 2, b, batch) + L);
        n2.intoArray(sums, nb + nAt(j + 2, b, batch));
        r3.intoArray(sums, rzAt(j + 3, b, batch));
        z3.intoArray(sums, rzAt(j + 3, b, batch) + L);
        n3.intoArray(sums, nb + nAt(j + 3, b, batch));
    }

    /** Four rows at once: each weight vector loaded once feeds 4 rows (12 accumulators). Same order per element as
     * {@link #sums1}, so a row's result does not depend on its neighbours. Row b + i's sums go to
     * {@code rz + i·2L} and {@code on + i·L}. */
    private void sums4(int d, int jb, int b, float[] cur, int curOff, float[] sums, int rz, int on) {
        float[] w = whh[d];
        int wOff = wBase(jb), ws = 3 * L, h0 = curOff + b * hp, h1 = h0 + hp, h2 = h1 + hp, h3 = h2 + hp;
        FloatVector r0 = FloatVector.zero(F), z0 = FloatVector.zero(F), n0 = FloatVector.zero(F);
        FloatVector r1 = FloatVector.zero(F), z1 = FloatVector.zero(F), n1 = FloatVector.zero(F);
        FloatVector r2 = FloatVector.zero(F), z2 = FloatVector.zero(F), n2 = FloatVector.zero(F);
        FloatVector r3 = FloatVector.zero(F), z3 = FloatVector.zero(F), n3 = FloatVector.zero(F);
        for (int q = 0, wq = wOff; q < hidden; q++, wq += ws) {
            FloatVector wr = FloatVector.fromArray(F, w, wq);
            FloatVector wz = FloatVector.fromArray(F, w, wq + L);
            FloatVector wn = FloatVector.fromArray(F, w, wq + 2 * L);
            FloatVector x0 = FloatVector.broadcast(F, cur[h0 + q]);
            r0 = x0.fma(wr, r0);
            z0 = x0.fma(wz, z0);
            n0 = x0.fma(wn, n0);
            FloatVector x1 = FloatVector.broadcast(F, cur[h1 + q]);
            r1 = x1.fma(wr, r1);
            z1 = x1.fma(wz, z1);
            n1 = x1.fma(wn, n1);
            FloatVector x2 = FloatVector.broadcast(F, cur[h2 + q]);
            r2 = x2.fma(wr, r2);
            z2 = x2.fma(wz, z2);
            n2 = x2.fma(wn, n2);
            FloatVector x3 = FloatVector.broadcast(F, cur[h3 + q]);
            r3 = x3.fma(wr, r3);
            z3 = x3.fma(wz, z3);
            n3 = x3.fma(wn, n3);
        }
        r0.intoArray(sums, rz);
        z0.intoArray(sums, rz + L);
        r1.intoArray(sums, rz + 2 * L);
        z1.intoArray(sums, rz + 3 * L);
        r2.intoArray(sums, rz + 4 * L);
        z2.intoArray(sums, rz + 5 * L);
        r3.intoArray(sums, rz + 6 * L);
        z3.intoArray(sums, rz + 7 * L);
        n0.intoArray(sums, on);
        n1.intoArray(sums, on + L);
        n2.intoArray(sums, on + 2 * L);
        n3.intoArray(sums, on + 3 * L);
    }

    /** The gate math on the recurrent sums of blocks [jb0, jb1) (overwritten), then h' into {@code next} and {@code out}. */
    private void gates(int d, int jb0, int jb1, int batch, float[] sums, int nb, float[] st, int cur, int next, float[] gi,
                       int giRow, int g, float[] out, int outRow, int outStride) {
        float[] bh = bhh[d];
        int nbk = jb1 - jb0;
        float[] tmp = VectorMath.temp();
        for (int jb = jb0; jb < jb1; jb++) { // r and z arguments
            int j = jb * L;
            FloatVector br = FloatVector.fromArray(F, bh, j);
            FloatVector bz = FloatVector.fromArray(F, bh, hp + j);
            for (int b = 0; b < batch; b++) {
                int giOff = giRow + b * g, so = rzAt(jb - jb0, b, batch);
                FloatVector.fromArray(F, gi, giOff + j).add(FloatVector.fromArray(F, sums, so).add(br)).intoArray(sums, so);
                FloatVector.fromArray(F, gi, giOff + hidden + j).add(FloatVector.fromArray(F, sums, so + L).add(bz)).intoArray(sums, so + L);
            }
        }
        VectorMath.applyInPlace(Activation.SIGMOID, sums, 0, nb, tmp);
        for (int jb = jb0; jb < jb1; jb++) { // n argument: gi_n + r ⊙ (W_hn h + b_hn)
            int j = jb * L;
            FloatVector bn = FloatVector.fromArray(F, bh, 2 * hp + j);
            for (int b = 0; b < batch; b++) {
                int giOff = giRow + b * g, on = nb + nAt(jb - jb0, b, batch);
                FloatVector r = FloatVector.fromArray(F, sums, rzAt(jb - jb0, b, batch));
                FloatVector.fromArray(F, gi, giOff + 2 * hidden + j).add(r.mul(FloatVector.fromArray(F, sums, on).add(bn))).intoArray(sums, on);
            }
        }
        VectorMath.applyInPlace(Activation.TANH, sums, nb, nbk * batch * L, tmp);
        for (int jb = jb0; jb < jb1; jb++) {
            int j = jb * L;
            boolean full = j + L <= hidden;
            VectorMask<Float> tail = F.indexInRange(j, hidden); // unconditional: a null phi would defeat escape analysis
            for (int b = 0; b < batch; b++) {
                int outOff = outRow + b * outStride;
                FloatVector z = FloatVector.fromArray(F, sums, rzAt(jb - jb0, b, batch) + L);
                FloatVector n = FloatVector.fromArray(F, sums, nb + nAt(jb - jb0, b, batch));
                FloatVector hOld = FloatVector.fromArray(F, st, cur + b * hp + j);
                FloatVector hNew = z.fma(hOld.sub(n), n); // (1 − z)·n + z·h
                hNew.intoArray(st, next + b * hp + j);
                if (full) hNew.intoArray(out, outOff + j);
                else hNew.intoArray(out, outOff + j, tail);
            }
        }
    }
}
