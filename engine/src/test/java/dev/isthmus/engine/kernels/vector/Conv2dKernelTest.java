package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Conv2d;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Convolutions (im2col GEMM and direct) against the reference: strides, padding, dilation, groups, batch 1 and 3. */
class Conv2dKernelTest {
    private static ComputePool pool1, pool2, pool3;

    @BeforeAll
    static void pools() {
        pool1 = new ComputePool(1);
        pool2 = new ComputePool(2);
        pool3 = new ComputePool(3);
    }

    @AfterAll
    static void close() {
        pool1.close();
        pool2.close();
        pool3.close();
    }

    /** n, cin, cout, h, w, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, dh, dw, groups */
    private static final int[][] CASES = {
            {3, 1, 32, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // seed CNN conv1 (K = 9)
            {3, 32, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // seed CNN conv2
            {1, 3, 5, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},    // stride 2, odd sizes
            {2, 3, 4, 13, 11, 3, 3, 1, 1, 0, 0, 0, 0, 2, 2, 1},    // dilation 2, no padding
            {3, 4, 6, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},    // groups 2
            {1, 6, 6, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6},    // depthwise
            {2, 4, 8, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},    // depthwise, multiplier 2, stride 2
            {2, 3, 5, 13, 11, 4, 4, 1, 1, 1, 2, 1, 2, 1, 1, 1},    // 'same' with even kernel: asymmetric padding
            {2, 3, 5, 13, 11, 4, 3, 1, 1, 4, 5, 2, 2, 3, 2, 1},    // 'same', dilation (3, 2)
            {3, 3, 7, 13, 11, 3, 5, 2, 1, 1, 1, 2, 2, 1, 2, 1},    // pairs: kernel (3,5), stride (2,1), pad (1,2), dil (1,2)
            {1, 5, 7, 7, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // pointwise
            {3, 17, 13, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    // pointwise, fewer pixels than a vector
            {1, 2, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // 1×1 image
            {1, 2, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // image smaller than the kernel + padding
            {2, 24, 36, 9, 31, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},   // groups 3, wide rows
            {1, 8, 8, 37, 41, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 8},    // depthwise 5×5, prime sizes
            {1, 8, 8, 37, 41, 3, 3, 3, 2, 1, 1, 0, 0, 1, 1, 8},    // depthwise, strides (3, 2)
            {2, 64, 70, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // K = 576 > one depth block of the narrow tile
            {1, 3, 16, 40, 40, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   // 7×7 stem, stride 2
    };

    @Test
    void matchesTheReference() {
        SplittableRandom r = new SplittableRandom(3);
        for (int[] c : CASES) {
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU}) {
                for (boolean hasBias : new boolean[]{true, false}) run(c, act, hasBias, r, pool2, true);
            }
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        for (int[] c : new int[][]{CASES[1], CASES[6], CASES[17]}) {
            float[] y1 = run(c, Activation.NONE, true, new SplittableRandom(9), pool1, false);
            float[] y2 = run(c, Activation.NONE, true, new SplittableRandom(9), pool2, false);
            float[] y3 = run(c, Activation.NONE, true, new SplittableRandom(9), pool3, false);
            Check.bitwise(y1, y2, "conv 2 threads");
            Check.bitwise(y1, y3, "conv 3 threads");
        }
    }

    @Test
    void picksTheDirectKernelForDepthwiseOnly() {
        assertTrue(new Conv2dKernel(new float[8 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8).direct());
        assertFalse(new Conv2dKernel(new float[32 * 9], null, 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1).direct());
        assertFalse(new Conv2dKernel(new float[8 * 2 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4).direct());
    }

    private static float[] run(int[] c, Activation act, boolean hasBias, SplittableRandom r, ComputePool pool, boolean compare) {
        int n = c[0], cin = c[1], cout = c[2], h = c[3], w = c[4], kh = c[5], kw = c[6], sh = c[7], sw = c[8];
        int pt = c[9], pb = c[10], pl = c[11], pr = c[12], dh = c[13], dw = c[14], groups = c[15];
        int oh = Conv2d.outSize(h, kh, sh, pt, pb, dh), ow = Conv2d.outSize(w, kw, sw, pl, pr, dw);
        float[] x = Check.random(r, n * cin * h * w, 1);
        float[] wt = Check.random(r, cout * (cin / groups) * kh * kw, 0.5);
        float[] bias = hasBias ? Check.random(r, cout, 1) : null;
        float[] expected = new float[n * cout * oh * ow];
        if (compare) Conv2d.forward(x, n, cin, h, w, wt, bias, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, expected, oh, ow, act);
        float[] y = new float[expected.length];
        new Conv2dKernel(wt, bias, cin, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups).forward(x, n, h, w, y, oh, ow, act, pool);
        if (compare) Check.close(expected, y, "conv " + java.util.Arrays.toString(c) + " " + act + (hasBias ? " bias" : ""));
        return y;
    }
}
