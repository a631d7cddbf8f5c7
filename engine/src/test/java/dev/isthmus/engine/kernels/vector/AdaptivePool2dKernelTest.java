package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Adaptive average pooling against the reference: global, identity and uneven windows, at offsets, 1–3 threads. */
class AdaptivePool2dKernelTest extends ThreePools {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 100, 127};

    private static float[] check(int planes, int h, int w, int oh, int ow, long seed, dev.isthmus.engine.parallel.ComputePool pool) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = Check.random(r, planes * h * w + 9, 2);
        int xOff = (int) (seed % 9), yOff = (int) (seed % 4);
        float[] e = new float[yOff + planes * oh * ow + 3], y = new float[e.length];
        Arrays.fill(e, Float.NaN);
        Arrays.fill(y, Float.NaN);
        KernelProvider.reference().adaptiveAvgPool2d(x, xOff, planes, h, w, e, yOff, oh, ow, pool);
        Check.VECTOR.adaptiveAvgPool2d(x, xOff, planes, h, w, y, yOff, oh, ow, pool);
        Check.close(e, y, "adaptive avg pool " + planes + "×" + h + "×" + w + " → " + oh + "×" + ow);
        return y;
    }

    @Test
    void globalAverage() {
        long seed = 1;
        for (int h : SIZES) {
            for (int w : new int[]{1, 3, 7, 16, 17}) {
                check(3, h, w, 1, 1, seed++, pool1);
                check(70, h, w, 1, 1, seed++, pool2);
            }
        }
    }

    @Test
    void otherWindows() {
        long seed = 100;
        int[][] shapes = {{14, 14, 7, 7}, {13, 11, 7, 5}, {5, 5, 5, 5}, {7, 7, 2, 3}, {3, 4, 6, 9}, {16, 17, 1, 4}, {33, 2, 4, 1}};
        for (int[] s : shapes) {
            check(3, s[0], s[1], s[2], s[3], seed++, pool1);
            check(40, s[0], s[1], s[2], s[3], seed++, pool2);
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        for (int[] s : new int[][]{{256, 49, 1, 1, 1}, {300, 17, 13, 1, 1}, {64, 14, 14, 3, 3}}) {
            float[] a = check(s[0], s[1], s[2], s[3], s[4], 7, pool1);
            Check.bitwise(a, check(s[0], s[1], s[2], s[3], s[4], 7, pool2), "2 threads");
            Check.bitwise(a, check(s[0], s[1], s[2], s[3], s[4], 7, pool3), "3 threads");
        }
    }
}
