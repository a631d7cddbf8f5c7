package dev.isthmus.engine.kernels.reference;

/** Reference normalisations. */
public final class Norms {
    private Norms() {
    }

    /** LayerNorm over rows of length d: y = (x − mean) / sqrt(var + eps) · gamma + beta (biased variance). */
    public static void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d,
                                 float[] gamma, float[] beta, double eps) {
        for (int r = 0; r < rows; r++) {
            int o = xOff + r * d;
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x[o + i];
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double t = x[o + i] - mean;
                var += t * t;
            }
            var /= d;
            double inv = 1.0 / Math.sqrt(var + eps);
            int yo = yOff + r * d;
            for (int i = 0; i < d; i++) {
                double v = (x[o + i] - mean) * inv;
                if (gamma != null) v *= gamma[i];
                if (beta != null) v += beta[i];
                y[yo + i] = (float) v;
            }
        }
    }

    /** BatchNorm (inference) over NC(spatial): y = (x − mean[c]) / sqrt(var[c] + eps) · gamma[c] + beta[c]. */
    public static void batchNorm(float[] x, float[] y, int n, int c, int spatial, float[] mean, float[] var,
                                 float[] gamma, float[] beta, double eps) {
        for (int ch = 0; ch < c; ch++) {
            double inv = 1.0 / Math.sqrt(var[ch] + eps);
            double g = gamma == null ? 1.0 : gamma[ch];
            double bt = beta == null ? 0.0 : beta[ch];
            for (int b = 0; b < n; b++) {
                int o = (b * c + ch) * spatial;
                for (int i = 0; i < spatial; i++) y[o + i] = (float) ((x[o + i] - mean[ch]) * inv * g + bt);
            }
        }
    }

    /** Softmax along an axis of size d with outer × inner layout: index = (o·d + i)·inner + in. */
    public static void softmax(float[] x, float[] y, int outer, int d, int inner) {
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * d * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < d; i++) max = Math.max(max, x[base + i * inner]);
                double sum = 0;
                for (int i = 0; i < d; i++) sum += Math.exp(x[base + i * inner] - max);
                for (int i = 0; i < d; i++) y[base + i * inner] = (float) (Math.exp(x[base + i * inner] - max) / sum);
            }
        }
    }
}
