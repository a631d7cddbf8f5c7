package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.ScalarMath;

/**
 * Reference LSTM and RNN steps, PyTorch's equations, one direction of one layer over a time-major sequence, in
 * double precision. LSTM gates i | f | g | o in the weight rows: i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…),
 * g = tanh(…), o = σ(…); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'), then h' = W_hr h' with projections. RNN:
 * h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or ReLU).
 */
public final class Recurrent {
    private Recurrent() {
    }

    /**
     * One LSTM direction. x (steps, batch, in); wih (4H, in), whh (4H, P), biases (4H) or null, whr (P, H) or null
     * (then P = H). h (batch, P) and c (batch, H) hold the initial state at hOff / cOff and receive the final one;
     * out receives h_t at {@code (t·batch + b)·outStride + outOff}.
     */
    public static void lstm(float[] x, int xOff, int steps, int batch, int in, float[] wih, float[] whh, float[] bih, float[] bhh,
                            float[] whr, int hidden, int proj, boolean reverse, float[] h, int hOff, float[] c, int cOff,
                            float[] out, int outOff, int outStride) {
        int g4 = 4 * hidden, p = whr == null ? hidden : proj;
        double[] gates = new double[g4];
        double[] hNew = new double[hidden];
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            for (int b = 0; b < batch; b++) {
                int xo = xOff + (t * batch + b) * in, ho = hOff + b * p, co = cOff + b * hidden;
                for (int r = 0; r < g4; r++) {
                    double a = (bih == null ? 0 : bih[r]) + (bhh == null ? 0 : bhh[r]);
                    for (int k = 0; k < in; k++) a += (double) wih[r * in + k] * x[xo + k];
                    for (int k = 0; k < p; k++) a += (double) whh[r * p + k] * h[ho + k];
                    gates[r] = a;
                }
                for (int j = 0; j < hidden; j++) {
                    double ig = ScalarMath.sigmoid(gates[j]);
                    double fg = ScalarMath.sigmoid(gates[hidden + j]);
                    double gg = Math.tanh(gates[2 * hidden + j]);
                    double og = ScalarMath.sigmoid(gates[3 * hidden + j]);
                    double cn = fg * c[co + j] + ig * gg;
                    c[co + j] = (float) cn;
                    hNew[j] = og * Math.tanh((float) cn);
                }
                int oo = outOff + (t * batch + b) * outStride;
                for (int k = 0; k < p; k++) {
                    double v;
                    if (whr == null) {
                        v = hNew[k];
                    } else {
                        v = 0;
                        for (int j = 0; j < hidden; j++) v += (double) whr[k * hidden + j] * (float) hNew[j];
                    }
                    h[ho + k] = (float) v;
                    out[oo + k] = (float) v;
                }
            }
        }
    }

    /** One RNN direction: as {@link #lstm} without the cell state; tanh, or ReLU when {@code relu}. */
    public static void rnn(float[] x, int xOff, int steps, int batch, int in, float[] wih, float[] whh, float[] bih, float[] bhh,
                           int hidden, boolean relu, boolean reverse, float[] h, int hOff, float[] out, int outOff, int outStride) {
        double[] next = new double[hidden];
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            for (int b = 0; b < batch; b++) {
                int xo = xOff + (t * batch + b) * in, ho = hOff + b * hidden;
                for (int j = 0; j < hidden; j++) {
                    double a = (bih == null ? 0 : bih[j]) + (bhh == null ? 0 : bhh[j]);
                    for (int k = 0; k < in; k++) a += (double) wih[j * in + k] * x[xo + k];
                    for (int k = 0; k < hidden; k++) a += (double) whh[j * hidden + k] * h[ho + k];
                    next[j] = relu ? Math.max(a, 0) : Math.tanh(a);
                }
                int oo = outOff + (t * batch + b) * outStride;
                for (int j = 0; j < hidden; j++) {
                    h[ho + j] = (float) next[j];
                    out[oo + j] = (float) next[j];
                }
            }
        }
    }
}
