package dev.isthmus.engine.kernels.reference;

/** Reference scaled dot-product attention, one head at a time, with the full score row materialised. */
public final class Attention {
    private Attention() {
    }

    /**
     * For each query row i: out[i] = Σ_j softmax_j(q_i·k_j · scale + maskAdd[j]) v_j.
     * q: rows at qOff + i·qStride (headDim values), likewise k, v, out. keyBias may be null, else an additive bias per
     * key (0 keeps a key; −∞ or a very negative value drops it). A row whose keys are all −∞ is NaN, as in PyTorch.
     */
    public static void forward(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                               float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                               int keyBiasOff) {
        forward(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, oOff, oStride, sq, sk, headDim, scale, keyBias,
                keyBiasOff, false);
    }

    /** The same; with {@code causal} query i sees only keys j ≤ i. */
    public static void forward(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                               float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                               int keyBiasOff, boolean causal) {
        double[] s = new double[sk];
        for (int i = 0; i < sq; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < sk; j++) {
                if (causal && j > i) {
                    s[j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double d = 0;
                for (int p = 0; p < headDim; p++) d += (double) q[qOff + i * qStride + p] * k[kOff + j * kStride + p];
                d *= scale;
                if (keyBias != null) d += keyBias[keyBiasOff + j];
                s[j] = d;
                if (d > max) max = d;
            }
            double sum = 0;
            for (int j = 0; j < sk; j++) {
                s[j] = Math.exp(s[j] - max);
                sum += s[j];
            }
            for (int p = 0; p < headDim; p++) {
                double acc = 0;
                for (int j = 0; j < sk; j++) acc += s[j] * v[vOff + j * vStride + p];
                out[oOff + i * oStride + p] = (float) (acc / sum);
            }
        }
    }
}
