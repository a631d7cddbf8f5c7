package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise functions on float vectors by polynomial approximation, relative error ≤ 1e-6 against double-precision
 * {@code Math} / {@link dev.isthmus.engine.kernels.ScalarMath} wherever the result is a normal float (tested in
 * {@code VectorMathTest}): exp, tanh, sigmoid, SiLU (|x| ≤ 87), erf, GELU (also deep in its negative tail, where
 * 1 + erf cancels: erfc is computed directly there). GELU's tanh form meets 1e-6 for x ≥ −2.5; below, rounding the
 * float argument u alone moves x·e^(2u) by |2u|·6e-8, so its tail is held to 3e-5. Our own polynomials rather than
 * {@code VectorOperators.EXP}: those are fast only where the JDK ships a vector math library (SVML on x86);
 * elsewhere they fall back to scalar code per lane.
 *
 * <p>Each function is small and takes and returns vectors, so it must be inlined by C2 (it is, when called from a
 * hot loop). The array form {@link #applyInPlace} keeps one loop per activation for the same reason.
 */
public final class VectorMath {
    private VectorMath() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    // exp: n = round(x·log2 e) (by adding 1.5·2^23), r = x − n·ln 2 with a two-part ln 2, e^r by Cephes' expf
    // polynomial, × 2^n applied as two factors so that results in the subnormal range come out right.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-6f;
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    private static final float EXP_MIN = -104f, EXP_MAX = 88.8f;
    private static final float E1 = 5.0000001201e-1f, E2 = 1.6666665459e-1f, E3 = 4.1665795894e-2f,
            E4 = 8.3334519073e-3f, E5 = 1.3981999507e-3f, E6 = 1.9875691500e-4f;

    /** One Horner step: p·x + c. */
    private static FloatVector step(FloatVector p, FloatVector x, float c) {
        return p.fma(x, FloatVector.broadcast(F, c));
    }

    /** e^x. Overflows to +∞ above ≈ 88.72, underflows through the subnormals to 0; NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = xc.sub(n.mul(LN2_HI)); // exact: LN2_HI has 12 significant bits, |n| ≤ 150
        r = r.sub(n.mul(LN2_LO));
        FloatVector p = r.fma(E6, E5);
        p = step(p, r, E4);
        p = step(p, r, E3);
        p = step(p, r, E2);
        p = step(p, r, E1);
        p = p.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** 1 / (1 + e^−x), as e^−|x| / (1 + e^−|x|) for x < 0 so that e^−x never overflows while σ(x) is normal. */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector num = FloatVector.broadcast(F, 1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return num.div(e.add(1f));
    }

    /** x · σ(x). */
    public static FloatVector silu(FloatVector x) {
        return x.mul(sigmoid(x));
    }

    // tanh on |x| < 0.625: x + x³·P(x²), P fitted for minimal relative error (4.4e-9 in exact arithmetic).
    private static final float T0 = -0.3333328068256378f, T1 = 0.13331441581249237f, T2 = -0.053739674389362335f,
            T3 = 0.02063894271850586f, T4 = -0.005704814102500677f;
    private static final float TANH_SPLIT = 0.625f;

    /** tanh x: an odd polynomial near 0, (1 − e^−2|x|)/(1 + e^−2|x|) with the sign of x beyond (no cancellation). */
    public static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector e = exp(ax.mul(-2f));
        FloatVector big = e.neg().add(1f).div(e.add(1f));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(T4, T3);
        p = step(p, x2, T2);
        p = step(p, x2, T1);
        p = step(p, x2, T0);
        FloatVector small = x2.mul(p).fma(x, x);
        return small.blend(big, ax.compare(VectorOperators.GE, TANH_SPLIT));
    }

    // erf on |z| < 0.75: z·P(z²) (fit 1.4e-9). Beyond: erfc(t) = e^(−t²)·erfcx(t), erfcx by a polynomial in
    // u = (t − 2.5)/(t + 2.5) fitted on t ∈ [0.75, 9.5] (6.3e-10); e^(−t²) with t² = x²/2 split exactly by an fma,
    // so the steep exponential does not amplify the rounding of t².
    private static final float R0 = 1.1283791065216064f, R1 = -0.3761261999607086f, R2 = 0.11283376812934875f,
            R3 = -0.02683461830019951f, R4 = 0.005114332772791386f, R5 = -0.0006749407621100545f;
    private static final float C0 = 0.21080636978149414f, C1 = -0.3717367351055145f, C2 = 0.25171321630477905f,
            C3 = -0.12503297626972198f, C4 = 0.03992204740643501f, C5 = -0.0039944942109286785f,
            C6 = -0.0026372361462563276f, C7 = 0.0008780008065514266f, C8 = 0.00020660679729189724f,
            C9 = -0.00012433220399543643f;
    private static final float ERF_SPLIT = 0.75f;
    private static final float FRAC_1_SQRT2 = 0.70710678118654752f;

    /** z·P(z²) ≈ erf z for |z| < 0.75. */
    private static FloatVector erfSmall(FloatVector z) {
        FloatVector z2 = z.mul(z);
        FloatVector p = z2.fma(R5, R4);
        p = step(p, z2, R3);
        p = step(p, z2, R2);
        p = step(p, z2, R1);
        p = step(p, z2, R0);
        return p.mul(z);
    }

    /** erfc(|x|/√2) for |x|/√2 ≥ 0.75 (other lanes: finite garbage). */
    private static FloatVector erfcHalfSquare(FloatVector x) {
        FloatVector xc = x.abs().min(14f);
        FloatVector hi = xc.mul(xc);
        FloatVector lo = xc.fma(xc, hi.neg());
        FloatVector e = exp(hi.mul(-0.5f)).mul(lo.fma(-0.5f, 1f));
        FloatVector t = xc.mul(FRAC_1_SQRT2);
        FloatVector u = t.sub(2.5f).div(t.add(2.5f));
        FloatVector p = u.fma(C9, C8);
        p = step(p, u, C7);
        p = step(p, u, C6);
        p = step(p, u, C5);
        p = step(p, u, C4);
        p = step(p, u, C3);
        p = step(p, u, C2);
        p = step(p, u, C1);
        p = step(p, u, C0);
        return e.mul(p);
    }

    /** 1 + erf(x/√2) = 2·Φ(x), accurate in relative terms also deep in the negative tail. */
    private static FloatVector twicePhi(FloatVector x) {
        FloatVector z = x.mul(FRAC_1_SQRT2);
        FloatVector near = erfSmall(z).add(1f);
        FloatVector erfc = erfcHalfSquare(x);
        FloatVector far = erfc.blend(erfc.neg().add(2f), x.compare(VectorOperators.GT, 0f));
        return near.blend(far, z.abs().compare(VectorOperators.GE, ERF_SPLIT));
    }

    /** erf x. */
    public static FloatVector erf(FloatVector x) {
        FloatVector small = erfSmall(x);
        FloatVector c = erfcHalfSquare(x.mul(1.41421356237309505f)).neg().add(1f);
        c = c.blend(c.neg(), x.compare(VectorOperators.LT, 0f));
        return small.blend(c, x.abs().compare(VectorOperators.GE, ERF_SPLIT));
    }

    /** GELU, exact (erf) form: x·Φ(x) = ½·x·(1 + erf(x/√2)). */
    public static FloatVector gelu(FloatVector x) {
        return x.mul(0.5f).mul(twicePhi(x));
    }

    /** GELU, tanh form: ½·x·(1 + tanh u) = x·σ(2u), u = √(2/π)·(x + 0.044715·x³) (no cancellation for x < 0). */
    public static FloatVector geluTanh(FloatVector x) {
        FloatVector u2 = x.mul(x).fma(2f * 0.7978845608028654f * 0.044715f, 2f * 0.7978845608028654f).mul(x);
        return x.mul(sigmoid(u2));
    }

    /**
     * The sum of t[0, L) in index order: the lanes of a vector the caller stored with {@code intoArray}. Not
     * {@code reduceLanes(ADD)}: its order is unspecified and differs between C2's intrinsic and the interpreter,
     * which would make results depend on which thread ran warm code. (An array, not a vector argument: a method
     * called once per row is not inlined, and a vector argument would then be boxed.)
     */
    public static float sumLanes(float[] t) {
        float s = 0f;
        for (int i = 0; i < L; i++) s += t[i];
        return s;
    }

    /** max(x, 0) with the reference's rule for NaN and −0 (both give +0). */
    public static FloatVector relu(FloatVector x) {
        return FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f));
    }

    /** {@code act} on a[off, off + len) in place. */
    public static void applyInPlace(Activation act, float[] a, int off, int len) {
        switch (act) {
            case NONE -> {
            }
            case RELU -> relu(a, off, len);
            case GELU -> gelu(a, off, len);
            case GELU_TANH -> geluTanh(a, off, len);
            case SIGMOID -> sigmoid(a, off, len);
            case TANH -> tanh(a, off, len);
            case SILU -> silu(a, off, len);
        }
    }

    private static void relu(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) relu(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            relu(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }

    private static void gelu(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) gelu(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            gelu(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }

    private static void geluTanh(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) geluTanh(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            geluTanh(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }

    private static void sigmoid(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) sigmoid(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            sigmoid(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }

    private static void tanh(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) tanh(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            tanh(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }

    private static void silu(float[] a, int off, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) silu(FloatVector.fromArray(F, a, off + i)).intoArray(a, off + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            silu(FloatVector.fromArray(F, a, off + i, m)).intoArray(a, off + i, m);
        }
    }
}
