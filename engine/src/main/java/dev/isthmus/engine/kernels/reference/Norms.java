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

    /** BatchNorm as {@link #batchNorm(float[], float[], int, int, int, float[], float[], float[], float[], double)} at offsets. */
    public static void batchNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, float[] mean, float[] var,
                                 float[] gamma, float[] beta, double eps) {
        for (int ch = 0; ch < c; ch++) {
            double inv = 1.0 / Math.sqrt(var[ch] + eps);
            double g = gamma == null ? 1.0 : gamma[ch];
            double bt = beta == null ? 0.0 : beta[ch];
            for (int b = 0; b < n; b++) {
                int o = (b * c + ch) * spatial;
                for (int i = 0; i < spatial; i++) y[yOff + o + i] = (float) ((x[xOff + o + i] - mean[ch]) * inv * g + bt);
            }
        }
    }

    /**
     * GroupNorm (PyTorch's {@code group_norm}): per image and group of c/groups channels, y = (x − mean) / sqrt(var + eps)
     * (biased variance over the group's channels and positions), then · gamma[ch] + beta[ch] (either may be null).
     */
    public static void groupNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, int groups,
                                 float[] gamma, float[] beta, double eps) {
        int cg = c / groups;
        long len = (long) cg * spatial;
        for (int b = 0; b < n; b++) {
            for (int g = 0; g < groups; g++) {
                int o = (b * c + g * cg) * spatial;
                double mean = 0;
                for (int i = 0; i < len; i++) mean += x[xOff + o + i];
                mean /= len;
                double var = 0;
                for (int i = 0; i < len; i++) {
                    double t = x[xOff + o + i] - mean;
                    var += t * t;
                }
                var /= len;
                double inv = 1.0 / Math.sqrt(var + eps);
                for (int k = 0; k < cg; k++) {
                    int ch = g * cg + k;
                    double ga = gamma == null ? 1.0 : gamma[ch], be = beta == null ? 0.0 : beta[ch];
                    for (int i = 0; i < spatial; i++) {
                        int at = o + k * spatial + i;
                        y[yOff + at] = (float) ((x[xOff + at] - mean) * inv * ga + be);
                    }
                }
            }
        }
    }

    /** Softmax, or log-softmax, along the middle axis of (outer, d, inner), at offsets; y may be x. */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, boolean log) {
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * d * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < d; i++) max = Math.max(max, x[xOff + base + i * inner]);
                double sum = 0;
                for (int i = 0; i < d; i++) sum += Math.exp(x[xOff + base + i * inner] - max);
                double logSum = Math.log(sum);
                for (int i = 0; i < d; i++) {
                    double v = x[xOff + base + i * inner] - max;
                    y[yOff + base + i * inner] = (float) (log ? v - logSum : Math.exp(v) / sum);
                }
            }
        }
    }
}
