package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Simd;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Comparison and data helpers of the kernel tests. */
public final class Check {
    private Check() {
    }

    /**
     * The Vector API kernels as a provider: {@link KernelProvider#vector()}, or, where SIMD is turned off (that
     * provider then refuses to exist), the same kernels made directly, which still run at the preferred width.
     */
    static final KernelProvider VECTOR = Simd.enabled() ? KernelProvider.vector() : new VectorKernels();

    /** The kernels' tolerance against the scalar reference: |a − e| ≤ 1e-4 · max(1, |e|). */
    public static final double TOL = 1e-4;

    public static void close(float[] expected, float[] actual, String what) {
        close(expected, actual, TOL, what);
    }

    public static void close(float[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + ", expected " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) && Double.isNaN(a) || a == e) continue; // a == e: equal infinities too
            if (!(Math.abs(a - e) <= tol * Math.max(1.0, Math.abs(e)))) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (|diff| " + Math.abs(a - e) + ")");
            }
        }
    }

    public static void bitwise(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
            }
        }
    }

    public static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }
}
