package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised array arithmetic: a vector loop and a masked tail. */
public final class Elementwise {
    private Elementwise() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** dst[dOff + i] += src[sOff + i], i < len. */
    public static void addInPlace(float[] dst, int dOff, float[] src, int sOff, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector.fromArray(F, dst, dOff + i).add(FloatVector.fromArray(F, src, sOff + i)).intoArray(dst, dOff + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, dst, dOff + i, m).add(FloatVector.fromArray(F, src, sOff + i, m)).intoArray(dst, dOff + i, m);
        }
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

    /** dst[dOff + i] += s, i < len. */
    public static void addScalar(float[] dst, int dOff, float s, int len) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector.fromArray(F, dst, dOff + i).add(s).intoArray(dst, dOff + i);
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, dst, dOff + i, m).add(s).intoArray(dst, dOff + i, m);
        }
    }
}
