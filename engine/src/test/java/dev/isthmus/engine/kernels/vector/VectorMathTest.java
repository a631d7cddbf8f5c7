package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.ScalarMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The vector approximations against double precision: relative error ≤ 1e-6 wherever the result is a normal float. */
class VectorMathTest {
    private static final VectorSpecies<Float> F = Species.F;
    private static final double MAX_REL = 1e-6;

    /** A dense grid over [lo, hi] plus every float near 0 that matters, as float inputs. */
    private static float[] grid(double lo, double hi, int n) {
        float[] x = new float[n + 7];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * i / (n - 1));
        float[] extra = {0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, Float.MIN_NORMAL};
        System.arraycopy(extra, 0, x, n, extra.length);
        return x;
    }

    private static void check(String name, float[] xs, UnaryOperator<FloatVector> f, DoubleUnaryOperator exact) {
        checkWithin(name, xs, f, exact, MAX_REL);
    }

    private static void checkWithin(String name, float[] xs, UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, double maxRel) {
        float[] y = xs.clone();
        int i = 0;
        for (; i + F.length() <= y.length; i += F.length()) f.apply(FloatVector.fromArray(F, y, i)).intoArray(y, i);
        for (; i < y.length; i++) {
            float[] one = new float[F.length()];
            one[0] = y[i];
            f.apply(FloatVector.fromArray(F, one, 0)).intoArray(one, 0);
            y[i] = one[0];
        }
        double worst = 0;
        float worstX = 0;
        for (int j = 0; j < xs.length; j++) {
            double e = exact.applyAsDouble(xs[j]);
            if (Math.abs(e) < Float.MIN_NORMAL || Math.abs(e) > Float.MAX_VALUE) continue;
            double rel = Math.abs(y[j] - e) / Math.abs(e);
            if (!(rel <= worst)) {
                worst = rel;
                worstX = xs[j];
            }
        }
        if (!(worst <= maxRel)) fail(name + ": relative error " + worst + " at x = " + worstX);
    }

    @Test
    void exp() {
        check("exp", grid(-87.3, 88.7, 200_001), VectorMath::exp, Math::exp);
        check("exp near 0", grid(-1, 1, 100_001), VectorMath::exp, Math::exp);
    }

    @Test
    void expSpecialValues() {
        float[] x = new float[F.length()];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 89f, -200f, 0f};
        System.arraycopy(special, 0, x, 0, Math.min(special.length, x.length));
        if (x.length < special.length) return; // 128-bit: 4 lanes; the values are covered at wider species
        VectorMath.exp(FloatVector.fromArray(F, x, 0)).intoArray(x, 0);
        assertTrue(Float.isNaN(x[0]));
        assertEquals(Float.POSITIVE_INFINITY, x[1]);
        assertEquals(0f, x[2]);
        assertEquals(Float.POSITIVE_INFINITY, x[3]);
        assertEquals(0f, x[4]);
        assertEquals(1f, x[5]);
    }

    @Test
    void tanh() {
        check("tanh", grid(-12, 12, 200_001), VectorMath::tanh, Math::tanh);
        check("tanh near 0", grid(-1, 1, 100_001), VectorMath::tanh, Math::tanh);
    }

    @Test
    void sigmoidAndSilu() {
        check("sigmoid", grid(-100, 40, 200_001), VectorMath::sigmoid, ScalarMath::sigmoid);
        check("silu", grid(-87, 40, 200_001), VectorMath::silu, ScalarMath::silu);
    }

    @Test
    void erf() {
        check("erf", grid(-6, 6, 200_001), VectorMath::erf, ScalarMath::erf);
        check("erf near 0", grid(-1, 1, 100_001), VectorMath::erf, ScalarMath::erf);
    }

    @Test
    void gelu() {
        // ScalarMath.gelu is exact to ~1e-10 relative for x ≥ −5; deeper in the tail 1 + erf cancels, so the test
        // uses erfc from its continued fraction there.
        check("gelu", grid(-5, 12, 200_001), VectorMath::gelu, ScalarMath::gelu);
        check("gelu tail", java.util.Arrays.copyOf(grid(-13, -5, 100_001), 100_001), VectorMath::gelu, x -> 0.5 * x * erfc(-x / Math.sqrt(2)));
        check("gelu tanh", grid(-2.5, 12, 200_001), VectorMath::geluTanh, VectorMathTest::geluTanhExact);
        // Below −2.5 the result is ≈ x·e^(2u) with |2u| up to 80: one rounding of u in float already moves it by
        // |2u|·6e-8, a limit of every float evaluation (PyTorch's too), so the tail is held to 3e-5.
        checkWithin("gelu tanh tail", grid(-10, -2.5, 100_001), VectorMath::geluTanh, VectorMathTest::geluTanhExact, 3e-5);
    }

    /** ½x(1 + tanh u) written as x·σ(2u), exact in double also where 1 + tanh u cancels. */
    private static double geluTanhExact(double x) {
        double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return x / (1 + Math.exp(-2 * u));
    }

    /** erfc(t) for t ≥ 3 by its continued fraction (converges fast there). */
    private static double erfc(double t) {
        double k = t;
        for (int n = 80; n >= 1; n--) k = t + (n / 2.0) / k;
        return Math.exp(-t * t) / Math.sqrt(Math.PI) / k;
    }

    @Test
    void applyInPlaceMatchesScalarOverEveryActivationAndTail() {
        for (Activation act : Activation.values()) {
            for (int n : new int[]{0, 1, 3, 7, 16, 17, 33, 100}) {
                float[] x = new float[n + 2];
                for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 1.7) * 6;
                float[] y = x.clone();
                VectorMath.applyInPlace(act, y, 1, n);
                for (int i = 0; i < x.length; i++) {
                    float e = i >= 1 && i <= n ? act.apply(x[i]) : x[i];
                    assertEquals(e, y[i], 1e-6 * Math.max(1, Math.abs(e)), act + " n=" + n + " i=" + i);
                }
            }
        }
        float[] special = {Float.NaN, -0f, -1f};
        VectorMath.applyInPlace(Activation.RELU, special, 0, 3);
        assertEquals(0f, special[0]); // as the reference: x > 0 ? x : 0
        assertEquals(0f, special[1]);
        assertEquals(0f, special[2]);
    }

    /** The kernels' array forms compute exactly the vector functions (the accuracy tests above check those). */
    @Test
    void arrayFormsEqualTheVectorFunctionsBitwise() {
        int n = 3 * VectorMath.CHUNK + 5; // several chunks and a masked tail
        float[] x = grid(-20, 20, n - 7);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 89f, -200f, 14.5f, -14.5f};
        System.arraycopy(special, 0, x, 0, special.length);
        Object[][] cases = {
                {Activation.SIGMOID, (UnaryOperator<FloatVector>) VectorMath::sigmoid},
                {Activation.SILU, (UnaryOperator<FloatVector>) VectorMath::silu},
                {Activation.TANH, (UnaryOperator<FloatVector>) VectorMath::tanh},
                {Activation.GELU, (UnaryOperator<FloatVector>) VectorMath::gelu},
                {Activation.GELU_TANH, (UnaryOperator<FloatVector>) VectorMath::geluTanh},
                {Activation.RELU, (UnaryOperator<FloatVector>) VectorMath::relu},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            UnaryOperator<FloatVector> f = (UnaryOperator<FloatVector>) c[1];
            float[] y = java.util.Arrays.copyOf(x, n + 3);
            VectorMath.applyInPlace((Activation) c[0], y, 2, n - 2);
            float[] e = vectorFunction(x, f);
            for (int i = 2; i < n; i++) {
                if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(y[i])) {
                    fail(c[0] + ": element " + i + " (x = " + x[i] + ") is " + y[i] + ", the vector function gives " + e[i]);
                }
            }
        }
        float shift = 1.75f;
        float[] y = x.clone();
        VectorMath.expInPlace(y, 0, n, shift);
        float[] e = vectorFunction(x, v -> VectorMath.exp(v.sub(shift)));
        for (int i = 0; i < n; i++) assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(y[i]), "exp element " + i);
    }

    /** f on each element of xs, one lane at a time (the others 0). */
    private static float[] vectorFunction(float[] xs, UnaryOperator<FloatVector> f) {
        float[] out = new float[xs.length], one = new float[F.length()];
        for (int i = 0; i < xs.length; i++) {
            java.util.Arrays.fill(one, 0f);
            one[0] = xs[i];
            f.apply(FloatVector.fromArray(F, one, 0)).intoArray(one, 0);
            out[i] = one[0];
        }
        return out;
    }
}
