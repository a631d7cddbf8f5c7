package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One layer of {@code torch.nn.LSTM} without a projection (one or both directions) with W_ih and W_hh kept int8 or
 * bf16 ({@link NarrowMatrix}) and widened in registers by {@link NarrowProducts}. PyTorch's equations, gates
 * i | f | g | o: i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of W_ih x + b_ih + W_hh h + b_hh; c' = f ⊙ c + i ⊙ g,
 * h' = o ⊙ tanh(c').
 *
 * <p>As {@link NarrowGruKernel}: the input projections of every step and both directions are one product (widened once
 * per call when there are enough rows), the two biases are added with them, and each step is a matrix-vector product
 * per batch row over the narrow W_hh followed by the gate math in passes over arrays. Results do not depend on the
 * thread count.
 */
final class NarrowLstmKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    private static final Scratch GI = new Scratch(), GH = new Scratch();

    private final int in, hidden, dirs;
    /** W_ih of the directions stacked: (dirs·4H × in). */
    private final NarrowProducts wih;
    private final NarrowProducts[] whh;
    /** b_ih + b_hh of the directions stacked (dirs·4H), or null without biases. */
    private final float[] bias;

    NarrowLstmKernel(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        if (dirs != 1 && dirs != 2) throw new IllegalArgumentException("dirs must be 1 or 2");
        int g4 = 4 * hidden;
        for (int d = 0; d < dirs; d++) {
            if (wih[d].rows() != g4 || wih[d].cols() != in || whh[d].rows() != g4 || whh[d].cols() != hidden) {
                throw new IllegalArgumentException("LSTM weights " + wih[d] + ", " + whh[d] + " for input " + in + ", hidden " + hidden);
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
            for (float[][] part : new float[][][]{bih, bhh}) {
                if (part == null || part[d] == null) continue;
                if (b == null) b = new float[dirs * g4];
                Elementwise.addInPlace(b, d * g4, part[d], 0, g4);
            }
        }
        this.bias = b;
    }

    /** See {@link dev.isthmus.engine.kernels.RecurrentKernel#forward}. */
    void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out, int outOff,
                 ComputePool pool) {
        int g4 = 4 * hidden, gw = dirs * g4, rows = steps * batch;
        float[] gi = GI.floats(rows * gw);
        NarrowLinearKernel.product(wih, x, xOff, in, rows, gi, 0, gw, pool);
        if (bias != null) {
            for (int i = 0; i < rows; i++) Elementwise.addInPlace(gi, i * gw, bias, 0, gw);
        }
        float[] gh = GH.floats(batch * g4);
        int ow = dirs * hidden;
        for (int d = 0; d < dirs; d++) {
            NarrowProducts w = whh[d];
            int hd = hOff + d * batch * hidden, cd = cOff + d * batch * hidden;
            for (int s = 0; s < steps; s++) {
                int t = d == 1 ? steps - 1 - s : s;
                w.multiply(h, hd, hidden, batch, gh, 0, g4, pool);
                for (int b = 0; b < batch; b++) {
                    int ho = hd + b * hidden;
                    gates(gi, (t * batch + b) * gw + d * g4, gh, b * g4, h, ho, c, cd + b * hidden, hidden);
                    System.arraycopy(h, ho, out, outOff + (t * batch + b) * ow + d * hidden, hidden);
                }
            }
        }
    }

    /**
     * c[co + j] ← f·c + i·g and h[ho + j] ← o·tanh(c) for j < H, from gi (with both biases) at giOff and gh at ghOff,
     * gates i | f | g | o; gh's 4H values are overwritten (the g slot ends holding tanh(c)). In passes over arrays, as
     * NarrowGruKernel.gates does.
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

    long heldBytes() {
        long b = wih.heldBytes() + (bias == null ? 0 : 4L * bias.length);
        for (int d = 0; d < dirs; d++) b += whh[d].heldBytes();
        return b;
    }
}
