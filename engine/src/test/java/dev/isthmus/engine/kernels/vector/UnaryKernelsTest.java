package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Unary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@link Unary} op against the reference: lengths around the vector width and over the task size, in place
 * and at offsets, special values (±0, ±∞, NaN, subnormals, negatives where the function has no real value),
 * relative error ≤ 1e-6 (exact where the op is one IEEE operation), results bitwise equal for 1, 2 and 3 threads.
 */
class UnaryKernelsTest extends ThreePools {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 100, 127};

    /** An op with its parameters. */
    record Case(Unary op, double p, double q) {
        @Override
        public String toString() {
            return op + "(" + p + (Double.isNaN(q) && op != Unary.CLAMP ? "" : ", " + q) + ")";
        }
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        for (Unary op : new Unary[]{Unary.NEG, Unary.SQRT, Unary.RSQRT, Unary.EXP, Unary.LOG, Unary.ABS, Unary.RECIPROCAL}) {
            c.add(new Case(op, Double.NaN, Double.NaN));
        }
        for (double p : new double[]{0.01, 0.2}) c.add(new Case(Unary.LEAKY_RELU, p, Double.NaN));
        for (double p : new double[]{1.0, 0.3}) c.add(new Case(Unary.ELU, p, Double.NaN));
        for (double[] pq : new double[][]{{-1, 1}, {Double.NaN, 0.5}, {-0.5, Double.NaN}, {Double.NaN, Double.NaN}, {0.1, 0.3}, {0, 6}}) {
            c.add(new Case(Unary.CLAMP, pq[0], pq[1]));
        }
        for (Unary op : new Unary[]{Unary.ADD, Unary.MUL, Unary.DIV, Unary.RSUB, Unary.RDIV}) {
            for (double p : new double[]{0.3, -2.5, 0.1}) c.add(new Case(op, p, Double.NaN));
        }
        for (double p : new double[]{2, 0.5, 1, 0, 3, -1, 1.7, -0.5, 2.5, -3}) c.add(new Case(Unary.POW, p, Double.NaN));
        return c;
    }

    /** Inputs with the special values first, then random ones of mixed scale and sign. */
    private static float[] inputs(SplittableRandom r, int n) {
        float[] special = {0f, -0f, 1f, -1f, 0.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE,
                1e-40f, 3e-39f, Float.MIN_NORMAL, -1e-40f, 1e-7f, -1e-7f, 0.49f, -0.49f, 0.51f, -0.51f, 88f, -88f, 100f, -100f,
                1.0001f, 0.9999f, 1e30f, -1e30f, 2f, 1.4142135f, 1.4142137f, 0.7071067f};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            if (i < special.length && n >= 64) {
                x[i] = special[i];
            } else {
                double mag = Math.pow(10, r.nextDouble() * 6 - 3); // 1e-3 … 1e3
                x[i] = (float) ((r.nextBoolean() ? 1 : -1) * (r.nextInt(4) == 0 ? r.nextDouble() * 2 : mag));
            }
        }
        return x;
    }

    /**
     * |a − e| ≤ 1e-6·|e| (or 1e-6 absolute where the result is below 1e-30 in magnitude: subnormal and zero
     * results); equal values and NaN for NaN pass; ±0 and 0 count as equal.
     */
    private static void relClose(float[] x, float[] e, float[] a, String what) {
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) && Float.isNaN(a[i]) || e[i] == a[i]) continue;
            double tol = Math.abs(e[i]) < 1e-30 ? 1e-36 : 1e-6 * Math.abs(e[i]);
            if (!(Math.abs((double) a[i] - e[i]) <= tol)) {
                fail(what + ": element " + i + " of x = " + x[i] + " is " + a[i] + ", expected " + e[i]);
            }
        }
    }

    private static void check(Case c, float[] x, int off, dev.isthmus.engine.parallel.ComputePool pool) {
        int n = x.length;
        float[] e = new float[n], a = new float[n + off + 3];
        Arrays.fill(a, Float.intBitsToFloat(0x7fc0abcd));
        KernelProvider.reference().unary(c.op, c.p, c.q, x, 0, e, 0, n, pool);
        float[] xb = new float[n + off];
        System.arraycopy(x, 0, xb, off, n);
        Check.VECTOR.unary(c.op, c.p, c.q, xb, off, a, off + 1, n, pool);
        String what = c + " n=" + n;
        relClose(x, e, Arrays.copyOfRange(a, off + 1, off + 1 + n), what);
        for (int i = 0; i < a.length; i++) {
            if ((i < off + 1 || i >= off + 1 + n) && Float.floatToRawIntBits(a[i]) != 0x7fc0abcd) fail(what + ": wrote outside y");
        }
        Check.VECTOR.unary(c.op, c.p, c.q, xb, off, xb, off, n, pool); // in place
        relClose(x, e, Arrays.copyOfRange(xb, off, off + n), what + " in place");
        if (exact(c)) {
            for (int i = 0; i < n; i++) { // the same float, any NaN for NaN
                if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(xb[off + i])) {
                    fail(what + " (one IEEE operation: exact): element " + i + " of x = " + x[i] + " is " + xb[off + i] + ", expected " + e[i]);
                }
            }
        }
    }

    /** The ops whose vector form is the reference's own single IEEE operation. */
    private static boolean exact(Case c) {
        return switch (c.op) {
            case NEG, SQRT, ABS, RECIPROCAL, ADD, MUL, DIV, RSUB, RDIV, CLAMP -> true;
            case POW -> c.p == 2 || c.p == 0.5 || c.p == 0 || c.p == 1;
            default -> false;
        };
    }

    @Test
    void everyOpMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(31);
        int k = 0;
        for (Case c : cases()) {
            for (int n : SIZES) check(c, inputs(r, n), k++ % 5, pool1);
            check(c, inputs(r, 40_000), 2, pool2); // three tasks
        }
    }

    @Test
    void expLogAndEluOverTheirWholeRange() {
        int n = 200_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / n; // EXP: normal results
        check(new Case(Unary.EXP, Double.NaN, Double.NaN), x, 0, pool2);
        for (int i = 0; i < n; i++) x[i] = Float.intBitsToFloat(1 + (int) ((long) i * 0x7f7fffffL / n)); // every binade, subnormals too
        check(new Case(Unary.LOG, Double.NaN, Double.NaN), x, 0, pool2);
        for (int i = 0; i < n; i++) x[i] = 1f + (i - n / 2) * 1e-6f; // around 1, where log is small
        check(new Case(Unary.LOG, Double.NaN, Double.NaN), x, 0, pool2);
        for (int i = 0; i < n; i++) x[i] = -20f + 21f * i / n; // ELU: cancellation near 0 is expm1's job
        check(new Case(Unary.ELU, 1.0, Double.NaN), x, 0, pool2);
        for (int i = 0; i < n; i++) x[i] = (i - n / 2) * 1e-8f;
        check(new Case(Unary.ELU, 1.7, Double.NaN), x, 0, pool2);
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(32);
        float[] x = inputs(r, 50_000);
        for (Case c : cases()) {
            float[] one = new float[x.length], two = new float[x.length], three = new float[x.length];
            Check.VECTOR.unary(c.op, c.p, c.q, x, 0, one, 0, x.length, pool1);
            Check.VECTOR.unary(c.op, c.p, c.q, x, 0, two, 0, x.length, pool2);
            Check.VECTOR.unary(c.op, c.p, c.q, x, 0, three, 0, x.length, pool3);
            Check.bitwise(one, two, c + " 2 threads");
            Check.bitwise(one, three, c + " 3 threads");
        }
    }
}
