package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Broadcast;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised array arithmetic: a vector loop and a masked tail. */
public final class Elementwise {
    private Elementwise() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /**
     * dst[dOff + i] += src[sOff + i], i < len. The tail runs in scalar code: a masked load in a method C2 compiled
     * without intrinsifying it boxes the vector (seen as allocation per call in a Linear's epilogue; see VectorMath's
     * MASKS note).
     */
    public static void addInPlace(float[] dst, int dOff, float[] src, int sOff, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector.fromArray(F, dst, dOff + i).add(FloatVector.fromArray(F, src, sOff + i)).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) dst[dOff + i] += src[sOff + i];
    }

    /** y[i] = act(x[i]) for i < n (y may be x), in chunks of 16K floats over {@code pool} (may be null). */
    public static void activation(Activation act, float[] x, float[] y, int n, ComputePool pool) {
        activation(act, x, 0, y, 0, n, pool);
    }

    /**
     * y[yOff + i] = act(x[xOff + i]) for i < n, in chunks of 16K floats over {@code pool} (may be null). In place when
     * y is x and the offsets are equal; otherwise the two ranges must not overlap. Allocates nothing when it runs on
     * one thread (a parallel call allocates its task lambda).
     */
    public static void activation(Activation act, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        if (n <= 0) return;
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (pool == null || tasks <= 1 || pool.threads() == 1) {
            for (int t = 0; t < tasks; t++) activationChunk(act, x, xOff, y, yOff, n, t);
        } else {
            pool.parallelFor(tasks, t -> activationChunk(act, x, xOff, y, yOff, n, t));
        }
    }

    private static final int CHUNK = 1 << 14;

    private static void activationChunk(Activation act, float[] x, int xOff, float[] y, int yOff, int n, int t) {
        int from = t * CHUNK, len = Math.min(CHUNK, n - from);
        if (x != y || xOff != yOff) System.arraycopy(x, xOff + from, y, yOff + from, len);
        VectorMath.applyInPlace(act, y, yOff + from, len);
    }

    /** dst[dOff + i] += s, i < len (scalar tail, as {@link #addInPlace}). */
    public static void addScalar(float[] dst, int dOff, float s, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector.fromArray(F, dst, dOff + i).add(s).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) dst[dOff + i] += s;
    }

    /** Below this many result elements a binary op runs as one task. */
    private static final int BINARY_PARALLEL_MIN = 1 << 15;

    /**
     * y = act(op(a, b)) over the broadcast {@code s} (runs of the result; in a run each operand advances or repeats an
     * element). y may be an operand of y's shape at the same offset. Runs are split over {@code pool} in fixed groups.
     */
    public static void binary(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast s, Activation act,
                              ComputePool pool) {
        int runs = s.runs();
        if (s.size() == 0) return;
        int per = Math.max(1, BINARY_PARALLEL_MIN / Math.max(1, s.inner()));
        int tasks = (runs + per - 1) / per;
        if (pool == null || tasks <= 1 || pool.threads() == 1) {
            binaryRuns(op, a, aOff, b, bOff, y, yOff, s, act, 0, runs);
        } else {
            pool.parallelFor(tasks, t -> binaryRuns(op, a, aOff, b, bOff, y, yOff, s, act, t * per, Math.min(runs, (t + 1) * per)));
        }
    }

    private static void binaryRuns(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast s,
                                   Activation act, int r0, int r1) {
        int inner = s.inner();
        boolean aRuns = s.aInner() == 1, bRuns = s.bInner() == 1;
        for (int r = r0; r < r1; r++) {
            int ao = aOff + s.aStart(r), bo = bOff + s.bStart(r), yo = yOff + r * inner;
            if (aRuns && bRuns) {
                both(op, a, ao, b, bo, y, yo, inner);
            } else if (aRuns) {
                scalarB(op, a, ao, b[bo], y, yo, inner);
            } else {
                scalarA(op, a[ao], b, bo, y, yo, inner);
            }
            if (act != Activation.NONE) VectorMath.applyInPlace(act, y, yo, inner);
        }
    }

    private static void both(Binary op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int i = 0, up = F.loopBound(n);
        switch (op) {
            case ADD -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case SUB -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).sub(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case MUL -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).mul(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case DIV -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).div(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] = op.apply(a[ao + i], b[bo + i]);
    }

    private static void scalarB(Binary op, float[] a, int ao, float b, float[] y, int yo, int n) {
        int i = 0, up = F.loopBound(n);
        switch (op) {
            case ADD -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).add(b).intoArray(y, yo + i);
            }
            case SUB -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).sub(b).intoArray(y, yo + i);
            }
            case MUL -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).mul(b).intoArray(y, yo + i);
            }
            case DIV -> {
                for (; i < up; i += L) FloatVector.fromArray(F, a, ao + i).div(b).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] = op.apply(a[ao + i], b);
    }

    private static void scalarA(Binary op, float a, float[] b, int bo, float[] y, int yo, int n) {
        int i = 0, up = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, a);
        switch (op) {
            case ADD -> {
                for (; i < up; i += L) va.add(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case SUB -> {
                for (; i < up; i += L) va.sub(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case MUL -> {
                for (; i < up; i += L) va.mul(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
            case DIV -> {
                for (; i < up; i += L) va.div(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] = op.apply(a, b[bo + i]);
    }
}
