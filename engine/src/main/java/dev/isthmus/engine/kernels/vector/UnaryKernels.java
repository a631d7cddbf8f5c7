package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Unary;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link Unary} ops on vectors, with the reference's semantics ({@link Unary#apply}):
 * <ul>
 * <li>exact as the reference (one IEEE operation per element): NEG, ABS, SQRT (the hardware's correctly rounded
 * root), RECIPROCAL, ADD, MUL, DIV, RSUB, RDIV (the parameter rounded to float first, as the reference does), CLAMP
 * (compare-and-blend, so NaN and −0 pass as the reference passes them), POW with exponent 2 (x·x) or 0.5 (√x), 0 and
 * 1;</li>
 * <li>within an ulp or two: RSQRT (1/√x in float; the reference divides in double), LEAKY_RELU (the slope rounded to
 * float), POW with exponent 3 (x·x·x) or −1 (1/x);</li>
 * <li>by polynomial: EXP ({@link VectorMath#expInPlace}), LOG (Cephes' logf: x = 2^e·m with m in [√½, √2),
 * log(1 + f) by its polynomial, e·ln 2 in two parts; subnormals scaled first, 0, negatives, ∞ and NaN as
 * {@code Math.log}), ELU's expm1 (a Taylor polynomial for |x| < ½, where e^x − 1 would cancel; e^x − 1 beyond):
 * relative error ≤ 1e-6 where the result is a normal float;</li>
 * <li>scalar, as the reference: POW with any other exponent ({@code Math.pow} per element: a vector pow accurate to
 * float precision needs log and exp in extended precision, and the Vector API's own POW is not compiled to vector
 * code at every width).</li>
 * </ul>
 * Loops run on whole vectors; the last {@code n % L} elements take the reference's scalar value. Work is split into
 * fixed chunks over the pool, so results never depend on the thread count. Not {@code VectorOperators.LOG / EXP /
 * POW}: those are fast only where the JDK has a vector math library for the width (on this x86 JDK, POW at 128-bit
 * fell back to scalar code that allocated per call), see {@link VectorMath}.
 */
public final class UnaryKernels {
    private UnaryKernels() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** Floats per task. */
    private static final int CHUNK = 1 << 14;

    /** y[yOff + i] = op(x[xOff + i]; p, q) for i < n; in place when y is x at the same offset, else no overlap. */
    public static void apply(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        if (n <= 0) return;
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (pool == null || tasks <= 1 || pool.threads() == 1) {
            for (int t = 0; t < tasks; t++) chunk(op, p, q, x, xOff, y, yOff, n, t);
        } else {
            pool.parallelFor(tasks, t -> chunk(op, p, q, x, xOff, y, yOff, n, t));
        }
    }

    private static void chunk(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n, int t) {
        int from = t * CHUNK, len = Math.min(CHUNK, n - from), xo = xOff + from, yo = yOff + from;
        float pf = (float) p;
        switch (op) {
            case NEG -> neg(x, xo, y, yo, len);
            case SQRT -> sqrt(x, xo, y, yo, len);
            case RSQRT -> rsqrt(x, xo, y, yo, len);
            case EXP -> {
                if (x != y || xo != yo) System.arraycopy(x, xo, y, yo, len);
                VectorMath.expInPlace(y, yo, len, 0f);
            }
            case LOG -> log(x, xo, y, yo, len);
            case ABS -> abs(x, xo, y, yo, len);
            case RECIPROCAL -> rdiv(x, xo, y, yo, len, 1f);
            case LEAKY_RELU -> leakyRelu(x, xo, y, yo, len, pf);
            case ELU -> elu(x, xo, y, yo, len, p);
            case CLAMP -> clamp(x, xo, y, yo, len, p, q);
            case ADD -> add(x, xo, y, yo, len, pf);
            case MUL -> mul(x, xo, y, yo, len, pf);
            case DIV -> div(x, xo, y, yo, len, pf);
            case RSUB -> rsub(x, xo, y, yo, len, pf);
            case RDIV -> rdiv(x, xo, y, yo, len, pf);
            case POW -> pow(x, xo, y, yo, len, p, q);
        }
    }

    /** The reference's value for the elements [from, len) left after the whole vectors. */
    private static void tail(Unary op, double p, double q, float[] x, int xo, float[] y, int yo, int from, int len) {
        for (int i = from; i < len; i++) y[yo + i] = op.apply(x[xo + i], p, q);
    }

    private static void neg(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).neg().intoArray(y, yo + i);
        tail(Unary.NEG, 0, 0, x, xo, y, yo, i, len);
    }

    private static void abs(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).abs().intoArray(y, yo + i);
        tail(Unary.ABS, 0, 0, x, xo, y, yo, i, len);
    }

    private static void sqrt(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(y, yo + i);
        tail(Unary.SQRT, 0, 0, x, xo, y, yo, i, len);
    }

    private static void rsqrt(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int up = F.loopBound(len); i < up; i += L) one.div(FloatVector.fromArray(F, x, xo + i).sqrt()).intoArray(y, yo + i);
        tail(Unary.RSQRT, 0, 0, x, xo, y, yo, i, len);
    }

    private static void add(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).add(p).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = x[xo + i] + p;
    }

    private static void mul(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).mul(p).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = x[xo + i] * p;
    }

    private static void div(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).div(p).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = x[xo + i] / p;
    }

    private static void rsub(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        FloatVector pv = FloatVector.broadcast(F, p);
        for (int up = F.loopBound(len); i < up; i += L) pv.sub(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = p - x[xo + i];
    }

    /** p / x (RDIV; RECIPROCAL with p = 1). */
    private static void rdiv(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        FloatVector pv = FloatVector.broadcast(F, p);
        for (int up = F.loopBound(len); i < up; i += L) pv.div(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
        for (; i < len; i++) y[yo + i] = p / x[xo + i];
    }

    /** x ≥ 0 ? x : p·x (NaN stays NaN: it fails x < 0 and is kept). */
    private static void leakyRelu(float[] x, int xo, float[] y, int yo, int len, float p) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.blend(v.mul(p), v.compare(VectorOperators.LT, 0f)).intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = x[xo + i] >= 0 ? x[xo + i] : p * x[xo + i];
    }

    /**
     * min(max(x, p), q) as the reference writes it: y < p ? p : y, then y > q ? q : y, a NaN bound skipped. Comparing
     * with the bound rounded to float picks the same results: where the two comparisons differ, y is that float.
     */
    private static void clamp(float[] x, int xo, float[] y, int yo, int len, double p, double q) {
        boolean lo = !Double.isNaN(p), hi = !Double.isNaN(q);
        float pf = (float) p, qf = (float) q;
        FloatVector pv = FloatVector.broadcast(F, pf), qv = FloatVector.broadcast(F, qf);
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            if (lo) v = v.blend(pv, v.compare(VectorOperators.LT, pf));
            if (hi) v = v.blend(qv, v.compare(VectorOperators.GT, qf));
            v.intoArray(y, yo + i);
        }
        tail(Unary.CLAMP, p, q, x, xo, y, yo, i, len);
    }

    /** xᵖ: the exponents with an exact or near-exact vector form; any other runs {@code Math.pow} per element. */
    private static void pow(float[] x, int xo, float[] y, int yo, int len, double p, double q) {
        int i = 0, up = F.loopBound(len);
        if (p == 2) {
            for (; i < up; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i);
                v.mul(v).intoArray(y, yo + i);
            }
        } else if (p == 0.5) {
            for (; i < up; i += L) FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(y, yo + i);
        } else if (p == 3) {
            for (; i < up; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i);
                v.mul(v).mul(v).intoArray(y, yo + i);
            }
        } else if (p == 1) {
            if (x != y || xo != yo) System.arraycopy(x, xo, y, yo, len);
            return;
        } else if (p == 0) {
            java.util.Arrays.fill(y, yo, yo + len, 1f); // Math.pow(x, 0) is 1 for every x, NaN included
            return;
        } else if (p == -1) {
            rdiv(x, xo, y, yo, len, 1f);
            return;
        }
        tail(Unary.POW, p, q, x, xo, y, yo, i, len);
    }

    // log: x = 2^e·m, m in [√½, √2), f = m − 1; log(1 + f) = f − f²/2 + f³·P(f) (Cephes' logf, relative error ≈ 1e-7),
    // plus e·ln 2 as e·(ln2_hi + ln2_lo).
    private static final float SQRT2 = 1.41421356237f, TWO_23 = 8388608f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float G0 = 7.0376836292e-2f, G1 = -1.1514610310e-1f, G2 = 1.1676998740e-1f, G3 = -1.2420140846e-1f,
            G4 = 1.4249322787e-1f, G5 = -1.6668057665e-1f, G6 = 2.0000714765e-1f, G7 = -2.4999993993e-1f, G8 = 3.3333331174e-1f;

    private static void log(float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        FloatVector posInf = FloatVector.broadcast(F, Float.POSITIVE_INFINITY), negInf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector nan = FloatVector.broadcast(F, Float.NaN);
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            VectorMask<Float> tiny = v.compare(VectorOperators.LT, Float.MIN_NORMAL); // subnormals (and 0, negatives: fixed below)
            IntVector bits = v.blend(v.mul(TWO_23), tiny).reinterpretAsInts();
            FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(127).convert(VectorOperators.I2F, 0);
            FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
            VectorMask<Float> big = m.compare(VectorOperators.GT, SQRT2);
            m = m.blend(m.mul(0.5f), big);
            e = e.blend(e.add(1f), big);
            e = e.blend(e.sub(23f), tiny);
            FloatVector f = m.sub(1f);
            FloatVector z = f.mul(f);
            FloatVector g = f.fma(G0, G1);
            g = g.fma(f, FloatVector.broadcast(F, G2));
            g = g.fma(f, FloatVector.broadcast(F, G3));
            g = g.fma(f, FloatVector.broadcast(F, G4));
            g = g.fma(f, FloatVector.broadcast(F, G5));
            g = g.fma(f, FloatVector.broadcast(F, G6));
            g = g.fma(f, FloatVector.broadcast(F, G7));
            g = g.fma(f, FloatVector.broadcast(F, G8));
            FloatVector r = f.mul(z).mul(g);
            r = e.fma(FloatVector.broadcast(F, LN2_LO), r);
            r = z.fma(FloatVector.broadcast(F, -0.5f), r);
            r = f.add(r);
            r = e.fma(FloatVector.broadcast(F, LN2_HI), r);
            r = r.blend(posInf, v.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
            r = r.blend(negInf, v.compare(VectorOperators.EQ, 0f));
            r = r.blend(nan, v.compare(VectorOperators.LT, 0f));
            r = r.blend(v, v.compare(VectorOperators.NE, v)); // NaN stays NaN
            r.intoArray(y, yo + i);
        }
        tail(Unary.LOG, 0, 0, x, xo, y, yo, i, len);
    }

    // expm1 near 0: x + x²·(1/2! + x·(1/3! + … + x/8!)), truncation ≤ |x|⁸/9! ≈ 1.1e-8 relative for |x| < ½.
    private static final float X2 = 1f / 2, X3 = 1f / 6, X4 = 1f / 24, X5 = 1f / 120, X6 = 1f / 720, X7 = 1f / 5040, X8 = 1f / 40320;
    private static final float EXPM1_SPLIT = 0.5f;

    /**
     * ELU: x > 0 ? x : α·expm1(x), in passes over VectorMath's CHUNK-float temporary: e^x there, then the blend of x,
     * the polynomial and e^x − 1 (no vector crosses a call: see VectorMath).
     */
    private static void elu(float[] x, int xo, float[] y, int yo, int len, double p) {
        float alpha = (float) p;
        float[] tmp = VectorMath.temp();
        int full = F.loopBound(len);
        for (int c = 0; c < full; c += VectorMath.CHUNK) {
            int n = Math.min(VectorMath.CHUNK, full - c), xc = xo + c, yc = yo + c;
            System.arraycopy(x, xc, tmp, 0, n);
            VectorMath.expInPlace(tmp, 0, n, 0f);
            for (int i = 0; i < n; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xc + i);
                FloatVector t = v.fma(X8, X7);
                t = t.fma(v, FloatVector.broadcast(F, X6));
                t = t.fma(v, FloatVector.broadcast(F, X5));
                t = t.fma(v, FloatVector.broadcast(F, X4));
                t = t.fma(v, FloatVector.broadcast(F, X3));
                t = t.fma(v, FloatVector.broadcast(F, X2));
                FloatVector near = v.mul(v).fma(t, v);
                FloatVector far = FloatVector.fromArray(F, tmp, i).sub(1f);
                FloatVector em1 = near.blend(far, v.abs().compare(VectorOperators.GE, EXPM1_SPLIT));
                em1.mul(alpha).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yc + i);
            }
        }
        tail(Unary.ELU, p, 0, x, xo, y, yo, full, len);
    }
}
