package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Max and average pooling (NCHW planes) with PyTorch's padding, dilation, ceil_mode and divisor rules, as the
 * reference {@link dev.isthmus.engine.kernels.reference.Pool2d}. Each plane is first copied into a padded plane
 * (−∞ for max, 0 for average) that covers every window, so the inner loops have no bounds tests; a vector holds L
 * neighbouring output pixels of a row, loaded contiguously at stride 1 and gathered otherwise. The average's divisor
 * is separable (a row factor × a column factor), so it is precomputed per call. Tasks are groups of planes.
 */
public final class Pool2dKernel {
    private Pool2dKernel() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** Max pooling over {@code planes} planes of h×w; padding acts as −∞; NaN propagates. */
    public static void max(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                           float[] y, int oh, int ow, ComputePool pool) {
        Geometry g = new Geometry(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        run(planes, g, pool, p -> maxPlane(x, p, g, y));
    }

    /** Average pooling with count_include_pad and divisor_override (0 = none), as PyTorch's avg_pool2d. */
    public static void avg(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           boolean countIncludePad, int divisorOverride, float[] y, int oh, int ow, ComputePool pool) {
        Geometry g = new Geometry(h, w, kh, kw, sh, sw, ph, pw, 1, 1, oh, ow);
        float[] rowF = new float[oh], colF = new float[ow];
        for (int oy = 0; oy < oh; oy++) rowF[oy] = divisorFactor(oy, sh, ph, kh, h, countIncludePad);
        for (int ox = 0; ox < ow; ox++) colF[ox] = divisorFactor(ox, sw, pw, kw, w, countIncludePad);
        if (divisorOverride != 0) {
            Arrays.fill(rowF, divisorOverride);
            Arrays.fill(colF, 1f);
        }
        run(planes, g, pool, p -> avgPlane(x, p, g, rowF, colF, y));
    }

    /** One axis' share of the reference's divisor: the window length, clipped as PyTorch clips it. */
    private static float divisorFactor(int o, int s, int pad, int k, int in, boolean countIncludePad) {
        int start = o * s - pad, end = Math.min(start + k, in + pad);
        if (countIncludePad) return end - start;
        return Math.max(Math.min(end, in) - Math.max(start, 0), 0);
    }

    private static void run(int planes, Geometry g, ComputePool pool, java.util.function.IntConsumer plane) {
        long work = (long) planes * g.oh * g.ow * g.kh * g.kw;
        int per = (int) Math.max(1, Math.min(planes, (1L << 16) / Math.max(1, work / Math.max(1, planes))));
        int tasks = (planes + per - 1) / per;
        if (pool == null || tasks == 1) {
            for (int p = 0; p < planes; p++) plane.accept(p);
        } else {
            pool.parallelFor(tasks, t -> {
                for (int p = t * per, end = Math.min(planes, p + per); p < end; p++) plane.accept(p);
            });
        }
    }

    /** Window geometry and the padded plane that covers every window. */
    private record Geometry(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow,
                            int paddedH, int paddedW, int[] lanes) {
        Geometry(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow) {
            this(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
                    Math.max(h + ph, (oh - 1) * sh + (kh - 1) * dh + 1),
                    Math.max(w + pw, (ow - 1) * sw + (kw - 1) * dw + 1),
                    strided(sw));
        }

        private static int[] strided(int sw) {
            int[] idx = new int[L];
            for (int i = 0; i < L; i++) idx[i] = i * sw;
            return idx;
        }

        float[] pad(float[] x, int plane, float fill) {
            // slack past the last row: a masked gather still range-checks its unused lanes
            float[] p = new float[paddedH * paddedW + L * sw];
            if (fill != 0f) Arrays.fill(p, fill);
            int src = plane * h * w;
            for (int iy = 0; iy < h; iy++) System.arraycopy(x, src + iy * w, p, (iy + ph) * paddedW + pw, w);
            return p;
        }
    }

    private static void maxPlane(float[] x, int plane, Geometry g, float[] y) {
        if (g.kw == 2 && g.sw == 2 && g.dw == 1 && L >= 4) {
            maxPlanePairs(x, plane, g, y);
            return;
        }
        float[] p = g.pad(x, plane, Float.NEGATIVE_INFINITY);
        int pwid = g.paddedW;
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = (plane * g.oh + oy) * g.ow;
            int r0 = oy * g.sh * pwid;
            for (int ox = 0; ox < g.ow; ox += L) {
                VectorMask<Float> m = F.indexInRange(ox, g.ow);
                FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                for (int ky = 0; ky < g.kh; ky++) {
                    int base = r0 + ky * g.dh * pwid + ox * g.sw;
                    for (int kx = 0; kx < g.kw; kx++) {
                        FloatVector v = g.sw == 1 ? FloatVector.fromArray(F, p, base + kx * g.dw, m)
                                : FloatVector.fromArray(F, p, base + kx * g.dw, g.lanes, 0, m);
                        acc = acc.max(v);
                    }
                }
                acc.intoArray(y, yRow + ox, m);
            }
        }
    }

    /**
     * Windows two columns wide at stride 2 (the classic 2×2/2): per L outputs, the kh rows of 2L inputs are maxed
     * vertically with contiguous loads, then even and odd columns are separated by two two-source shuffles and
     * maxed. Reads the input in place when no window touches padding.
     */
    private static void maxPlanePairs(float[] x, int plane, Geometry g, float[] y) {
        boolean inside = g.ph == 0 && g.pw == 0 && g.paddedH == g.h && g.paddedW == g.w;
        float[] p = inside ? x : g.pad(x, plane, Float.NEGATIVE_INFINITY);
        int base = inside ? plane * g.h * g.w : 0, pwid = inside ? g.w : g.paddedW;
        int[] even = new int[L], odd = new int[L];
        for (int i = 0; i < L; i++) {
            even[i] = i < L / 2 ? 2 * i : 2 * i - 2 * L; // negative: lane 2i − L of the second vector
            odd[i] = i < L / 2 ? 2 * i + 1 : 2 * i + 1 - 2 * L;
        }
        VectorShuffle<Float> se = VectorShuffle.fromArray(F, even, 0), so = VectorShuffle.fromArray(F, odd, 0);
        int cols = 2 * g.ow; // input columns the windows of one output row span
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = (plane * g.oh + oy) * g.ow;
            int r0 = base + oy * g.sh * pwid;
            for (int ox = 0; ox < g.ow; ox += L) {
                int c0 = 2 * ox;
                VectorMask<Float> m0 = F.indexInRange(c0, cols), m1 = F.indexInRange(c0 + L, cols);
                FloatVector a = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), b = a;
                for (int ky = 0; ky < g.kh; ky++) {
                    int at = r0 + ky * g.dh * pwid + c0;
                    a = a.max(FloatVector.fromArray(F, p, at, m0));
                    b = b.max(FloatVector.fromArray(F, p, at + L, m1));
                }
                FloatVector out = a.rearrange(se, b).max(a.rearrange(so, b));
                out.intoArray(y, yRow + ox, F.indexInRange(ox, g.ow));
            }
        }
    }

    private static void avgPlane(float[] x, int plane, Geometry g, float[] rowF, float[] colF, float[] y) {
        float[] p = g.pad(x, plane, 0f);
        int pwid = g.paddedW;
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = (plane * g.oh + oy) * g.ow;
            int r0 = oy * g.sh * pwid;
            float rf = rowF[oy];
            for (int ox = 0; ox < g.ow; ox += L) {
                VectorMask<Float> m = F.indexInRange(ox, g.ow);
                FloatVector acc = FloatVector.zero(F);
                for (int ky = 0; ky < g.kh; ky++) {
                    int base = r0 + ky * pwid + ox * g.sw;
                    for (int kx = 0; kx < g.kw; kx++) {
                        FloatVector v = g.sw == 1 ? FloatVector.fromArray(F, p, base + kx, m)
                                : FloatVector.fromArray(F, p, base + kx, g.lanes, 0, m);
                        acc = acc.add(v);
                    }
                }
                FloatVector div = FloatVector.fromArray(F, colF, ox, m).mul(rf);
                acc.div(div).intoArray(y, yRow + ox, m);
            }
        }
    }
}
