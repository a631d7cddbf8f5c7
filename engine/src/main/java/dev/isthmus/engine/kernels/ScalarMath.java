package dev.isthmus.engine.kernels;

/** Scalar elementary functions in double precision: the oracle the vector approximations are tested against. */
public final class ScalarMath {
    private ScalarMath() {
    }

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * The error function. |x| &lt; 2.5: its Maclaurin series (terms shrink after n ≈ x²);
     * beyond: 1 − erfc(x) with erfc from its continued fraction (Lentz), which converges fast for large x.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 6.0) return Math.copySign(1.0, x);
        if (ax < 2.5) {
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        return Math.copySign(1.0 - erfcLarge(ax), x);
    }

    /** erfc(x) for x ≥ 2.5 by the continued fraction erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))). */
    private static double erfcLarge(double x) {
        // evaluate K = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))) from the tail
        double k = x;
        for (int n = 60; n >= 1; n--) {
            k = x + (n / 2.0) / k;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / k;
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** GELU, exact form: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
    public static double gelu(double x) {
        return 0.5 * x * (1.0 + erf(x * 0.7071067811865476));
    }

    /** GELU, tanh approximation as PyTorch's approximate='tanh'. */
    public static double geluTanh(double x) {
        double inner = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return 0.5 * x * (1.0 + Math.tanh(inner));
    }

    public static double silu(double x) {
        return x / (1.0 + Math.exp(-x));
    }
}
