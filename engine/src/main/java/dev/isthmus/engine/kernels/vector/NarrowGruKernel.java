package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer of {@code torch.nn.GRU} (one or both directions) with W_ih and W_hh kept int8 or bf16
 * ({@link NarrowMatrix}) and widened in registers by {@link NarrowProducts}. PyTorch's equations, gates r | z | n:
 * r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h, where
 * gi = W_ih x + b_ih and gh = W_hh h + b_hh.
 *
 * <p>The steps as {@link NarrowRecurrentKernel} runs them; the gate math in vectors of L hidden units, simpler than
 * {@link GruKernel}'s fused step.
 */
final class NarrowGruKernel extends NarrowRecurrentKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** Per direction (3H), entries null without bias. */
    private final float[][] bhh;

    NarrowGruKernel(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        super("GRU", 3, in, hidden, dirs, wih, whh, stackedBias(dirs, 3 * hidden, bih));
        this.bhh = perDirection(dirs, bhh);
    }

    /** With the input projections (and b_ih) made by {@code inputProducts}, one per direction. */
    NarrowGruKernel(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh, float[][] bhh) {
        super("GRU", 3, in, hidden, dirs, inputProducts, whh);
        this.bhh = perDirection(dirs, bhh);
    }

    /** b_hh of each direction (null entries when there is none). */
    private static float[][] perDirection(int dirs, float[][] bhh) {
        return bhh == null ? new float[dirs][] : java.util.Arrays.copyOf(bhh, dirs);
    }

    @Override
    void step(int dir, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int ho, float[] c, int co) {
        gates(gi, giOff, gh, ghOff, bhh[dir], h, ho, hidden);
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

    @Override
    long otherBytes() {
        long b = 0;
        for (float[] x : bhh) b += x == null ? 0 : 4L * x.length;
        return b;
    }
}
