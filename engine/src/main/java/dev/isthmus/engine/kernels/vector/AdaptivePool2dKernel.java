package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.reference.Pool2d;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adaptive average pooling ({@code adaptive_avg_pool2d}), NCHW, window i spanning [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
 * The case networks use, a global average (output 1 × 1, the head of ResNet, MobileNet, EfficientNet, …), is one
 * sum per plane: a vector sum over lanes with a scalar tail, divided in double as the reference divides. An output
 * as big as the input is a copy. Other windows vary in size and position from one output to the next and run the
 * reference's loops ({@link Pool2d#adaptiveAvg}). Planes are split into tasks in fixed groups either way, so results
 * do not depend on the thread count.
 */
public final class AdaptivePool2dKernel {
    private AdaptivePool2dKernel() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** Per thread: L floats where a vector's lanes are stored for {@link VectorMath#sumLanes}. */
    private static final Scratch LANES = new Scratch();

    /** planes (n·c) planes of h × w at {@code x[xOff …]} into planes of oh × ow at {@code y[yOff …]}; y must not overlap x. */
    public static void avg(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        if (planes <= 0 || oh <= 0 || ow <= 0) return;
        if (oh == h && ow == w) {
            System.arraycopy(x, xOff, y, yOff, planes * h * w);
            return;
        }
        int in = h * w, work = Math.max(1, in);
        int per = Math.max(1, (1 << 15) / work), tasks = (planes + per - 1) / per;
        boolean global = oh == 1 && ow == 1;
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            planes(x, xOff, h, w, y, yOff, oh, ow, global, 0, planes);
        } else {
            pool.parallelFor(tasks, t -> planes(x, xOff, h, w, y, yOff, oh, ow, global, t * per, Math.min(planes, (t + 1) * per)));
        }
    }

    private static void planes(float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow, boolean global, int p0, int p1) {
        if (global) {
            float[] t = LANES.floats(L);
            int in = h * w;
            for (int p = p0; p < p1; p++) y[yOff + p] = (float) (planeSum(x, xOff + p * in, in, t) / in);
        } else {
            Pool2d.adaptiveAvg(x, xOff + p0 * h * w, p1 - p0, h, w, y, yOff + p0 * oh * ow, oh, ow);
        }
    }

    /** Σ a[off, off + len) over L lanes, a scalar tail; {@code t} is L floats of scratch. */
    private static double planeSum(float[] a, int off, int len, float[] t) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) acc = acc.add(FloatVector.fromArray(F, a, off + i));
        float tail = 0f;
        for (; i < len; i++) tail += a[off + i];
        acc.intoArray(t, 0);
        return (double) VectorMath.sumLanes(t) + tail;
    }
}
