package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;

/**
 * One layer of {@code torch.nn.RNN} (one or both directions) with its weights packed at load:
 * h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or ReLU in place of tanh.
 *
 * <p>The products run as {@link PanelRecurrence} describes, a panel being four consecutive blocks of L hidden units
 * (one gate: four vectors of the same kind keep the register tiles of the gated cells). A pass's sums are then the
 * pre-activations of its units in order, row by row: one activation loop over all of them, and each row's units are
 * copied to the output row, where the next step reads them.
 */
public final class RnnKernel extends PanelRecurrence {
    private final Activation act;

    /**
     * @param relu ReLU rather than tanh
     * @param wih  per direction (H, in); {@code whh} per direction (H, H); biases per direction (H) or null
     */
    public RnnKernel(int in, int hidden, int dirs, boolean relu, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        super(in, hidden, hidden, dirs, columns(hidden), wih, whh, bih, bhh);
        this.act = relu ? Activation.RELU : Activation.TANH;
    }

    /** Units in order, padded to whole panels. */
    private static int[] columns(int hidden) {
        int[] r = new int[(hidden + PW - 1) / PW * PW];
        for (int j = 0; j < r.length; j++) r[j] = j < hidden ? j : -1;
        return r;
    }

    /** Bytes of the packed weights and biases. */
    public long heldBytes() {
        return footprint();
    }

    @Override
    int aStride() {
        return PW;
    }

    @Override
    int bStride() {
        return PW;
    }

    @Override
    int bBase(int batch, int np) {
        return 3 * L;
    }

    @Override
    int stateFloats(int batch) {
        return 0;
    }

    @Override
    void begin(int d, float[] st, int batch, float[] c, int cOff) {
    }

    @Override
    void end(int d, float[] st, int batch, float[] c, int cOff) {
    }

    @Override
    void gates(int d, int p0, int p1, int batch, float[] s, float[] st, float[] out, int outRow, int outStride) {
        int np = p1 - p0, row = np * PW, n = Math.min(row, hidden - p0 * PW);
        VectorMath.applyInPlace(act, s, 0, batch * row, act == Activation.RELU ? null : VectorMath.temp());
        for (int b = 0; b < batch; b++) System.arraycopy(s, b * row, out, outRow + b * outStride + p0 * PW, n);
    }

    @Override
    void afterStep(int d, float[] st, int batch, float[] out, int outRow, int outStride, ComputePool pool) {
    }
}
