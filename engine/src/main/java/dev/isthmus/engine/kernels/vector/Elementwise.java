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
        final int chunk = 1 << 14;
        int tasks = (n + chunk - 1) / chunk;
        java.util.function.IntConsumer task = t -> {
            int from = t * chunk, len = Math.min(chunk, n - from);
            if (x != y) System.arraycopy(x, from, y, from, len);
            VectorMath.applyInPlace(act, y, from, len);
        };
        if (pool == null || tasks <= 1) {
            for (int t = 0; t < tasks; t++) task.accept(t);
        } else {
            pool.parallelFor(tasks, task);
        }
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
