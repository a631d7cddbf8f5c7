package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm, inference BatchNorm and softmax on vectors, with the reference's semantics
 * ({@link dev.isthmus.engine.kernels.reference.Norms}). Sums run in float over L lanes (two-pass mean and variance),
 * within 1e-6 relative of the reference's double sums for the row lengths of these models. Rows (or planes) are
 * independent tasks.
 */
public final class NormKernels {
    private NormKernels() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** y = (x − mean) / sqrt(var + eps) · gamma + beta over rows of d (biased variance); gamma/beta may be null; y may be x. */
    public static void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta,
                                 double eps, ComputePool pool) {
        int per = Math.max(1, (1 << 14) / Math.max(1, d));
        int tasks = (rows + per - 1) / per;
        if (pool == null || tasks == 1) {
            for (int r = 0; r < rows; r++) layerNormRow(x, xOff + r * d, y, yOff + r * d, d, gamma, beta, eps);
        } else {
            pool.parallelFor(tasks, t -> {
                for (int r = t * per, end = Math.min(rows, r + per); r < end; r++) {
                    layerNormRow(x, xOff + r * d, y, yOff + r * d, d, gamma, beta, eps);
                }
            });
        }
    }

    private static void layerNormRow(float[] x, int o, float[] y, int yo, int d, float[] gamma, float[] beta, double eps) {
        float mean = sum(x, o, d) / d;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int up = F.loopBound(d); i < up; i += L) {
            FloatVector t = FloatVector.fromArray(F, x, o + i).sub(mean);
            acc = t.fma(t, acc);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector t = FloatVector.fromArray(F, x, o + i, m).sub(mean);
            acc = t.fma(t, acc).blend(acc, m.not());
        }
        float var = VectorMath.sumLanes(lanes(acc)) / d;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        i = 0;
        for (int up = F.loopBound(d); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, o + i).sub(mean).mul(inv);
            if (gamma != null) v = v.mul(FloatVector.fromArray(F, gamma, i));
            if (beta != null) v = v.add(FloatVector.fromArray(F, beta, i));
            v.intoArray(y, yo + i);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector v = FloatVector.fromArray(F, x, o + i, m).sub(mean).mul(inv);
            if (gamma != null) v = v.mul(FloatVector.fromArray(F, gamma, i, m));
            if (beta != null) v = v.add(FloatVector.fromArray(F, beta, i, m));
            v.intoArray(y, yo + i, m);
        }
    }

    /** Σ a[off, off + len). */
    static float sum(float[] a, int off, int len) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) acc = acc.add(FloatVector.fromArray(F, a, off + i));
        if (i < len) acc = acc.add(FloatVector.fromArray(F, a, off + i, F.indexInRange(i, len)));
        return VectorMath.sumLanes(lanes(acc));
    }

    /** Inference BatchNorm over (n, c, spatial): y = x·scale[c] + shift[c] with scale = gamma/sqrt(var + eps). */
    public static void batchNorm(float[] x, float[] y, int n, int c, int spatial, float[] mean, float[] var,
                                 float[] gamma, float[] beta, double eps, ComputePool pool) {
        float[] scale = new float[c], shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double inv = 1.0 / Math.sqrt(var[ch] + eps);
            double g = gamma == null ? 1.0 : gamma[ch];
            double bt = beta == null ? 0.0 : beta[ch];
            scale[ch] = (float) (inv * g);
            shift[ch] = (float) (bt - mean[ch] * inv * g);
        }
        int planes = n * c;
        int per = Math.max(1, (1 << 15) / Math.max(1, spatial));
        int tasks = (planes + per - 1) / per;
        java.util.function.IntConsumer task = t -> {
            for (int p = t * per, end = Math.min(planes, p + per); p < end; p++) {
                int ch = p % c, o = p * spatial;
                scaleShift(x, y, o, spatial, scale[ch], shift[ch]);
            }
        };
        if (pool == null || tasks == 1) {
            for (int t = 0; t < tasks; t++) task.accept(t);
        } else {
            pool.parallelFor(tasks, task);
        }
    }

    private static void scaleShift(float[] x, float[] y, int o, int len, float s, float b) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, o + i).fma(s, b).intoArray(y, o + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, x, o + i, m).fma(s, b).intoArray(y, o + i, m);
        }
    }

    /** Softmax along an axis of size d in an (outer, d, inner) layout, as the reference; y may be x. */
    public static void softmax(float[] x, float[] y, int outer, int d, int inner, ComputePool pool) {
        int per = Math.max(1, (1 << 14) / Math.max(1, d * inner));
        int tasks = (outer + per - 1) / per;
        java.util.function.IntConsumer task = t -> {
            for (int o = t * per, end = Math.min(outer, o + per); o < end; o++) {
                if (inner == 1) softmaxRow(x, y, o * d, d);
                else softmaxStrided(x, y, o * d * inner, d, inner);
            }
        };
        if (pool == null || tasks == 1) {
            for (int t = 0; t < tasks; t++) task.accept(t);
        } else {
            pool.parallelFor(tasks, task);
        }
    }

    /** Softmax of the contiguous row x[o, o + d) into y. */
    static void softmaxRow(float[] x, float[] y, int o, int d) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = F.loopBound(d); i < up; i += L) mx = mx.max(FloatVector.fromArray(F, x, o + i));
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < d; i++) max = Math.max(max, x[o + i]);
        FloatVector acc = FloatVector.zero(F);
        i = 0;
        for (int up = F.loopBound(d); i < up; i += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, o + i).sub(max));
            e.intoArray(y, o + i);
            acc = acc.add(e);
        }
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, o + i, m).sub(max));
            e.intoArray(y, o + i, m);
            acc = acc.add(e, m);
        }
        float inv = 1f / VectorMath.sumLanes(lanes(acc));
        i = 0;
        for (int up = F.loopBound(d); i < up; i += L) FloatVector.fromArray(F, y, o + i).mul(inv).intoArray(y, o + i);
        if (i < d) {
            VectorMask<Float> m = F.indexInRange(i, d);
            FloatVector.fromArray(F, y, o + i, m).mul(inv).intoArray(y, o + i, m);
        }
    }

    /** Softmax along a strided axis: lanes run over the contiguous inner dimension. */
    private static void softmaxStrided(float[] x, float[] y, int base, int d, int inner) {
        for (int in = 0; in < inner; in += L) {
            VectorMask<Float> m = F.indexInRange(in, inner);
            FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < d; i++) mx = mx.max(FloatVector.fromArray(F, x, base + i * inner + in, m));
            FloatVector sum = FloatVector.zero(F);
            for (int i = 0; i < d; i++) {
                int at = base + i * inner + in;
                FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, at, m).sub(mx));
                e.intoArray(y, at, m);
                sum = sum.add(e);
            }
            FloatVector inv = FloatVector.broadcast(F, 1f).div(sum);
            for (int i = 0; i < d; i++) {
                int at = base + i * inner + in;
                FloatVector.fromArray(F, y, at, m).mul(inv).intoArray(y, at, m);
            }
        }
    }

    /** The lanes of v in a fresh array, for {@link VectorMath#sumLanes}. */
    private static float[] lanes(FloatVector v) {
        float[] t = new float[L];
        v.intoArray(t, 0);
        return t;
    }
}
