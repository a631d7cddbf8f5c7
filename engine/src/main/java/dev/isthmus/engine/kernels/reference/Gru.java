package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.ScalarMath;

/**
 * Reference GRU, PyTorch's equations (gates r | z | n in the weight rows):
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
 */
public final class Gru {
    private Gru() {
    }

    /**
     * Runs one direction of one layer over a time-major sequence.
     *
     * @param x      (steps, batch, in) time-major
     * @param wih    (3H, in); {@code whh} (3H, H); biases (3H) or null
     * @param h      (batch, H): the initial state on entry, the final state on return
     * @param out    receives h_t at {@code ((t·batch + b)·outStride) + outOff + j}
     */
    public static void layer(float[] x, int steps, int batch, int in, float[] wih, float[] whh, float[] bih, float[] bhh,
                             int hidden, boolean reverse, float[] h, float[] out, int outStride, int outOff) {
        int g3 = 3 * hidden;
        double[] gi = new double[g3];
        double[] gh = new double[g3];
        float[] next = new float[hidden];
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            for (int b = 0; b < batch; b++) {
                int xo = (t * batch + b) * in;
                int ho = b * hidden;
                for (int r = 0; r < g3; r++) {
                    double a = bih == null ? 0 : bih[r];
                    for (int p = 0; p < in; p++) a += (double) wih[r * in + p] * x[xo + p];
                    gi[r] = a;
                    double c = bhh == null ? 0 : bhh[r];
                    for (int p = 0; p < hidden; p++) c += (double) whh[r * hidden + p] * h[ho + p];
                    gh[r] = c;
                }
                for (int j = 0; j < hidden; j++) {
                    double rg = ScalarMath.sigmoid(gi[j] + gh[j]);
                    double zg = ScalarMath.sigmoid(gi[hidden + j] + gh[hidden + j]);
                    double ng = Math.tanh(gi[2 * hidden + j] + rg * gh[2 * hidden + j]);
                    next[j] = (float) ((1 - zg) * ng + zg * h[ho + j]);
                }
                System.arraycopy(next, 0, h, ho, hidden);
                System.arraycopy(next, 0, out, (t * batch + b) * outStride + outOff, hidden);
            }
        }
    }
}
