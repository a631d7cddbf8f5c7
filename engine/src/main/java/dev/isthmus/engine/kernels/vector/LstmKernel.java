package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import jdk.incubator.vector.FloatVector;

/**
 * One layer of {@code torch.nn.LSTM} (one or both directions, optionally with projections) with its weights packed at
 * load. PyTorch's equations, gates i | f | g | o in the weight rows:
 * i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…), o = σ(…); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'), then
 * with {@code proj} > 0 h' = W_hr h' (P × H).
 *
 * <p>The products run as {@link PanelRecurrence} describes: a panel is one block of L hidden units with its i, f, o
 * and g rows, so a pass's sums are the three σ gates side by side (one σ loop over all of them) and g apart (one
 * tanh loop). Then, per block, c' = f·c + i·g into the cell state (a padded copy for the whole call) and into g's
 * place, tanh of it, h' = o·tanh(c'), written to the output row (the next step reads it there). With projections
 * h' goes to a buffer instead and, once every pass of the step is done, one skinny GEMM (W_hr packed at load)
 * writes W_hr h' to the output row.
 */
public final class LstmKernel extends PanelRecurrence {
    /** Hidden units padded to whole blocks. */
    private final int hp;
    private final boolean projected;
    /** Per direction: W_hr (P × H) as a right operand, or null. */
    private final PackedMatrix[] whr;

    /**
     * @param proj the projection size P (0: none, the state is h of width H); {@code whr} per direction (P, H) then
     * @param wih  per direction (4H, in); {@code whh} per direction (4H, P or H); biases per direction (4H) or null
     */
    public LstmKernel(int in, int hidden, int proj, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh,
                      float[][] whr) {
        super(in, hidden, proj > 0 ? proj : hidden, dirs, columns(hidden), wih, whh, bih, bhh);
        this.hp = panels * L;
        this.projected = proj > 0;
        if (projected) {
            if (whr == null) throw new IllegalArgumentException("an LSTM with proj_size " + proj + " needs W_hr");
            this.whr = new PackedMatrix[dirs];
            for (int d = 0; d < dirs; d++) this.whr[d] = PackedMatrix.forB(whr[d], proj, hidden);
        } else {
            this.whr = null;
        }
    }

    /** Vectors i, f, o, g of each block of L units: gate rows 0·H, 1·H, 3·H, 2·H + the unit. */
    private static int[] columns(int hidden) {
        int blocks = (hidden + L - 1) / L;
        int[] gateOf = {0, 1, 3, 2};
        int[] r = new int[blocks * PW];
        for (int p = 0; p < blocks; p++) {
            for (int v = 0; v < V; v++) {
                for (int l = 0; l < L; l++) {
                    int unit = p * L + l;
                    r[p * PW + v * L + l] = unit < hidden ? gateOf[v] * hidden + unit : -1;
                }
            }
        }
        return r;
    }

    /** Bytes of the packed weights and biases. */
    public long heldBytes() {
        long b = footprint();
        if (whr != null) for (PackedMatrix m : whr) b += 4L * m.footprint();
        return b;
    }

    @Override
    int aStride() {
        return 3 * L;
    }

    @Override
    int bStride() {
        return L;
    }

    @Override
    int bBase(int batch, int np) {
        return batch * np * 3 * L;
    }

    /** The cell state (batch × hp) at 0, then with projections h' before W_hr (batch × hp). */
    @Override
    int stateFloats(int batch) {
        return (projected ? 2 : 1) * batch * hp;
    }

    @Override
    void begin(int d, float[] st, int batch, float[] c, int cOff) {
        java.util.Arrays.fill(st, 0, batch * hp, 0f);
        if (c != null) for (int b = 0; b < batch; b++) System.arraycopy(c, cOff + (d * batch + b) * hidden, st, b * hp, hidden);
    }

    @Override
    void end(int d, float[] st, int batch, float[] c, int cOff) {
        if (c != null) for (int b = 0; b < batch; b++) System.arraycopy(st, b * hp, c, cOff + (d * batch + b) * hidden, hidden);
    }

    @Override
    void gates(int d, int p0, int p1, int batch, float[] s, float[] st, float[] out, int outRow, int outStride) {
        int np = p1 - p0, nA = batch * np * 3 * L, nB = batch * np * L;
        float[] tmp = VectorMath.temp();
        VectorMath.applyInPlace(Activation.SIGMOID, s, 0, nA, tmp);
        VectorMath.applyInPlace(Activation.TANH, s, nA, nB, tmp);
        cells(s, nA, st, np, p0, batch);
        VectorMath.applyInPlace(Activation.TANH, s, nA, nB, tmp);
        if (projected) {
            outputs(s, nA, st, batch * hp, np, p0, batch);
        } else {
            outputs(s, nA, s, -1, np, p0, batch);
            int n = Math.min(np * L, hidden - p0 * L);
            for (int b = 0; b < batch; b++) System.arraycopy(s, nA + b * np * L, out, outRow + b * outStride + p0 * L, n);
        }
    }

    /** c' = f·c + i·g for every (row, block) of a pass: into the cell state and into g's place in the sums. */
    private void cells(float[] s, int nA, float[] st, int np, int p0, int batch) {
        for (int b = 0; b < batch; b++) {
            for (int pi = 0; pi < np; pi++) {
                int i = b * np + pi, a = i * 3 * L, gb = nA + i * L, co = b * hp + (p0 + pi) * L;
                FloatVector ig = FloatVector.fromArray(F, s, a), fg = FloatVector.fromArray(F, s, a + L);
                FloatVector g = FloatVector.fromArray(F, s, gb), cOld = FloatVector.fromArray(F, st, co);
                FloatVector cNew = fg.fma(cOld, ig.mul(g));
                cNew.intoArray(st, co);
                cNew.intoArray(s, gb);
            }
        }
    }

    /**
     * h' = o·tanh(c') for every (row, block) of a pass, tanh(c') in g's place: into {@code dst} at
     * {@code dOff + b·hp + p·L}, or (dOff < 0) back into g's place.
     */
    private void outputs(float[] s, int nA, float[] dst, int dOff, int np, int p0, int batch) {
        for (int b = 0; b < batch; b++) {
            for (int pi = 0; pi < np; pi++) {
                int i = b * np + pi, gb = nA + i * L;
                FloatVector hv = FloatVector.fromArray(F, s, i * 3 * L + 2 * L).mul(FloatVector.fromArray(F, s, gb));
                hv.intoArray(dst, dOff < 0 ? gb : dOff + b * hp + (p0 + pi) * L);
            }
        }
    }

    @Override
    void afterStep(int d, float[] st, int batch, float[] out, int outRow, int outStride, ComputePool pool) {
        if (projected) PackedGemm.multiply(st, batch * hp, hp, batch, whr[d], out, outRow, outStride, Epilogue.NONE, pool);
    }
}
