package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.reference.Pool2d;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** Pooling against the reference over PyTorch's argument combinations. */
class Pool2dKernelTest {
    private static ComputePool pool;

    @BeforeAll
    static void open() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    /** planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil */
    private static final int[][] CASES = {
            {96, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0},
            {5, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1},
            {5, 13, 11, 3, 3, 2, 2, 0, 0, 1, 1, 1},
            {3, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 0},
            {3, 13, 11, 3, 2, 2, 1, 1, 1, 2, 1, 0},
            {4, 9, 9, 3, 3, 3, 3, 1, 1, 1, 1, 1},
            {2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0},
            {7, 37, 41, 5, 3, 3, 2, 2, 1, 1, 2, 1},
            {3, 3, 40, 2, 2, 1, 1, 1, 1, 1, 1, 0},
            {5, 13, 11, 2, 2, 2, 2, 1, 1, 1, 1, 1},     // 2-wide windows at stride 2 with padding and ceil_mode
            {2, 9, 41, 3, 2, 1, 2, 1, 0, 2, 1, 1},      // 2-wide at stride 2, dilated rows, prime width
            {4, 6, 70, 2, 2, 2, 2, 0, 0, 1, 1, 0},      // 2×2/2 over more than one vector of outputs
            // column stride 2 with wider windows (rows split into even and odd columns): ResNet's stem pool, odd
            // sizes, ceil_mode, 5×5, dilation, asymmetric padding, rows narrower than a vector pair, tiny images
            {3, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 0},
            {3, 57, 71, 3, 3, 2, 2, 1, 1, 1, 1, 0},
            {3, 57, 71, 3, 3, 2, 2, 1, 1, 1, 1, 1},
            {2, 40, 45, 5, 5, 2, 2, 2, 2, 1, 1, 0},
            {2, 40, 45, 3, 3, 3, 2, 0, 1, 1, 2, 0},
            {2, 33, 34, 3, 3, 2, 2, 1, 0, 1, 1, 1},
            {3, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 0},
            {2, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 0},
            {2, 1, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1},
    };

    @Test
    void maxMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(1);
        for (int[] c : CASES) {
            int planes = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], ph = c[7], pw = c[8], dh = c[9], dw = c[10];
            boolean ceil = c[11] == 1;
            if (ph > kh / 2 || pw > kw / 2) continue;
            int oh = Pool2d.outSize(h, kh, sh, ph, dh, ceil), ow = Pool2d.outSize(w, kw, sw, pw, dw, ceil);
            float[] x = Check.random(r, planes * h * w, 3);
            if (x.length > 10) x[7] = Float.NaN;
            float[] e = new float[planes * oh * ow], y = new float[e.length];
            Pool2d.max(x, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, e, oh, ow);
            Pool2dKernel.max(x, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, y, oh, ow, pool);
            Check.bitwise(e, y, "max pool " + java.util.Arrays.toString(c));
        }
    }

    @Test
    void avgMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] c : CASES) {
            int planes = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], ph = c[7], pw = c[8];
            boolean ceil = c[11] == 1;
            if (ph > kh / 2 || pw > kw / 2) continue;
            int oh = Pool2d.outSize(h, kh, sh, ph, 1, ceil), ow = Pool2d.outSize(w, kw, sw, pw, 1, ceil);
            for (boolean include : new boolean[]{true, false}) {
                for (int divisor : new int[]{0, 5}) {
                    float[] x = Check.random(r, planes * h * w, 3);
                    float[] e = new float[planes * oh * ow], y = new float[e.length];
                    Pool2d.avg(x, planes, h, w, kh, kw, sh, sw, ph, pw, include, divisor, e, oh, ow);
                    Pool2dKernel.avg(x, planes, h, w, kh, kw, sh, sw, ph, pw, include, divisor, y, oh, ow, pool);
                    Check.close(e, y, 1e-5, "avg pool " + java.util.Arrays.toString(c) + " include " + include + " divisor " + divisor);
                }
            }
        }
    }

    /** Global average pooling against the reference's adaptive pooling to 1×1: plane sizes around every vector
     * count (tails of every length), EfficientNet's, at offsets, on one thread and split over tasks. */
    @Test
    void globalAvgMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] c : new int[][]{{3, 1, 1}, {5, 2, 3}, {4, 7, 7}, {7, 8, 8}, {3, 9, 13}, {2, 17, 19}, {144, 56, 56}, {40, 112, 112}}) {
            int planes = c[0], h = c[1], w = c[2];
            float[] x = Check.random(r, 3 + planes * h * w, 3);
            float[] e = new float[planes];
            Pool2d.adaptiveAvg(x, 3, planes, h, w, e, 0, 1, 1);
            for (ComputePool p : new ComputePool[]{null, pool}) {
                float[] y = new float[planes + 2];
                Pool2dKernel.globalAvg(x, 3, planes, h * w, y, 1, p);
                Check.close(e, java.util.Arrays.copyOfRange(y, 1, 1 + planes), 1e-5, "global avg " + java.util.Arrays.toString(c));
                if (y[0] != 0f || y[planes + 1] != 0f) throw new AssertionError("wrote outside the output");
            }
        }
    }

    /** Column stride 2 with padding (ResNet's stem pool), many planes split over tasks: nothing outside the output
     * range may change. */
    @Test
    void stride2WritesNothingOutsideItsOutput() {
        SplittableRandom r = new SplittableRandom(4);
        try (ComputePool one = new ComputePool(1)) {
            for (int[] c : new int[][]{{64, 14, 14}, {9, 3, 40}, {5, 29, 31}}) {
                int planes = c[0], h = c[1], w = c[2], oh = Pool2d.outSize(h, 3, 2, 1, 1, false), ow = Pool2d.outSize(w, 3, 2, 1, 1, false);
                int n = planes * oh * ow, off = 21;
                float[] x = Check.random(r, planes * h * w, 3);
                float[] e = new float[n];
                Pool2d.max(x, planes, h, w, 3, 3, 2, 2, 1, 1, 1, 1, e, oh, ow);
                for (ComputePool p : new ComputePool[]{one, pool}) {
                    float[] y = new float[off + n + 3 * Species.L];
                    java.util.Arrays.fill(y, -7.25f);
                    Pool2dKernel.max(x, 0, planes, h, w, 3, 3, 2, 2, 1, 1, 1, 1, y, off, oh, ow, p);
                    for (int i = 0; i < y.length; i++) {
                        if ((i < off || i >= off + n) && y[i] != -7.25f) throw new AssertionError("wrote y[" + i + "] outside the output " + java.util.Arrays.toString(c));
                    }
                    Check.bitwise(e, java.util.Arrays.copyOfRange(y, off, off + n), "max pool 3×3/2 " + java.util.Arrays.toString(c));
                }
            }
        }
    }

    /** Rows narrower than a vector are stored whole where the spill lands on rows still to be written: nothing outside
     * the output range may change, on one thread or split over tasks. */
    @Test
    void writesNothingOutsideItsOutput() {
        SplittableRandom r = new SplittableRandom(3);
        try (ComputePool one = new ComputePool(1)) {
            for (int[] c : new int[][]{{64, 14, 14}, {32, 28, 28}, {3, 5, 6}, {9, 3, 40}}) {
                int planes = c[0], h = c[1], w = c[2], oh = h / 2, ow = w / 2, n = planes * oh * ow, off = 37;
                float[] x = Check.random(r, planes * h * w, 3);
                float[] e = new float[n];
                Pool2d.max(x, planes, h, w, 2, 2, 2, 2, 0, 0, 1, 1, e, oh, ow);
                for (ComputePool p : new ComputePool[]{one, pool}) {
                    for (boolean avg : new boolean[]{false, true}) {
                        float[] y = new float[off + n + 3 * Species.L];
                        java.util.Arrays.fill(y, -7.25f);
                        if (avg) Pool2dKernel.avg(x, 0, planes, h, w, 2, 2, 2, 2, 0, 0, true, 0, y, off, oh, ow, p);
                        else Pool2dKernel.max(x, 0, planes, h, w, 2, 2, 2, 2, 0, 0, 1, 1, y, off, oh, ow, p);
                        for (int i = 0; i < y.length; i++) {
                            if (i < off || i >= off + n) {
                                if (y[i] != -7.25f) throw new AssertionError("wrote y[" + i + "] outside [" + off + ", " + (off + n) + ") " + java.util.Arrays.toString(c));
                            }
                        }
                        if (!avg) Check.bitwise(e, java.util.Arrays.copyOfRange(y, off, off + n), "max pool in place " + java.util.Arrays.toString(c));
                    }
                }
            }
        }
    }
}
