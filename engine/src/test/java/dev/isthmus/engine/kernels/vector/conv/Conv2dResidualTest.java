package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.vector.Check;
import dev.isthmus.engine.kernels.vector.ThreePools;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel.Path;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A residual added before the activation, y = act(conv(x) + bias + residual), on every path forced and on the class's
 * pick, against the reference: awkward shapes, every activation, in place (y is the residual) and not, with offsets,
 * on 1, 2 and 3 threads. In place and out of place agree bitwise, and so do thread counts and the channels and pixels
 * paths.
 */
class Conv2dResidualTest extends ThreePools {
    /** n, cin, cout, h, w, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, dh, dw, groups */
    private static final int[][] CASES = {
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // one of everything
            {3, 7, 13, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     // pointwise, primes, fewer pixels than a vector
            {2, 31, 37, 9, 11, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   // pointwise, prime channels past one vector
            {3, 1, 5, 9, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // cin 1, cout 5
            {1, 3, 17, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // cout 17, prime sides
            {3, 5, 11, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},     // stride 2
            {1, 13, 7, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     // 2×3 image
            {3, 7, 17, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},     // 1×1 output
            {2, 5, 19, 17, 23, 3, 5, 3, 2, 2, 1, 3, 0, 2, 3, 1},   // strides (3, 2), dilation (2, 3), asymmetric padding
            {2, 3, 5, 13, 11, 4, 4, 1, 1, 1, 2, 1, 2, 1, 1, 1},    // even kernel, asymmetric padding
            {1, 3, 80, 23, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // several blocks of pixels, five vectors at L = 16
            {1, 3, 20, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // output planes of 4 KB
            {2, 64, 70, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // 576 taps, past the narrow GEMM's depth block
            {1, 131, 20, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // 1179 taps, past every GEMM depth block
            {3, 32, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // seed CNN conv2 (the class picks Winograd)
            {2, 33, 37, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // Winograd by the class's rule, prime channels
            {1, 32, 36, 5, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},    // Winograd-able, output 3×1
            {3, 4, 6, 5, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2},      // groups 2, pointwise
            {2, 6, 9, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},    // groups 3
            {2, 24, 36, 9, 31, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 3},   // groups 3, stride (2, 1), wide rows
            {1, 7, 7, 17, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 7},    // depthwise, prime
            {3, 5, 15, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5},   // depthwise, multiplier 3, stride 2
            {2, 3, 6, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},      // depthwise, multiplier 2, 1×1 image
            {1, 8, 8, 37, 41, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 8},    // depthwise 5×5, prime sides
            {1, 8, 16, 37, 41, 3, 3, 3, 2, 1, 1, 0, 0, 1, 1, 8},   // depthwise, strides (3, 2), multiplier 2
            {1, 4, 4, 9, 71, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 4},     // depthwise 5×5, stride 2, rows of several vectors
            {2, 20, 20, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 20},   // depthwise on a small image: channel-last blocks
            {1, 35, 35, 14, 13, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 35}, // the same, 5×5 stride 2, overlapping last block
            {2, 9, 20, 13, 11, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},    // 1×1 stride 2: subsampled
            {1, 600, 40, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // deeper than a channels depth block
    };

    private static final Activation[] ACTS = Activation.values();

    /** Every path that can run shape c, forced, and null (the class's pick). */
    private static List<Path> paths(int[] c) {
        int kh = c[5], kw = c[6], sh = c[7], sw = c[8], dh = c[13], dw = c[14], groups = c[15];
        List<Path> p = new ArrayList<>();
        p.add(null);
        p.add(Path.GEMM);
        if (groups == 1) {
            p.add(Path.CHANNELS);
            p.add(Path.PIXELS);
            if (kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1) p.add(Path.WINOGRAD);
        } else if (c[1] == groups) {
            p.add(Path.DEPTHWISE);
        }
        return p;
    }

    @Test
    void everyPathMatchesTheReferenceInPlaceAndNot() {
        SplittableRandom r = new SplittableRandom(61);
        ComputePool[] pools = {pool1, pool2, pool3};
        int k = 0;
        for (int[] c : CASES) {
            for (Path path : paths(c)) {
                for (int i = 0; i < 2; i++, k++) {
                    Activation act = i == 0 ? Activation.RELU : ACTS[k % ACTS.length];
                    run(c, path, act, k % 3 != 2, r, pools[k % 3], k % 4);
                }
            }
        }
    }

    /** Every activation on one shape per path. */
    @Test
    void everyActivation() {
        SplittableRandom r = new SplittableRandom(67);
        int[][] shapes = {CASES[4], CASES[15], CASES[19], CASES[21]};
        for (int[] c : shapes) {
            for (Path path : paths(c)) {
                for (Activation act : ACTS) run(c, path, act, true, r, pool2, 1);
            }
        }
    }

    private static final int[] WINO_SIDES = {1, 2, 3, 5, 7, 14, 17};
    private static final int[] WINO_CHANNELS = {1, 3, 7, 17, 32, 64};

    /** The Winograd path on every pair of sides (edge tiles of odd sizes, outputs under one tile) with padding 0 and 1. */
    @Test
    void winogradOnEverySide() {
        SplittableRandom r = new SplittableRandom(71);
        int k = 0;
        for (int h : WINO_SIDES) {
            for (int w : WINO_SIDES) {
                for (int pad = 0; pad <= 1; pad++) {
                    if (h + 2 * pad < 3 || w + 2 * pad < 3) continue;
                    int cin = WINO_CHANNELS[k % WINO_CHANNELS.length], cout = WINO_CHANNELS[(k / 2 + 3) % WINO_CHANNELS.length];
                    int[] c = {k % 3 == 0 ? 3 : 1, cin, cout, h, w, 3, 3, 1, 1, pad, pad, pad, pad, 1, 1, 1};
                    run(c, Path.WINOGRAD, ACTS[k % ACTS.length], k % 4 != 3, r, k % 2 == 0 ? pool2 : pool3, k % 4);
                    k++;
                }
            }
        }
    }

    /** Results do not depend on the thread count, in place or not: tasks that split images into pixel ranges (direct,
     * GEMM), output channels (Winograd) or input channels (depthwise). */
    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        int[][] shapes = {{1, 32, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, CASES[10], CASES[12], CASES[18], CASES[23],
                {2, 17, 70, 33, 31, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
        for (int[] c : shapes) {
            for (Path path : paths(c)) {
                for (Activation act : new Activation[]{Activation.RELU, Activation.GELU}) {
                    for (int mode = 0; mode < 4; mode += 3) {
                        float[] y1 = run(c, path, act, true, new SplittableRandom(73), pool1, mode);
                        float[] y2 = run(c, path, act, true, new SplittableRandom(73), pool2, mode);
                        float[] y3 = run(c, path, act, true, new SplittableRandom(73), pool3, mode);
                        String what = Arrays.toString(c) + " " + path + " " + act + " mode " + mode;
                        Check.bitwise(y1, y2, "2 threads vs 1, " + what);
                        Check.bitwise(y1, y3, "3 threads vs 1, " + what);
                    }
                }
            }
        }
    }

    /** The channels and pixels paths still sum every output in the same order with a residual (up to one depth block
     * of the channels tiles: deeper, those add their blocks' partial sums). */
    @Test
    void channelsAndPixelsAgreeBitwise() {
        for (int[] c : CASES) {
            if (c[15] != 1 || c[1] * c[5] * c[6] > DirectConv.depthBlock(DirectConv.VMAX)) continue;
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU, Activation.SILU}) {
                float[] channels = run(c, Path.CHANNELS, act, true, new SplittableRandom(79), pool2, 0);
                float[] pixels = run(c, Path.PIXELS, act, true, new SplittableRandom(79), pool2, 3);
                Check.bitwise(channels, pixels, "channels vs pixels " + Arrays.toString(c) + " " + act);
            }
        }
    }

    @Test
    void rejectsAResidualWithThePoolingOrOverlappingY() {
        Conv2dKernel k = new Conv2dKernel(new float[4 * 3 * 9], null, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] x = new float[3 * 8 * 8], y = new float[4 * 8 * 8 + 10], res = new float[4 * 8 * 8];
        assertThrows(IllegalArgumentException.class,
                () -> k.forward(x, 0, 1, 8, 8, y, 0, 8, 8, Activation.RELU, true, res, 0, pool1));
        assertThrows(IllegalArgumentException.class,
                () -> k.forward(x, 0, 1, 8, 8, y, 0, 8, 8, Activation.RELU, y, 5, pool1));
        assertThrows(IllegalArgumentException.class,
                () -> k.forward(x, 0, 1, 8, 8, y, 0, 8, 8, Activation.RELU, res, 1, pool1));
        k.forward(x, 0, 1, 8, 8, y, 0, 8, 8, Activation.RELU, y, 0, pool1); // in place: fine
        k.forward(x, 0, 1, 8, 8, y, 0, 8, 8, Activation.RELU, false, null, 0, pool1); // no residual, no pooling: fine
    }

    /**
     * Shape c on the given path with a random residual against the reference. mode: 0 residual in its own array at
     * offset 0; 1 its own array at an offset; 2 x, y and residual in one array (apart); 3 in place (y is the
     * residual, at an offset). Checks that nothing outside y is written, that a residual apart from y is left as it
     * was, and (modes 1-3) that the result equals mode 0's bitwise. Returns y.
     */
    private static float[] run(int[] c, Path path, Activation act, boolean hasBias, SplittableRandom r, ComputePool pool,
                               int mode) {
        int n = c[0], cin = c[1], cout = c[2], h = c[3], w = c[4], kh = c[5], kw = c[6], sh = c[7], sw = c[8];
        int pt = c[9], pb = c[10], pl = c[11], pr = c[12], dh = c[13], dw = c[14], groups = c[15];
        int oh = Conv2d.outSize(h, kh, sh, pt, pb, dh), ow = Conv2d.outSize(w, kw, sw, pl, pr, dw);
        float[] x = Check.random(r, n * cin * h * w, 1);
        float[] wt = Check.random(r, cout * (cin / groups) * kh * kw, 0.5);
        float[] bias = hasBias ? Check.random(r, cout, 1) : null;
        int len = n * cout * oh * ow;
        float[] res = Check.random(r, len, 2);
        float[] expected = new float[len];
        Conv2d.forward(x, n, cin, h, w, wt, bias, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, expected, oh, ow, act, res, 0);
        Conv2dKernel k = new Conv2dKernel(wt, bias, cin, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, path);
        String what = "conv " + Arrays.toString(c) + " " + (path == null ? "auto " + k.path(w, oh, ow) : path) + " " + act
                + (hasBias ? " bias" : "") + " mode " + mode + " threads " + pool.threads();

        float[] plain = new float[len];
        k.forward(x, 0, n, h, w, plain, 0, oh, ow, act, res.clone(), 0, pool);
        Check.close(expected, plain, what);
        if (mode == 0) return plain;

        float sentinel = 12345f;
        float[] got;
        if (mode == 1) {
            int rOff = 7, yOff = 3;
            float[] rb = new float[rOff + len + 5], yb = new float[yOff + len + 5];
            Arrays.fill(rb, -7f);
            System.arraycopy(res, 0, rb, rOff, len);
            float[] rCopy = rb.clone();
            Arrays.fill(yb, sentinel);
            k.forward(x, 0, n, h, w, yb, yOff, oh, ow, act, rb, rOff, pool);
            Check.bitwise(rCopy, rb, what + ": residual changed");
            untouched(yb, yOff, len, sentinel, what);
            got = Arrays.copyOfRange(yb, yOff, yOff + len);
        } else if (mode == 2) {
            // one array: [pad x pad y pad residual pad]
            int xOff = 5, yOff = xOff + x.length + 3, rOff = yOff + len + 4;
            float[] buf = new float[rOff + len + 6];
            Arrays.fill(buf, sentinel);
            System.arraycopy(x, 0, buf, xOff, x.length);
            System.arraycopy(res, 0, buf, rOff, len);
            float[] before = buf.clone();
            k.forward(buf, xOff, n, h, w, buf, yOff, oh, ow, act, buf, rOff, pool);
            got = Arrays.copyOfRange(buf, yOff, yOff + len);
            System.arraycopy(before, yOff, buf, yOff, len);
            Check.bitwise(before, buf, what + ": written outside y");
        } else {
            int yOff = 9;
            float[] yb = new float[yOff + len + 7];
            Arrays.fill(yb, sentinel);
            System.arraycopy(res, 0, yb, yOff, len);
            k.forward(x, 0, n, h, w, yb, yOff, oh, ow, act, yb, yOff, pool);
            untouched(yb, yOff, len, sentinel, what);
            got = Arrays.copyOfRange(yb, yOff, yOff + len);
        }
        Check.close(expected, got, what);
        Check.bitwise(plain, got, what + " against the residual in an array of its own");
        return got;
    }

    private static void untouched(float[] buf, int off, int len, float sentinel, String what) {
        for (int i = 0; i < buf.length; i++) {
            if (i == off) i += len;
            if (i < buf.length) assertEquals(sentinel, buf[i], what + ": written outside y at " + i);
        }
    }
}
