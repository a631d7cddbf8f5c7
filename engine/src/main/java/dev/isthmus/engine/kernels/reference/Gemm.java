package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.Activation;

/** Reference matrix products. */
public final class Gemm {
    private Gemm() {
    }

    /**
     * C[m][n] = act(Σ_k A[m][k]·B[n][k] + bias[n]) — the product with B transposed, as {@code torch.nn.Linear} stores
     * its weight (out, in). Row-major; offsets in elements; bias may be null.
     */
    public static void matmulTransB(float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                                    float[] c, int cOff, int m, int n, int k, Activation act) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * k;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * k;
                double s = bias == null ? 0.0 : bias[biasOff + j];
                for (int p = 0; p < k; p++) s += (double) a[ai + p] * b[bj + p];
                c[cOff + i * n + j] = act.apply((float) s);
            }
        }
    }

    /** C[m][n] = Σ_k A[m][k]·B[k][n] (both row-major, no transpose). */
    public static void matmul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0.0;
                for (int p = 0; p < k; p++) s += (double) a[aOff + i * k + p] * b[bOff + p * n + j];
                c[cOff + i * n + j] = (float) s;
            }
        }
    }
}
