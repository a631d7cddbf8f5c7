package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer of {@code torch.nn.GRU} (one or both directions) with W_ih and W_hh kept int8 or bf16
 * ({@link NarrowMatrix}) and widened in registers by {@link NarrowProducts}. PyTorch's equations, gates r | z | n:
 * r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h, where
 * gi = W_ih x + b_ih and gh = W_hh h + b_hh.
 *
 * <p>The input projections of every step and both directions are one product (W_ih of the directions stacked); each
 * step then computes gh row by row of the batch — a matrix-vector product over the narrow W_hh, the memory-bound
 * case this kernel is for — and the gate math in vectors of L hidden units. Simpler than {@link GruKernel}'s fused
 * step; the products split over the pool on blocks of outputs when they are big enough, so results do not depend on
 * the thread count.
 */
final class NarrowGruKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    private static final Scratch GI = new Scratch(), GH = new Scratch();

    private final int in, hidden, dirs;
    /** W_ih of the directions stacked: (dirs·3H × in). */
    private final NarrowProducts wih;
    private final NarrowProducts[] whh;
    /** b_ih of the directions stacked (dirs·3H), or null. */
    private final float[] bih;
    /** Per direction (3H), entries null without bias. */
    private final float[][] bhh;

    NarrowGruKernel(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        if (dirs != 1 && dirs != 2) throw new IllegalArgumentException("dirs must be 1 or 2");
        int g3 = 3 * hidden;
        for (int d = 0; d < dirs; d++) {
            if (wih[d].rows() != g3 || wih[d].cols() != in || whh[d].rows() != g3 || whh[d].cols() != hidden) {
                throw new IllegalArgumentException("GRU weights " + wih[d] + ", " + whh[d] + " for input " + in + ", hidden " + hidden);
            }
        }
        this.in = in;
        this.hidden = hidden;
        this.dirs = dirs;
        this.wih = new NarrowProducts(dirs == 1 ? wih[0] : NarrowMatrix.stack(wih[0], wih[1]));
        this.whh = new NarrowProducts[dirs];
        for (int d = 0; d < dirs; d++) this.whh[d] = new NarrowProducts(whh[d]);
        for (int d = 0; d < dirs; d++) { // packed: the mapped pages are not read again
            wih[d].releasePages();
            whh[d].releasePages();
        }
        float[] b = null;
        for (int d = 0; d < dirs; d++) {
            if (bih != null && bih[d] != null) {
                if (b == null) b = new float[dirs * g3];
                System.arraycopy(bih[d], 0, b, d * g3, g3);
            }
        }
        this.bih = b;
        this.bhh = new float[dirs][];
        for (int d = 0; d < dirs; d++) this.bhh[d] = bhh == null ? null : bhh[d];
    }

    /** See {@link dev.isthmus.engine.kernels.RecurrentKernel#forward}. */
    void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] out, int outOff, ComputePool pool) {
        int g3 = 3 * hidden, gw = dirs * g3, rows = steps * batch;
        float[] gi = GI.floats(rows * gw);
        NarrowLinearKernel.product(wih, x, xOff, in, rows, gi, 0, gw, pool);
        if (bih != null) {
            for (int i = 0; i < rows; i++) Elementwise.addInPlace(gi, i * gw, bih, 0, gw);
        }
        float[] gh = GH.floats(batch * g3);
        int ow = dirs * hidden;
        for (int d = 0; d < dirs; d++) {
            NarrowProducts w = whh[d];
            float[] bh = bhh[d];
            int hd = hOff + d * batch * hidden;
            for (int s = 0; s < steps; s++) {
                int t = d == 1 ? steps - 1 - s : s;
                w.multiply(h, hd, hidden, batch, gh, 0, g3, pool);
                for (int b = 0; b < batch; b++) {
                    int ho = hd + b * hidden;
                    gates(gi, (t * batch + b) * gw + d * g3, gh, b * g3, bh, h, ho, hidden);
                    System.arraycopy(h, ho, out, outOff + (t * batch + b) * ow + d * hidden, hidden);
                }
            }
        }
    }

    /**
     * h[ho + j] ← (1 − z)·n + z·h for j < H, from gi (with b_ih) at giOff and gh (without b_hh) at ghOff, gates r | z | n;
     * gh's 3H values are overwritten. In passes over arrays, as {@link GruKernel} does: σ and tanh go through
     * {@link VectorMath#applyInPlace}, since a helper that takes and returns vectors boxes them whenever C2 does not
     * inline it (steady-state profiles of this kernel showed the interpreter's vector templates under VectorMath.tanh).
     */
    private static void gates(float[] gi, int giOff, float[] gh, int ghOff, float[] bh, float[] h, int ho, int hidden) {
        int h2 = 2 * hidden, j = 0;
        // r and z arguments: gi + (gh + b_h)
        for (int bound = h2 - L; j <= bound; j += L) {
            FloatVector g = FloatVector.fromArray(F, gh, ghOff + j);
            if (bh != null) g = g.add(FloatVector.fromArray(F, bh, j));
            FloatVector.fromArray(F, gi, giOff + j).add(g).intoArray(gh, ghOff + j);
        }
        for (; j < h2; j++) gh[ghOff + j] = gi[giOff + j] + (gh[ghOff + j] + (bh == null ? 0f : bh[j]));
        float[] tmp = VectorMath.temp();
        VectorMath.applyInPlace(Activation.SIGMOID, gh, ghOff, h2, tmp);
        // n argument: gi_n + r ⊙ (gh_n + b_hn)
        int n0 = ghOff + h2;
        for (j = 0; j <= hidden - L; j += L) {
            FloatVector g = FloatVector.fromArray(F, gh, n0 + j);
            if (bh != null) g = g.add(FloatVector.fromArray(F, bh, h2 + j));
            FloatVector.fromArray(F, gh, ghOff + j).fma(g, FloatVector.fromArray(F, gi, giOff + h2 + j)).intoArray(gh, n0 + j);
        }
        for (; j < hidden; j++) {
            gh[n0 + j] = (float) (gi[giOff + h2 + j] + (double) gh[ghOff + j] * (gh[n0 + j] + (bh == null ? 0f : bh[h2 + j])));
        }
        VectorMath.applyInPlace(Activation.TANH, gh, n0, hidden, tmp);
        // h' = n + z·(h − n) = (1 − z)·n + z·h
        for (j = 0; j <= hidden - L; j += L) {
            FloatVector n = FloatVector.fromArray(F, gh, n0 + j);
            FloatVector.fromArray(F, gh, ghOff + hidden + j).fma(FloatVector.fromArray(F, h, ho + j).sub(n), n).intoArray(h, ho + j);
        }
        for (; j < hidden; j++) {
            float n = gh[n0 + j];
            h[ho + j] = n + gh[ghOff + hidden + j] * (h[ho + j] - n);
        }
    }

    long heldBytes() {
        long b = wih.heldBytes() + (bih == null ? 0 : 4L * bih.length);
        for (int d = 0; d < dirs; d++) b += whh[d].heldBytes() + (bhh[d] == null ? 0 : 4L * bhh[d].length);
        return b;
    }
}
