package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * <p>The functions on one vector are the definitions (and what the tests check); the kernels call the array forms
 * ({@link #applyInPlace}, {@link #expInPlace}), which compute the same values without passing a vector to a method,
 * so that nothing is boxed and nothing allocated whatever C2 inlines (see the comment above them).
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

    /**
     * The largest of t[0, L) (NaN if any is NaN, as Math.max): the lanes of a vector stored into t, reduced in scalar
     * code. {@code reduceLanes(MAX)} is not always intrinsified by C2 (seen in attention's softmax), and its fallback
     * allocates on every call.
     */
    public static float maxLanes(float[] t) {
        float m = t[0];
        for (int i = 1; i < L; i++) m = Math.max(m, t[i]);
        return m;
    }

    /** max(x, 0) with the reference's rule for NaN and −0 (both give +0). */
    public static FloatVector relu(FloatVector x) {
        return FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f));
    }

    // ---- array forms: what the kernels call ------------------------------------------------------------------
    //
    // A vector passed to or returned from a method that C2 does not inline is boxed: an allocation per call, and a
    // slow one. Whether a call is inlined is C2's decision and it varies: a call site outside the hot loop (a masked
    // tail) is inlined only if the callee is tiny; a callee that was compiled on its own first (it is hot while its
    // callers still run in C1) is not inlined once its code is big ("already compiled into a big method"); a large
    // caller stops inlining at NodeCountInliningCutoff. Measured here before these forms: 70 bytes allocated per
    // element of GELU. So in the loops below every vector lives inside one method: no vector crosses a call of ours,
    // and nothing is boxed whatever C2 inlines. exp's polynomial sits in one loop, expInPlace; the functions built
    // on it run as passes over a chunk of CHUNK floats that stays in L1: exp's argument into a temporary, exp in
    // place there, then the combination. Each pass does exactly the operations of the vector functions above, so
    // the array forms equal them bitwise (VectorMathTest checks). Each loop runs on whole vectors (see MASKS).

    /** Floats per pass of the composite functions (a multiple of every L). */
    static final int CHUNK = 512;
    /** Per thread: the CHUNK-float temporary of {@link #applyInPlace}. */
    private static final Scratch TMP = new Scratch();

    /** A temporary for {@link #applyInPlace(Activation, float[], int, int, float[])}: the calling thread's. */
    public static float[] temp() {
        return TMP.floats(CHUNK);
    }

    /** {@code act} on a[off, off + len) in place. Allocates nothing (its temporary is per-thread scratch). */
    public static void applyInPlace(Activation act, float[] a, int off, int len) {
        if (len <= 0 || act == Activation.NONE) return;
        applyInPlace(act, a, off, len, act == Activation.RELU ? null : temp());
    }

    /** {@code act} on a[off, off + len) in place; {@code tmp} holds at least {@link #CHUNK} floats (not read). */
    public static void applyInPlace(Activation act, float[] a, int off, int len, float[] tmp) {
        if (act == Activation.NONE || len <= 0) return;
        int full = len - len % L;
        if (full > 0) applyFull(act, a, off, full, tmp);
        if (full < len) { // the tail through a vector-sized buffer (see MASKS)
            float[] t = ACT_TAIL.floats(L);
            System.arraycopy(a, off + full, t, 0, len - full);
            applyFull(act, t, 0, L, tmp);
            System.arraycopy(t, 0, a, off + full, len - full);
        }
    }

    /** {@link #applyInPlace} on whole vectors: len is a multiple of L. */
    private static void applyFull(Activation act, float[] a, int off, int len, float[] tmp) {
        switch (act) {
            case NONE -> {
            }
            case RELU -> relu(a, off, len);
            case GELU -> gelu(a, off, len, tmp);
            case GELU_TANH -> geluTanh(a, off, len, tmp);
            case SIGMOID -> sigmoid(a, off, len, tmp);
            case TANH -> tanh(a, off, len, tmp);
            case SILU -> silu(a, off, len, tmp);
            case RELU6 -> relu6(a, off, len);
            case HARDSWISH -> hard(a, off, len, true);
            case HARDSIGMOID -> hard(a, off, len, false);
        }
    }

    // MASKS: the array loops run on whole vectors only; a tail of fewer than L floats is copied into a vector-sized
    // per-thread buffer, computed there and copied back. With masked loads and stores in these loops C2 now and then
    // compiled a caller (seen in attention's softmax: about one JVM in ten) without intrinsifying them, and then
    // every call allocated hundreds of kilobytes of boxed vectors.
    /** Per thread: the tail buffers of {@link #applyInPlace} and {@link #expInPlace} (separate: the first calls the second). */
    private static final Scratch ACT_TAIL = new Scratch(), EXP_TAIL = new Scratch();

    /** a[off + i] = e^(a[off + i] − shift) for i < len: {@link #exp(FloatVector)} of each vector minus shift. */
    public static void expInPlace(float[] a, int off, int len, float shift) {
        int full = len - len % L;
        expFull(a, off, full, shift);
        if (full < len) { // the tail through a vector-sized buffer (see MASKS)
            float[] t = EXP_TAIL.floats(L);
            System.arraycopy(a, off + full, t, 0, len - full);
            expFull(t, 0, L, shift);
            System.arraycopy(t, 0, a, off + full, len - full);
        }
    }

    /** {@link #expInPlace} on whole vectors: len is a multiple of L. */
    private static void expFull(float[] a, int off, int len, float shift) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, off + i).sub(shift);
            FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
            FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
            FloatVector n = t.sub(ROUND_MAGIC);
            FloatVector r = xc.sub(n.mul(LN2_HI));
            r = r.sub(n.mul(LN2_LO));
            FloatVector p = r.fma(E6, E5);
            p = p.fma(r, FloatVector.broadcast(F, E4));
            p = p.fma(r, FloatVector.broadcast(F, E3));
            p = p.fma(r, FloatVector.broadcast(F, E2));
            p = p.fma(r, FloatVector.broadcast(F, E1));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector ni = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = ni.sub(n1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(s1).mul(s2).intoArray(a, off + i);
        }
    }

    private static void relu6(float[] a, int off, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, off + i);
            FloatVector.zero(F).blend(x.min(6f), x.compare(VectorOperators.GT, 0f)).intoArray(a, off + i);
        }
    }

    /** hardsigmoid(x) = min(max(x + 3, 0), 6) / 6; hardswish multiplies it by x. */
    private static void hard(float[] a, int off, int len, boolean swish) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, off + i);
            FloatVector g = x.add(3f).max(0f).min(6f).div(6f);
            (swish ? x.mul(g) : g).intoArray(a, off + i);
        }
    }

    private static void relu(float[] a, int off, int len) {
        for (int i = 0; i < len; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, off + i);
            FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(a, off + i);
        }
    }

    /** σ: tmp = −|x|, e^tmp, then (x < 0 ? e : 1) / (1 + e), as {@link #sigmoid(FloatVector)}. */
    private static void sigmoid(float[] a, int off, int len, float[] tmp) {
        for (int c = 0; c < len; c += CHUNK) {
            int n = Math.min(CHUNK, len - c), o = off + c;
            for (int i = 0; i < n; i += L) {
                FloatVector.fromArray(F, a, o + i).abs().neg().intoArray(tmp, i);
            }
            expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i), e = FloatVector.fromArray(F, tmp, i);
                FloatVector num = FloatVector.broadcast(F, 1f).blend(e, x.compare(VectorOperators.LT, 0f));
                num.div(e.add(1f)).intoArray(a, o + i);
            }
        }
    }

    /** x·σ(x), as {@link #silu(FloatVector)}. */
    private static void silu(float[] a, int off, int len, float[] tmp) {
        for (int c = 0; c < len; c += CHUNK) {
            int n = Math.min(CHUNK, len - c), o = off + c;
            for (int i = 0; i < n; i += L) {
                FloatVector.fromArray(F, a, o + i).abs().neg().intoArray(tmp, i);
            }
            expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i), e = FloatVector.fromArray(F, tmp, i);
                FloatVector num = FloatVector.broadcast(F, 1f).blend(e, x.compare(VectorOperators.LT, 0f));
                x.mul(num.div(e.add(1f))).intoArray(a, o + i);
            }
        }
    }

    /** tanh: tmp = −2|x|, e^tmp, then the polynomial or (1 − e)/(1 + e), as {@link #tanh(FloatVector)}. */
    private static void tanh(float[] a, int off, int len, float[] tmp) {
        for (int c = 0; c < len; c += CHUNK) {
            int n = Math.min(CHUNK, len - c), o = off + c;
            for (int i = 0; i < n; i += L) {
                FloatVector.fromArray(F, a, o + i).abs().mul(-2f).intoArray(tmp, i);
            }
            expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i), e = FloatVector.fromArray(F, tmp, i);
                FloatVector ax = x.abs();
                FloatVector big = e.neg().add(1f).div(e.add(1f));
                big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
                FloatVector x2 = x.mul(x);
                FloatVector p = x2.fma(T4, T3);
                p = p.fma(x2, FloatVector.broadcast(F, T2));
                p = p.fma(x2, FloatVector.broadcast(F, T1));
                p = p.fma(x2, FloatVector.broadcast(F, T0));
                FloatVector small = x2.mul(p).fma(x, x);
                small.blend(big, ax.compare(VectorOperators.GE, TANH_SPLIT)).intoArray(a, o + i);
            }
        }
    }

    /** GELU (erf form): tmp = −½·min(|x|, 14)², e^tmp, then erf / erfc and the blend, as {@link #gelu(FloatVector)}. */
    private static void gelu(float[] a, int off, int len, float[] tmp) {
        for (int c = 0; c < len; c += CHUNK) {
            int n = Math.min(CHUNK, len - c), o = off + c;
            for (int i = 0; i < n; i += L) {
                FloatVector xc = FloatVector.fromArray(F, a, o + i).abs().min(14f);
                xc.mul(xc).mul(-0.5f).intoArray(tmp, i);
            }
            expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i);
                // 1 + erf(z), z = x/√2, near 0 (erfSmall)
                FloatVector z = x.mul(FRAC_1_SQRT2);
                FloatVector z2 = z.mul(z);
                FloatVector q = z2.fma(R5, R4);
                q = q.fma(z2, FloatVector.broadcast(F, R3));
                q = q.fma(z2, FloatVector.broadcast(F, R2));
                q = q.fma(z2, FloatVector.broadcast(F, R1));
                q = q.fma(z2, FloatVector.broadcast(F, R0));
                FloatVector near = q.mul(z).add(1f);
                // erfc(|x|/√2) beyond (erfcHalfSquare), e^(−x²/2) from the temporary
                FloatVector xc = x.abs().min(14f);
                FloatVector hi = xc.mul(xc);
                FloatVector lo = xc.fma(xc, hi.neg());
                FloatVector e = FloatVector.fromArray(F, tmp, i).mul(lo.fma(-0.5f, 1f));
                FloatVector t = xc.mul(FRAC_1_SQRT2);
                FloatVector u = t.sub(2.5f).div(t.add(2.5f));
                FloatVector p = u.fma(C9, C8);
                p = p.fma(u, FloatVector.broadcast(F, C7));
                p = p.fma(u, FloatVector.broadcast(F, C6));
                p = p.fma(u, FloatVector.broadcast(F, C5));
                p = p.fma(u, FloatVector.broadcast(F, C4));
                p = p.fma(u, FloatVector.broadcast(F, C3));
                p = p.fma(u, FloatVector.broadcast(F, C2));
                p = p.fma(u, FloatVector.broadcast(F, C1));
                p = p.fma(u, FloatVector.broadcast(F, C0));
                FloatVector erfc = e.mul(p);
                FloatVector far = erfc.blend(erfc.neg().add(2f), x.compare(VectorOperators.GT, 0f));
                FloatVector twicePhi = near.blend(far, z.abs().compare(VectorOperators.GE, ERF_SPLIT));
                x.mul(0.5f).mul(twicePhi).intoArray(a, o + i);
            }
        }
    }

    /** GELU (tanh form) x·σ(2u): tmp = −|2u|, e^tmp, then the sigmoid's combination, as {@link #geluTanh(FloatVector)}. */
    private static void geluTanh(float[] a, int off, int len, float[] tmp) {
        for (int c = 0; c < len; c += CHUNK) {
            int n = Math.min(CHUNK, len - c), o = off + c;
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i);
                FloatVector u2 = x.mul(x).fma(2f * 0.7978845608028654f * 0.044715f, 2f * 0.7978845608028654f).mul(x);
                u2.abs().neg().intoArray(tmp, i);
            }
            expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, o + i), e = FloatVector.fromArray(F, tmp, i);
                FloatVector u2 = x.mul(x).fma(2f * 0.7978845608028654f * 0.044715f, 2f * 0.7978845608028654f).mul(x);
                FloatVector num = FloatVector.broadcast(F, 1f).blend(e, u2.compare(VectorOperators.LT, 0f));
                x.mul(num.div(e.add(1f))).intoArray(a, o + i);
            }
        }
    }
}
