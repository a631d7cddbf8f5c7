package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm, inference BatchNorm, GroupNorm, softmax and log-softmax on vectors, with the reference's semantics
 * ({@link dev.isthmus.engine.kernels.reference.Norms}). Sums run in float over L lanes (two-pass mean and variance),
 * within 1e-6 relative of the reference's double sums for the row lengths of these models; GroupNorm's groups can
 * be far longer, so its float sums are of chunks, added up in double. Rows (or planes, or groups) are independent
 * tasks.
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
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            float[] t = LANES.floats(L);
            for (int r = 0; r < rows; r++) layerNormRow(x, xOff + r * d, y, yOff + r * d, d, gamma, beta, eps, t);
        } else {
            pool.parallelFor(tasks, tk -> {
                float[] t = LANES.floats(L);
                for (int r = tk * per, end = Math.min(rows, r + per); r < end; r++) {
                    layerNormRow(x, xOff + r * d, y, yOff + r * d, d, gamma, beta, eps, t);
                }
            });
        }
    }

    /** Per thread: L floats where a vector's lanes are stored for {@link VectorMath#sumLanes}. */
    private static final Scratch LANES = new Scratch();
    /** Per calling thread: BatchNorm's scale (c floats) then shift (c floats). */
    private static final Scratch SCALE_SHIFT = new Scratch();

    /** @param lanes L floats of scratch */
    private static void layerNormRow(float[] x, int o, float[] y, int yo, int d, float[] gamma, float[] beta, double eps,
                                     float[] lanes) {
        float mean = sum(x, o, d, lanes) / d;
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
        acc.intoArray(lanes, 0);
        float var = VectorMath.sumLanes(lanes) / d;
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

    /** Σ a[off, off + len); {@code t} is L floats of scratch. */
    static float sum(float[] a, int off, int len, float[] t) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) acc = acc.add(FloatVector.fromArray(F, a, off + i));
        if (i < len) acc = acc.add(FloatVector.fromArray(F, a, off + i, F.indexInRange(i, len)));
        acc.intoArray(t, 0);
        return VectorMath.sumLanes(t);
    }

    /** Inference BatchNorm over (n, c, spatial): y = x·scale[c] + shift[c] with scale = gamma/sqrt(var + eps). */
    public static void batchNorm(float[] x, float[] y, int n, int c, int spatial, float[] mean, float[] var,
                                 float[] gamma, float[] beta, double eps, ComputePool pool) {
        batchNorm(x, 0, y, 0, n, c, spatial, mean, var, gamma, beta, eps, pool);
    }

    /**
     * {@link #batchNorm(float[], float[], int, int, int, float[], float[], float[], float[], double, ComputePool)} on
     * (n, c, spatial) at {@code x[xOff …]} into {@code y[yOff …]}: in place when y is x and the offsets are equal,
     * otherwise the ranges must not overlap.
     */
    public static void batchNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, float[] mean, float[] var,
                                 float[] gamma, float[] beta, double eps, ComputePool pool) {
        if (n <= 0 || c <= 0 || spatial <= 0) return;
        float[] ss = SCALE_SHIFT.floats(2 * c); // scale at [0, c), shift at [c, 2c)
        for (int ch = 0; ch < c; ch++) {
            double inv = 1.0 / Math.sqrt(var[ch] + eps);
            double g = gamma == null ? 1.0 : gamma[ch];
            double bt = beta == null ? 0.0 : beta[ch];
            ss[ch] = (float) (inv * g);
            ss[c + ch] = (float) (bt - mean[ch] * inv * g);
        }
        int planes = n * c;
        int per = Math.max(1, (1 << 15) / Math.max(1, spatial));
        int tasks = (planes + per - 1) / per;
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            batchNormPlanes(x, xOff, y, yOff, c, spatial, ss, 0, planes);
        } else {
            pool.parallelFor(tasks, t -> batchNormPlanes(x, xOff, y, yOff, c, spatial, ss, t * per, Math.min(planes, (t + 1) * per)));
        }
    }

    private static void batchNormPlanes(float[] x, int xOff, float[] y, int yOff, int c, int spatial, float[] ss, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int ch = p % c, o = p * spatial;
            scaleShift(x, xOff + o, y, yOff + o, spatial, ss[ch], ss[c + ch]);
        }
    }

    private static void scaleShift(float[] x, int xo, float[] y, int yo, int len, float s, float b) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) FloatVector.fromArray(F, x, xo + i).fma(s, b).intoArray(y, yo + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, x, xo + i, m).fma(s, b).intoArray(y, yo + i, m);
        }
    }

    /** Softmax along an axis of size d in an (outer, d, inner) layout, as the reference; y may be x. */
    public static void softmax(float[] x, float[] y, int outer, int d, int inner, ComputePool pool) {
        softmax(x, 0, y, 0, outer, d, inner, pool);
    }

    /**
     * Softmax along an axis of size d of the (outer, d, inner) tensor at {@code x[xOff …]} into {@code y[yOff …]}: in
     * place when y is x and the offsets are equal, otherwise the ranges must not overlap.
     */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, ComputePool pool) {
        softmax(x, xOff, y, yOff, outer, d, inner, false, pool);
    }

    /**
     * Softmax, or with {@code log} log-softmax (x − max − log Σ e^(x − max)), along an axis of size d of the
     * (outer, d, inner) tensor at {@code x[xOff …]} into {@code y[yOff …]}: in place when y is x and the offsets are
     * equal, otherwise the ranges must not overlap.
     */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, boolean log, ComputePool pool) {
        if (outer <= 0 || d <= 0 || inner <= 0) return;
        int per = Math.max(1, (1 << 14) / Math.max(1, d * inner));
        int tasks = (outer + per - 1) / per;
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            softmaxRows(x, xOff, y, yOff, d, inner, log, 0, outer);
        } else {
            pool.parallelFor(tasks, t -> softmaxRows(x, xOff, y, yOff, d, inner, log, t * per, Math.min(outer, (t + 1) * per)));
        }
    }

    private static void softmaxRows(float[] x, int xOff, float[] y, int yOff, int d, int inner, boolean log, int o0, int o1) {
        if (inner == 1) {
            float[] t = LANES.floats(L);
            for (int o = o0; o < o1; o++) {
                if (log) logSoftmaxRow(x, xOff + o * d, y, yOff + o * d, d, t);
                else softmaxRow(x, xOff + o * d, y, yOff + o * d, d, t);
            }
        } else {
            for (int o = o0; o < o1; o++) {
                if (log) logSoftmaxStrided(x, xOff + o * d * inner, y, yOff + o * d * inner, d, inner);
                else softmaxStrided(x, xOff + o * d * inner, y, yOff + o * d * inner, d, inner);
            }
        }
    }

    /** Softmax of the contiguous row x[o, o + d) into y[yo, yo + d); {@code t} is L floats of scratch. */
    static void softmaxRow(float[] x, int o, float[] y, int yo, int d, float[] t) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = F.loopBound(d); i < up; i += L) mx = mx.max(FloatVector.fromArray(F, x, o + i));
        mx.intoArray(t, 0);
        float max = VectorMath.maxLanes(t);
        for (; i < d; i++) max = Math.max(max, x[o + i]);
        if (x != y || o != yo) System.arraycopy(x, o, y, yo, d);
        VectorMath.expInPlace(y, yo, d, max);
        FloatVector acc = FloatVector.zero(F);
        i = 0;
        for (int up = F.loopBound(d); i < up; i += L) acc = acc.add(FloatVector.fromArray(F, y, yo + i));
        acc.intoArray(t, 0);
        float sum = VectorMath.sumLanes(t);
        for (; i < d; i++) sum += y[yo + i]; // tails in scalar code: no masked vector access (see VectorMath's MASKS)
        float inv = 1f / sum;
        i = 0;
        for (int up = F.loopBound(d); i < up; i += L) FloatVector.fromArray(F, y, yo + i).mul(inv).intoArray(y, yo + i);
        for (; i < d; i++) y[yo + i] *= inv;
    }

    /**
     * Softmax along a strided axis: lanes run over the contiguous inner dimension. Three passes: x minus the
     * per-lane max into y, e^ of all of y at once, then the sums and the scaling.
     */
    private static void softmaxStrided(float[] x, int base, float[] y, int yBase, int d, int inner) {
        for (int in = 0; in < inner; in += L) {
            VectorMask<Float> m = F.indexInRange(in, inner);
            FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < d; i++) mx = mx.max(FloatVector.fromArray(F, x, base + i * inner + in, m));
            for (int i = 0; i < d; i++) {
                FloatVector.fromArray(F, x, base + i * inner + in, m).sub(mx).intoArray(y, yBase + i * inner + in, m);
            }
        }
        VectorMath.expInPlace(y, yBase, d * inner, 0f);
        for (int in = 0; in < inner; in += L) {
            VectorMask<Float> m = F.indexInRange(in, inner);
            FloatVector sum = FloatVector.zero(F);
            for (int i = 0; i < d; i++) sum = sum.add(FloatVector.fromArray(F, y, yBase + i * inner + in, m));
            FloatVector inv = FloatVector.broadcast(F, 1f).div(sum);
            for (int i = 0; i < d; i++) {
                int at = yBase + i * inner + in;
                FloatVector.fromArray(F, y, at, m).mul(inv).intoArray(y, at, m);
            }
        }
    }

    // ---- log-softmax ------------------------------------------------------------------------------------------
    //
    // As the softmax above, except that e^(x − max) is only summed, never kept: it goes through VectorMath's
    // CHUNK-float temporary, and y = x − max − log(sum) is written in one last pass (so in place works). Every loop
    // runs on whole vectors with a scalar tail (no masked access: see VectorMath's MASKS).

    /** Log-softmax of the contiguous row x[o, o + d) into y[yo, yo + d); {@code t} is L floats of scratch. */
    static void logSoftmaxRow(float[] x, int o, float[] y, int yo, int d, float[] t) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int up = F.loopBound(d), i = 0;
        for (; i < up; i += L) mx = mx.max(FloatVector.fromArray(F, x, o + i));
        mx.intoArray(t, 0);
        float max = VectorMath.maxLanes(t);
        for (; i < d; i++) max = Math.max(max, x[o + i]);
        float[] tmp = VectorMath.temp();
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        for (int c = 0; c < d; c += VectorMath.CHUNK) {
            int n = Math.min(VectorMath.CHUNK, d - c), full = n - n % L;
            System.arraycopy(x, o + c, tmp, 0, n);
            VectorMath.expInPlace(tmp, 0, n, max);
            for (int j = 0; j < full; j += L) acc = acc.add(FloatVector.fromArray(F, tmp, j));
            for (int j = full; j < n; j++) tail += tmp[j];
        }
        acc.intoArray(t, 0);
        float logSum = (float) Math.log(VectorMath.sumLanes(t) + tail);
        for (i = 0; i < up; i += L) FloatVector.fromArray(F, x, o + i).sub(max).sub(logSum).intoArray(y, yo + i);
        for (; i < d; i++) y[yo + i] = (x[o + i] - max) - logSum;
    }

    /** Per thread: a strided log-softmax's column maxima (inner floats) then column sums (inner floats). */
    private static final Scratch COLUMNS = new Scratch();

    /**
     * Log-softmax along a strided axis: the d rows of {@code inner} contiguous floats are walked whole, columns being
     * the independent softmaxes. Column maxima, y = x − max, column sums of e^y (row by row through the temporary),
     * their logs, y −= log sum.
     */
    private static void logSoftmaxStrided(float[] x, int base, float[] y, int yBase, int d, int inner) {
        float[] cs = COLUMNS.floats(2 * inner);
        java.util.Arrays.fill(cs, 0, inner, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(cs, inner, 2 * inner, 0f);
        int up = F.loopBound(inner);
        for (int r = 0; r < d; r++) {
            int xo = base + r * inner, j = 0;
            for (; j < up; j += L) FloatVector.fromArray(F, cs, j).max(FloatVector.fromArray(F, x, xo + j)).intoArray(cs, j);
            for (; j < inner; j++) cs[j] = Math.max(cs[j], x[xo + j]);
        }
        for (int r = 0; r < d; r++) {
            int xo = base + r * inner, yo = yBase + r * inner, j = 0;
            for (; j < up; j += L) FloatVector.fromArray(F, x, xo + j).sub(FloatVector.fromArray(F, cs, j)).intoArray(y, yo + j);
            for (; j < inner; j++) y[yo + j] = x[xo + j] - cs[j];
        }
        float[] tmp = VectorMath.temp();
        for (int r = 0; r < d; r++) {
            int yo = yBase + r * inner;
            for (int c = 0; c < inner; c += VectorMath.CHUNK) {
                int n = Math.min(VectorMath.CHUNK, inner - c), full = n - n % L, s = inner + c;
                System.arraycopy(y, yo + c, tmp, 0, n);
                VectorMath.expInPlace(tmp, 0, n, 0f);
                for (int j = 0; j < full; j += L) {
                    FloatVector.fromArray(F, cs, s + j).add(FloatVector.fromArray(F, tmp, j)).intoArray(cs, s + j);
                }
                for (int j = full; j < n; j++) cs[s + j] += tmp[j];
            }
        }
        for (int j = 0; j < inner; j++) cs[inner + j] = (float) Math.log(cs[inner + j]);
        for (int r = 0; r < d; r++) {
            int yo = yBase + r * inner, j = 0;
            for (; j < up; j += L) FloatVector.fromArray(F, y, yo + j).sub(FloatVector.fromArray(F, cs, inner + j)).intoArray(y, yo + j);
            for (; j < inner; j++) y[yo + j] -= cs[inner + j];
        }
    }

    // ---- GroupNorm --------------------------------------------------------------------------------------------

    /** Floats per float sum of {@link #chunkedSum} and {@link #chunkedSquares}: 64 per lane at 512-bit. */
    private static final int SUM_CHUNK = 1024;

    /**
     * GroupNorm over (n, c, spatial) (PyTorch's group_norm): per image and group of c/groups channels (one contiguous
     * run of c/groups·spatial floats), y = (x − mean)·inv·gamma[ch] + beta[ch], inv = 1/sqrt(var + eps), biased
     * variance; gamma, beta may be null. In place when y is x and the offsets are equal, otherwise the ranges must
     * not overlap. The (image, group) pairs are the tasks.
     */
    public static void groupNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, int groups, float[] gamma,
                                 float[] beta, double eps, ComputePool pool) {
        if (n <= 0 || c <= 0 || spatial <= 0) return;
        if (groups <= 0 || c % groups != 0) throw new IllegalArgumentException(c + " channels do not split into " + groups + " groups");
        int cg = c / groups, all = n * groups;
        long len = (long) cg * spatial;
        int per = (int) Math.max(1, (1 << 15) / len);
        int tasks = (all + per - 1) / per;
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            groupNormGroups(x, xOff, y, yOff, groups, cg, spatial, gamma, beta, eps, 0, all);
        } else {
            pool.parallelFor(tasks, t -> groupNormGroups(x, xOff, y, yOff, groups, cg, spatial, gamma, beta, eps, t * per,
                    Math.min(all, (t + 1) * per)));
        }
    }

    /** Groups [i0, i1) of all images (group i = image i / groups, group i % groups): its floats start at i·cg·spatial. */
    private static void groupNormGroups(float[] x, int xOff, float[] y, int yOff, int groups, int cg, int spatial, float[] gamma,
                                        float[] beta, double eps, int i0, int i1) {
        float[] t = LANES.floats(L);
        int len = cg * spatial;
        for (int i = i0; i < i1; i++) {
            int o = i * len, ch0 = (i % groups) * cg;
            double mean = chunkedSum(x, xOff + o, len, t) / len;
            float mf = (float) mean;
            double var = chunkedSquares(x, xOff + o, len, mf, t) / len;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int k = 0; k < cg; k++) {
                int ch = ch0 + k, at = o + k * spatial;
                float scale = (float) (inv * (gamma == null ? 1.0 : gamma[ch]));
                float shift = beta == null ? 0f : beta[ch];
                shiftScaleShift(x, xOff + at, y, yOff + at, spatial, mf, scale, shift);
            }
        }
    }

    /** Σ a[off, off + len): float sums of {@link #SUM_CHUNK} floats over L lanes, added in double. */
    private static double chunkedSum(float[] a, int off, int len, float[] t) {
        double s = 0;
        for (int c = 0; c < len; c += SUM_CHUNK) {
            int n = Math.min(SUM_CHUNK, len - c), up = F.loopBound(n), o = off + c, i = 0;
            FloatVector acc = FloatVector.zero(F);
            for (; i < up; i += L) acc = acc.add(FloatVector.fromArray(F, a, o + i));
            float tail = 0f;
            for (; i < n; i++) tail += a[o + i];
            acc.intoArray(t, 0);
            s += VectorMath.sumLanes(t) + (double) tail;
        }
        return s;
    }

    /** Σ (a[i] − mean)² over a[off, off + len), chunked as {@link #chunkedSum}. */
    private static double chunkedSquares(float[] a, int off, int len, float mean, float[] t) {
        double s = 0;
        for (int c = 0; c < len; c += SUM_CHUNK) {
            int n = Math.min(SUM_CHUNK, len - c), up = F.loopBound(n), o = off + c, i = 0;
            FloatVector acc = FloatVector.zero(F);
            for (; i < up; i += L) {
                FloatVector d = FloatVector.fromArray(F, a, o + i).sub(mean);
                acc = d.fma(d, acc);
            }
            float tail = 0f;
            for (; i < n; i++) {
                float d = a[o + i] - mean;
                tail += d * d;
            }
            acc.intoArray(t, 0);
            s += VectorMath.sumLanes(t) + (double) tail;
        }
        return s;
    }

    /** y = (x − mean)·scale + shift over len floats. */
    private static void shiftScaleShift(float[] x, int xo, float[] y, int yo, int len, float mean, float scale, float shift) {
        int i = 0;
        for (int up = F.loopBound(len); i < up; i += L) {
            FloatVector.fromArray(F, x, xo + i).sub(mean).fma(scale, shift).intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = Math.fma(x[xo + i] - mean, scale, shift);
    }
}
