package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max and average pooling (NCHW planes) with PyTorch's padding, dilation, ceil_mode and divisor rules, as the
 * reference {@link dev.isthmus.engine.kernels.reference.Pool2d}. Each plane is first copied into a padded plane
 * (−∞ for max, 0 for average) that covers every window, so the inner loops have no bounds tests; a vector holds L
 * neighbouring output pixels of a row, loaded contiguously at stride 1, from the row's even and odd columns split
 * apart at column stride 2 ({@link #planeStride2}: ResNet's stem pool; no padded copy there), gathered otherwise. The average's divisor
 * is separable (a row factor × a column factor), so it is precomputed per call. Tasks are groups of planes. The
 * padded planes and the factors are per-thread scratch: nothing is allocated per call in steady state.
 */
public final class Pool2dKernel {
    private Pool2dKernel() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    /** Max pooling over {@code planes} planes of h×w; padding acts as −∞; NaN propagates. */
    public static void max(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                           float[] y, int oh, int ow, ComputePool pool) {
        max(x, 0, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, y, 0, oh, ow, pool);
    }

    /**
     * {@link #max(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int, int, ComputePool)} on the
     * planes dense at {@code x[xOff …]} into the output planes dense at {@code y[yOff …]}; y's range must not overlap
     * x's. Allocates nothing in steady state on one thread.
     */
    public static void max(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           int dh, int dw, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        if (planes <= 0 || oh <= 0 || ow <= 0) return;
        Geometry g = Geometry.acquire().set(h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
        try {
            int per = g.planesPerTask(planes), tasks = (planes + per - 1) / per;
            if (pool == null || tasks == 1 || pool.threads() == 1) {
                maxPlanes(x, xOff, g, y, yOff, 0, planes);
            } else {
                pool.parallelFor(tasks, t -> maxPlanes(x, xOff, g, y, yOff, t * per, Math.min(planes, (t + 1) * per)));
            }
        } finally {
            g.release();
        }
    }

    /** Average pooling with count_include_pad and divisor_override (0 = none), as PyTorch's avg_pool2d. */
    public static void avg(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           boolean countIncludePad, int divisorOverride, float[] y, int oh, int ow, ComputePool pool) {
        avg(x, 0, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride, y, 0, oh, ow, pool);
    }

    /**
     * {@link #avg(float[], int, int, int, int, int, int, int, int, int, boolean, int, float[], int, int, ComputePool)}
     * on the planes dense at {@code x[xOff …]} into the output planes dense at {@code y[yOff …]}; y's range must not
     * overlap x's. Allocates nothing in steady state on one thread.
     */
    public static void avg(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           boolean countIncludePad, int divisorOverride, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        if (planes <= 0 || oh <= 0 || ow <= 0) return;
        Geometry g = Geometry.acquire().set(h, w, kh, kw, sh, sw, ph, pw, 1, 1, oh, ow);
        try {
            // the divisor's row factors at [0, oh), column factors at [oh, oh + ow): the calling thread's, read by all tasks
            float[] f = DIVISORS.floats(oh + ow);
            for (int oy = 0; oy < oh; oy++) f[oy] = divisorOverride != 0 ? divisorOverride : divisorFactor(oy, sh, ph, kh, h, countIncludePad);
            for (int ox = 0; ox < ow; ox++) f[oh + ox] = divisorOverride != 0 ? 1f : divisorFactor(ox, sw, pw, kw, w, countIncludePad);
            int per = g.planesPerTask(planes), tasks = (planes + per - 1) / per;
            if (pool == null || tasks == 1 || pool.threads() == 1) {
                avgPlanes(x, xOff, g, f, y, yOff, 0, planes);
            } else {
                pool.parallelFor(tasks, t -> avgPlanes(x, xOff, g, f, y, yOff, t * per, Math.min(planes, (t + 1) * per)));
            }
        } finally {
            g.release();
        }
    }

    /**
     * Global average pooling (adaptive pooling to 1×1, EfficientNet's squeeze-and-excitation blocks): y[yOff + p] =
     * the mean of plane p of hw floats at x[xOff + p·hw …], for p < planes. Per plane four vector sums, combined
     * then reduced (float sums in another order than the reference's double sum: within 1e-6 of it relative to the
     * values' magnitude), a scalar tail. Tasks are groups of planes.
     */
    public static void globalAvg(float[] x, int xOff, int planes, int hw, float[] y, int yOff, ComputePool pool) {
        if (planes <= 0) return;
        if (hw <= 0) throw new IllegalArgumentException("empty planes");
        int per = Math.max(1, Math.min(planes, (1 << 16) / hw)), tasks = (planes + per - 1) / per;
        if (pool == null || tasks == 1 || pool.threads() == 1) {
            globalAvgPlanes(x, xOff, hw, y, yOff, 0, planes);
        } else {
            pool.parallelFor(tasks, t -> globalAvgPlanes(x, xOff, hw, y, yOff, t * per, Math.min(planes, (t + 1) * per)));
        }
    }

    private static void globalAvgPlanes(float[] x, int xOff, int hw, float[] y, int yOff, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int a = xOff + p * hw, i = 0;
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (; i + 4 * L <= hw; i += 4 * L) {
                s0 = s0.add(FloatVector.fromArray(F, x, a + i));
                s1 = s1.add(FloatVector.fromArray(F, x, a + i + L));
                s2 = s2.add(FloatVector.fromArray(F, x, a + i + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, a + i + 3 * L));
            }
            for (; i + L <= hw; i += L) s0 = s0.add(FloatVector.fromArray(F, x, a + i));
            float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
            for (; i < hw; i++) sum += x[a + i];
            y[yOff + p] = sum / hw;
        }
    }

    /** Lane i takes lane 2i (i < L/2): the even lanes of a vector, packed into its low half. */
    private static final VectorShuffle<Float> EVENS_LOW = VectorShuffle.fromOp(F, i -> (2 * i) % L);

    /**
     * MaxPool2d(2) (2×2 windows at stride 2, floor mode) on planes of h×w at x[xOff …] into planes of (h/2)×(w/2)
     * dense at y[yOff …], for values that are never NaN or −0 (a ReLU's output): a compare-and-blend then equals
     * Java's max, which costs several instructions per lane to order NaN and −0. Per L/2 outputs of a row: the pair
     * maxima of both input rows at once (the loads at c and c + 1), then the even lanes packed down. x must hold L
     * floats past the last plane; the caller's y range is written in order, so a store's lanes past its row land on
     * outputs written later (the last one of all is masked).
     */
    public static void max2x2NonNegative(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff) {
        int ph = h / 2, pw = w / 2, half = L / 2, yEnd = yOff + planes * ph * pw;
        // with h even, the row pairs of all planes follow one another: one flat loop (a third faster than per plane)
        int rows = h % 2 == 0 ? planes * ph : ph, outer = h % 2 == 0 ? 1 : planes;
        for (int p = 0; p < outer; p++) {
            for (int r = 0; r < rows; r++) {
                int a = xOff + (p * h + 2 * r) * w, o = yOff + (p * ph + r) * pw;
                if (o + pw - 1 + L <= yEnd) {
                    for (int ox = 0; ox < pw; ox += half) pairMax(x, a + 2 * ox, w).intoArray(y, o + ox);
                } else { // the last rows: no store past yEnd
                    for (int ox = 0; ox < pw; ox += half) {
                        pairMax(x, a + 2 * ox, w).intoArray(y, o + ox, F.indexInRange(0, Math.min(half, pw - ox)));
                    }
                }
            }
        }
    }

    /** The maxima of the 2×2 windows at x[c + 2i …] (rows w apart), i < L/2, in the low half of a vector. */
    private static FloatVector pairMax(float[] x, int c, int w) {
        FloatVector t0 = FloatVector.fromArray(F, x, c), t1 = FloatVector.fromArray(F, x, c + 1);
        FloatVector b0 = FloatVector.fromArray(F, x, c + w), b1 = FloatVector.fromArray(F, x, c + w + 1);
        t0 = t0.blend(t1, t0.lt(t1));
        b0 = b0.blend(b1, b0.lt(b1));
        return t0.blend(b0, t0.lt(b0)).rearrange(EVENS_LOW);
    }

    /** Per thread: a padded input plane; the average's divisor factors. */
    private static final Scratch PAD = new Scratch(), DIVISORS = new Scratch();

    /** One axis' share of the reference's divisor: the window length, clipped as PyTorch clips it. */
    private static float divisorFactor(int o, int s, int pad, int k, int in, boolean countIncludePad) {
        int start = o * s - pad, end = Math.min(start + k, in + pad);
        if (countIncludePad) return end - start;
        return Math.max(Math.min(end, in) - Math.max(start, 0), 0);
    }

    /*
     * UNMASKED_STORES: a row's last vector is stored whole whenever its lanes past the row stay inside this task's
     * output (y[.., yEnd)): they land on the next row (or the next plane's first row), which this task writes later
     * in the same order, so they are overwritten. A store with a partial mask runs a per-lane range check on this
     * JDK (measured: a fifth of the seed CNN's pooling time); only the task's very last row still needs it.
     */

    private static void maxPlanes(float[] x, int xOff, Geometry g, float[] y, int yOff, int p0, int p1) {
        for (int p = p0; p < p1; p++) maxPlane(x, xOff, p, g, y, yOff, yOff + p1 * g.oh * g.ow);
    }

    private static void avgPlanes(float[] x, int xOff, Geometry g, float[] f, float[] y, int yOff, int p0, int p1) {
        for (int p = p0; p < p1; p++) avgPlane(x, xOff, p, g, f, y, yOff, yOff + p1 * g.oh * g.ow);
    }

    /**
     * Window geometry and the padded plane that covers every window. Reused: each thread keeps one
     * ({@link #acquire}), set per call; the pool's workers only read it during the call.
     */
    private static final class Geometry {
        private static final ThreadLocal<Geometry> LOCAL = ThreadLocal.withInitial(Geometry::new);
        private boolean busy;
        int h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, paddedH, paddedW;
        /** Gather offsets of L output pixels at stride sw: i·sw. */
        final int[] lanes = new int[L];

        static Geometry acquire() {
            Geometry g = LOCAL.get();
            if (g.busy) g = new Geometry();
            g.busy = true;
            return g;
        }

        void release() {
            busy = false;
        }

        Geometry set(int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow) {
            this.h = h;
            this.w = w;
            this.kh = kh;
            this.kw = kw;
            this.sh = sh;
            this.sw = sw;
            this.ph = ph;
            this.pw = pw;
            this.dh = dh;
            this.dw = dw;
            this.oh = oh;
            this.ow = ow;
            this.paddedH = Math.max(h + ph, (oh - 1) * sh + (kh - 1) * dh + 1);
            this.paddedW = Math.max(w + pw, (ow - 1) * sw + (kw - 1) * dw + 1);
            for (int i = 0; i < L; i++) lanes[i] = i * sw;
            return this;
        }

        int planesPerTask(int planes) {
            long work = (long) planes * oh * ow * kh * kw;
            return (int) Math.max(1, Math.min(planes, (1L << 16) / Math.max(1, work / Math.max(1, planes))));
        }

        /** Plane {@code plane} of x copied into the calling thread's padded-plane scratch, the rest {@code fill}. */
        float[] pad(float[] x, int xOff, int plane, float fill) {
            // slack past the last row: a masked gather still range-checks its unused lanes
            int size = paddedH * paddedW + L * sw;
            float[] p = PAD.filled(size, fill);
            int src = xOff + plane * h * w;
            for (int iy = 0; iy < h; iy++) System.arraycopy(x, src + iy * w, p, (iy + ph) * paddedW + pw, w);
            return p;
        }
    }

    private static void maxPlane(float[] x, int xOff, int plane, Geometry g, float[] y, int yOff, int yEnd) {
        if (g.kw == 2 && g.sw == 2 && g.dw == 1 && L >= 4) {
            maxPlanePairs(x, xOff, plane, g, y, yOff, yEnd);
            return;
        }
        if (g.sw == 2 && L >= 4) {
            planeStride2(x, xOff, plane, g, null, y, yOff, yEnd);
            return;
        }
        float[] p = g.pad(x, xOff, plane, Float.NEGATIVE_INFINITY);
        int pwid = g.paddedW;
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = yOff + (plane * g.oh + oy) * g.ow;
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
                if (yRow + ox + L <= yEnd) acc.intoArray(y, yRow + ox); // see UNMASKED_STORES
                else acc.intoArray(y, yRow + ox, m);
            }
        }
    }

    /** The two-source shuffles that pick the even and the odd lanes of a pair of vectors (made once). */
    private static final class PairShuffles {
        static final VectorShuffle<Float> EVEN, ODD;

        static {
            int[] even = new int[L], odd = new int[L];
            for (int i = 0; i < L; i++) {
                even[i] = i < L / 2 ? 2 * i : 2 * i - 2 * L; // negative: lane 2i − L of the second vector
                odd[i] = i < L / 2 ? 2 * i + 1 : 2 * i + 1 - 2 * L;
            }
            EVEN = VectorShuffle.fromArray(F, even, 0);
            ODD = VectorShuffle.fromArray(F, odd, 0);
        }
    }

    /**
     * Windows two columns wide at stride 2 (the classic 2×2/2): per L outputs, the kh rows of 2L inputs are maxed
     * vertically with contiguous loads, then even and odd columns are separated by two two-source shuffles and
     * maxed. Reads the input in place when no window touches padding.
     */
    private static void maxPlanePairs(float[] x, int xOff, int plane, Geometry g, float[] y, int yOff, int yEnd) {
        boolean inside = g.ph == 0 && g.pw == 0 && g.paddedH == g.h && g.paddedW == g.w;
        float[] p = inside ? x : g.pad(x, xOff, plane, Float.NEGATIVE_INFINITY);
        int base = inside ? xOff + plane * g.h * g.w : 0, pwid = inside ? g.w : g.paddedW;
        VectorShuffle<Float> se = PairShuffles.EVEN, so = PairShuffles.ODD;
        int cols = 2 * g.ow; // input columns the windows of one output row span
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = yOff + (plane * g.oh + oy) * g.ow;
            int r0 = base + oy * g.sh * pwid;
            for (int ox = 0; ox < g.ow; ox += L) {
                int c0 = 2 * ox;
                FloatVector a = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), b = a;
                if (r0 + (g.kh - 1) * g.dh * pwid + c0 + 2 * L <= p.length) {
                    // whole vectors: lanes past the row read the next row (or whatever follows in the array) and
                    // only feed output lanes past the row, which the stores below drop or overwrite
                    for (int ky = 0; ky < g.kh; ky++) {
                        int at = r0 + ky * g.dh * pwid + c0;
                        a = a.max(FloatVector.fromArray(F, p, at));
                        b = b.max(FloatVector.fromArray(F, p, at + L));
                    }
                } else {
                    VectorMask<Float> m0 = F.indexInRange(c0, cols), m1 = F.indexInRange(c0 + L, cols);
                    for (int ky = 0; ky < g.kh; ky++) {
                        int at = r0 + ky * g.dh * pwid + c0;
                        a = a.max(FloatVector.fromArray(F, p, at, m0));
                        b = b.max(FloatVector.fromArray(F, p, at + L, m1));
                    }
                }
                FloatVector out = a.rearrange(se, b).max(a.rearrange(so, b));
                if (yRow + ox + L <= yEnd) out.intoArray(y, yRow + ox); // see UNMASKED_STORES
                else out.intoArray(y, yRow + ox, F.indexInRange(ox, g.ow));
            }
        }
    }


    /** Per thread: the even and odd columns of a padded input row; the row maxima (or sums) of every padded row. */
    private static final Scratch SPLIT = new Scratch(), ROWS = new Scratch();

    /**
     * Windows at column stride 2 (ResNet's 3×3/2 stem pool, padding 1), max pooling when f is null, else average
     * pooling with the divisor factors f, at near memory speed: no gathers and no padded copy of the plane. Each
     * input row is split once into its even and odd padded columns (two two-source shuffles per pair of vectors,
     * the padding columns −∞ or 0), so that the window's taps along a row are contiguous loads of one of the two
     * halves; the row maxima (sums) of every padded row are kept (kw taps each, computed once though kh/sh output
     * rows use them), then each output row is the max (sum) of kh of them, all in whole vectors (see
     * UNMASKED_STORES).
     */
    private static void planeStride2(float[] x, int xOff, int plane, Geometry g, float[] f, float[] y, int yOff, int yEnd) {
        boolean max = f == null;
        float fill = max ? Float.NEGATIVE_INFINITY : 0f;
        int owR = (g.ow + L - 1) / L * L, reach = (g.kw - 1) * g.dw / 2;
        int half = (g.paddedW + 1) / 2, halfPitch = Math.max(half, owR + reach) + L;
        float[] eo = SPLIT.floats(2 * halfPitch);
        float[] rows = ROWS.floats(g.paddedH * owR);
        int src = xOff + plane * g.h * g.w;
        // the padding columns: every row writes the same data columns, so the rest keeps the fill
        java.util.Arrays.fill(eo, 0, 2 * halfPitch, fill);
        boolean three = g.kw == 3 && g.dw == 1;
        for (int r = 0; r < g.paddedH; r++) {
            int iy = r - g.ph, at = r * owR;
            if (iy < 0 || iy >= g.h) {
                java.util.Arrays.fill(rows, at, at + owR, fill);
                continue;
            }
            splitRow(x, src + iy * g.w, g.w, g.pw, eo, 0, halfPitch);
            if (three) { // the stem pool's windows: even, odd, next even
                for (int ox = 0; ox < owR; ox += L) {
                    FloatVector e0 = FloatVector.fromArray(F, eo, ox), o0 = FloatVector.fromArray(F, eo, halfPitch + ox);
                    FloatVector e1 = FloatVector.fromArray(F, eo, ox + 1);
                    (max ? e0.max(o0).max(e1) : e0.add(o0).add(e1)).intoArray(rows, at + ox);
                }
                continue;
            }
            for (int ox = 0; ox < owR; ox += L) {
                FloatVector acc = FloatVector.broadcast(F, fill);
                for (int kx = 0; kx < g.kw; kx++) {
                    int c = kx * g.dw;
                    FloatVector v = FloatVector.fromArray(F, eo, (c & 1) * halfPitch + (c >> 1) + ox);
                    acc = max ? acc.max(v) : acc.add(v);
                }
                acc.intoArray(rows, at + ox);
            }
        }
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = yOff + (plane * g.oh + oy) * g.ow, r0 = oy * g.sh * owR;
            for (int ox = 0; ox < owR; ox += L) {
                FloatVector acc = FloatVector.fromArray(F, rows, r0 + ox);
                for (int ky = 1; ky < g.kh; ky++) {
                    FloatVector v = FloatVector.fromArray(F, rows, r0 + ky * g.dh * owR + ox);
                    acc = max ? acc.max(v) : acc.add(v);
                }
                if (!max) acc = acc.div(FloatVector.fromArray(F, f, g.oh + ox).mul(f[oy])); // f has slack past oh + ow
                if (yRow + ox + L <= yEnd) acc.intoArray(y, yRow + ox); // see UNMASKED_STORES
                else acc.intoArray(y, yRow + ox, F.indexInRange(ox, g.ow));
            }
        }
    }

    /**
     * The w floats of an input row at x[xr …], placed at padded column pad + ix, split into the even padded columns
     * (at eo[at …]) and the odd ones (at eo[at + pitch …]); what is not written keeps its value (the padding).
     */
    private static void splitRow(float[] x, int xr, int w, int pad, float[] eo, int at, int pitch) {
        // the even input columns go to phase pad % 2
        int e = pad & 1;
        int toE = at + (e == 0 ? 0 : pitch) + (pad >> 1), toO = at + (e == 0 ? pitch : 0) + ((pad + 1) >> 1);
        VectorShuffle<Float> se = PairShuffles.EVEN, so = PairShuffles.ODD;
        int j = 0;
        for (; 2 * j + 2 * L <= w; j += L) {
            FloatVector a = FloatVector.fromArray(F, x, xr + 2 * j), b = FloatVector.fromArray(F, x, xr + 2 * j + L);
            a.rearrange(se, b).intoArray(eo, toE + j);
            a.rearrange(so, b).intoArray(eo, toO + j);
        }
        if (2 * j < w && w >= 2 * L) {
            // one more pair overlapping the last (the same values again), from the last even column where it fits
            int last = ((w - 2 * L) & ~1) / 2;
            FloatVector a = FloatVector.fromArray(F, x, xr + 2 * last), b = FloatVector.fromArray(F, x, xr + 2 * last + L);
            a.rearrange(se, b).intoArray(eo, toE + last);
            a.rearrange(so, b).intoArray(eo, toO + last);
            j = last + L;
        }
        for (int ix = 2 * j; ix < w; ix += 2) {
            eo[toE + ix / 2] = x[xr + ix];
            if (ix + 1 < w) eo[toO + ix / 2] = x[xr + ix + 1];
        }
    }

    /** @param f the divisor's row factors at [0, oh), column factors at [oh, oh + ow) */
    private static void avgPlane(float[] x, int xOff, int plane, Geometry g, float[] f, float[] y, int yOff, int yEnd) {
        if (g.sw == 2 && L >= 4) {
            planeStride2(x, xOff, plane, g, f, y, yOff, yEnd);
            return;
        }
        float[] p = g.pad(x, xOff, plane, 0f);
        int pwid = g.paddedW;
        for (int oy = 0; oy < g.oh; oy++) {
            int yRow = yOff + (plane * g.oh + oy) * g.ow;
            int r0 = oy * g.sh * pwid;
            float rf = f[oy];
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
                FloatVector div = FloatVector.fromArray(F, f, g.oh + ox, m).mul(rf);
                if (yRow + ox + L <= yEnd) acc.div(div).intoArray(y, yRow + ox); // see UNMASKED_STORES
                else acc.div(div).intoArray(y, yRow + ox, m);
            }
        }
    }
}
