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

    /**
     * c (m × n, row stride ldc) = a (m × k, row stride lda) · b, b being (k × n) with row stride ldb, or with
     * {@code transB} (n × k) with row stride ldb; sums in double.
     */
    public static void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff,
                              int ldc, int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0.0;
                for (int p = 0; p < k; p++) {
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += (double) a[aOff + i * lda + p] * bv;
                }
                c[cOff + i * ldc + j] = (float) s;
            }
        }
    }
}
