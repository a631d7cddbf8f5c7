package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer of {@code torch.nn.LSTM} (one or both directions, with or without {@code proj_size}) with W_ih, W_hh and
 * W_hr kept int8 or bf16 ({@link NarrowMatrix}) and widened in registers by {@link NarrowProducts}. PyTorch's equations, gates
 * i | f | g | o: i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of W_ih x + b_ih + W_hh h + b_hh; c' = f ⊙ c + i ⊙ g,
 * h' = o ⊙ tanh(c').
 *
 * <p>The steps as {@link NarrowRecurrentKernel} runs them, with b_ih + b_hh added to the input projections; the gate
 * math in passes over arrays.
 */
final class NarrowLstmKernel extends NarrowRecurrentKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** W_hr of each direction (P × H) with a projection, else null. */
    private final NarrowProducts[] whr;

    NarrowLstmKernel(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        super("LSTM", 4, in, hidden, dirs, wih, whh, stackedBias(dirs, 4 * hidden, bih, bhh)); // both biases go with the input's
        this.whr = null;
    }

    /** With a projection of {@code proj} outputs: W_hh (4H × P) and W_hr (P × H) per direction; h' = W_hr (o ⊙ tanh(c')). */
    NarrowLstmKernel(int in, int hidden, int proj, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh,
                     NarrowMatrix[] whr) {
        super("LSTM", 4, in, hidden, proj, dirs, wih, whh, stackedBias(dirs, 4 * hidden, bih, bhh));
        this.whr = new NarrowProducts[dirs];
        for (int d = 0; d < dirs; d++) {
            if (whr[d].rows() != proj || whr[d].cols() != hidden) {
                throw new IllegalArgumentException("LSTM projection " + whr[d] + " for proj_size " + proj + ", hidden " + hidden);
            }
            this.whr[d] = NarrowProducts.forSteps(whr[d]);
            whr[d].releasePages();
        }
    }

    /** With the input projections (and both biases) made by {@code inputProducts}, one per direction. */
    NarrowLstmKernel(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh) {
        super("LSTM", 4, in, hidden, dirs, inputProducts, whh);
        this.whr = null;
    }

    @Override
    void step(int dir, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int ho, float[] c, int co) {
        if (whr == null) {
            gates(gi, giOff, gh, ghOff, h, ho, c, co, hidden);
        } else { // o ⊙ tanh(c') into gh's i slot (free by then), projected into h
            gates(gi, giOff, gh, ghOff, gh, ghOff, c, co, hidden);
            whr[dir].multiply(gh, ghOff, hidden, 1, h, ho, width, null);
        }
    }

    @Override
    long otherBytes() {
        long b = 0;
        if (whr != null) for (NarrowProducts p : whr) b += p.heldBytes();
        return b;
    }

    /**
     * c[co + j] ← f·c + i·g and h[ho + j] ← o·tanh(c) for j < H, from gi (with both biases) at giOff and gh at ghOff,
     * gates i | f | g | o; gh's 4H values are overwritten (the g slot ends holding tanh(c)); h may be gh's i slot. In
     * passes over arrays, as NarrowGruKernel.gates does.
     */
    private static void gates(float[] gi, int giOff, float[] gh, int ghOff, float[] h, int ho, float[] c, int co, int hidden) {
        int g4 = 4 * hidden, j = 0;
        for (; j <= g4 - L; j += L) {
            FloatVector.fromArray(F, gi, giOff + j).add(FloatVector.fromArray(F, gh, ghOff + j)).intoArray(gh, ghOff + j);
        }
        for (; j < g4; j++) gh[ghOff + j] = gi[giOff + j] + gh[ghOff + j];
        float[] tmp = VectorMath.temp();
        int i0 = ghOff, f0 = ghOff + hidden, g0 = ghOff + 2 * hidden, o0 = ghOff + 3 * hidden;
        VectorMath.applyInPlace(Activation.SIGMOID, gh, i0, 2 * hidden, tmp);
        VectorMath.applyInPlace(Activation.TANH, gh, g0, hidden, tmp);
        VectorMath.applyInPlace(Activation.SIGMOID, gh, o0, hidden, tmp);
        // c' = f·c + i·g, kept in c and in the g slot
        for (j = 0; j <= hidden - L; j += L) {
            FloatVector cn = FloatVector.fromArray(F, gh, f0 + j).mul(FloatVector.fromArray(F, c, co + j))
                    .add(FloatVector.fromArray(F, gh, i0 + j).mul(FloatVector.fromArray(F, gh, g0 + j)));
            cn.intoArray(c, co + j);
            cn.intoArray(gh, g0 + j);
        }
        for (; j < hidden; j++) {
            float cn = gh[f0 + j] * c[co + j] + gh[i0 + j] * gh[g0 + j];
            c[co + j] = cn;
            gh[g0 + j] = cn;
        }
        VectorMath.applyInPlace(Activation.TANH, gh, g0, hidden, tmp);
        for (j = 0; j <= hidden - L; j += L) {
            FloatVector.fromArray(F, gh, o0 + j).mul(FloatVector.fromArray(F, gh, g0 + j)).intoArray(h, ho + j);
        }
        for (; j < hidden; j++) h[ho + j] = gh[o0 + j] * gh[g0 + j];
    }
}
