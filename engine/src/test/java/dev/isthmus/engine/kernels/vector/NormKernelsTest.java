package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.reference.Norms;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** LayerNorm, BatchNorm, GroupNorm, softmax and log-softmax against the reference. */
class NormKernelsTest {
    private static ComputePool pool;

    @BeforeAll
    static void open() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Test
    void layerNorm() {
        SplittableRandom r = new SplittableRandom(4);
        for (int d : new int[]{1, 3, 7, 16, 17, 64, 100, 768, 1031}) {
            for (int rows : new int[]{1, 3, 50}) {
                float[] x = Check.random(r, rows * d, 4), g = Check.random(r, d, 2), b = Check.random(r, d, 2);
                for (int k = 0; k < x.length; k++) x[k] += 3; // an offset the mean must take out
                for (boolean affine : new boolean[]{true, false}) {
                    float[] e = new float[x.length], y = new float[x.length];
                    Norms.layerNorm(x, 0, e, 0, rows, d, affine ? g : null, affine ? b : null, 1e-5);
                    NormKernels.layerNorm(x, 0, y, 0, rows, d, affine ? g : null, affine ? b : null, 1e-5, pool);
                    Check.close(e, y, "layerNorm d=" + d + " rows=" + rows);
                    float[] inPlace = x.clone();
                    NormKernels.layerNorm(inPlace, 0, inPlace, 0, rows, d, affine ? g : null, affine ? b : null, 1e-5, pool);
                    Check.close(e, inPlace, "layerNorm in place d=" + d);
                }
            }
        }
    }

    @Test
    void batchNorm() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] s : new int[][]{{1, 3, 1}, {3, 8, 81}, {2, 5, 17}, {1, 64, 49}}) {
            int n = s[0], c = s[1], sp = s[2];
            float[] x = Check.random(r, n * c * sp, 3), mean = Check.random(r, c, 1), g = Check.random(r, c, 2), b = Check.random(r, c, 1);
            float[] var = new float[c];
            for (int i = 0; i < c; i++) var[i] = (float) (0.1 + r.nextDouble());
            float[] e = new float[x.length], y = new float[x.length];
            Norms.batchNorm(x, e, n, c, sp, mean, var, g, b, 1e-5);
            NormKernels.batchNorm(x, y, n, c, sp, mean, var, g, b, 1e-5, pool);
            Check.close(e, y, "batchNorm " + java.util.Arrays.toString(s));
            Norms.batchNorm(x, e, n, c, sp, mean, var, null, null, 1e-3);
            NormKernels.batchNorm(x, y, n, c, sp, mean, var, null, null, 1e-3, pool);
            Check.close(e, y, "batchNorm, no affine " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(8);
        int rows = 300, d = 768;
        float[] x = Check.random(r, rows * d, 3), g = Check.random(r, d, 1), b = Check.random(r, d, 1);
        float[][] ln = new float[3][], sm = new float[3][];
        for (int t = 1; t <= 3; t++) {
            try (ComputePool p = new ComputePool(t)) {
                ln[t - 1] = new float[x.length];
                sm[t - 1] = new float[x.length];
                for (int rep = 0; rep < 3; rep++) { // warm and cold code must agree as well
                    NormKernels.layerNorm(x, 0, ln[t - 1], 0, rows, d, g, b, 1e-5, p);
                    NormKernels.softmax(x, sm[t - 1], rows, d, 1, p);
                }
            }
        }
        Check.bitwise(ln[0], ln[1], "layerNorm 2 threads");
        Check.bitwise(ln[0], ln[2], "layerNorm 3 threads");
        Check.bitwise(sm[0], sm[1], "softmax 2 threads");
        Check.bitwise(sm[0], sm[2], "softmax 3 threads");
    }

    @Test
    void softmax() {
        SplittableRandom r = new SplittableRandom(6);
        for (int[] s : new int[][]{{1, 1, 1}, {5, 10, 1}, {3, 17, 1}, {2, 100, 1}, {4, 7, 3}, {2, 5, 33}, {1, 1000, 1}, {3, 4, 16}}) {
            int outer = s[0], d = s[1], inner = s[2];
            float[] x = Check.random(r, outer * d * inner, 20);
            float[] e = new float[x.length], y = new float[x.length];
            Norms.softmax(x, e, outer, d, inner);
            NormKernels.softmax(x, y, outer, d, inner, pool);
            Check.close(e, y, 1e-6, "softmax " + java.util.Arrays.toString(s));
        }
    }

    private static final int[] SIZES = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 100, 127};

    @Test
    void groupNorm() {
        SplittableRandom r = new SplittableRandom(9);
        long k = 0;
        for (int spatial : SIZES) {
            for (int[] cg : new int[][]{{1, 1}, {6, 3}, {6, 1}, {4, 4}, {10, 2}}) {
                for (int n : new int[]{1, 3}) {
                    int c = cg[0], groups = cg[1];
                    float[] x = Check.random(r, n * c * spatial, 3), g = Check.random(r, c, 2), b = Check.random(r, c, 1);
                    for (int i = 0; i < x.length; i++) x[i] += 5; // an offset the mean must take out
                    boolean affine = k++ % 3 != 0;
                    float[] e = new float[x.length], y = new float[x.length];
                    KernelProvider.reference().groupNorm(x, 0, e, 0, n, c, spatial, groups, affine ? g : null, affine ? b : null, 1e-5, pool);
                    Check.VECTOR.groupNorm(x, 0, y, 0, n, c, spatial, groups, affine ? g : null, affine ? b : null, 1e-5, pool);
                    String what = "groupNorm n=" + n + " c=" + c + " groups=" + groups + " spatial=" + spatial;
                    Check.close(e, y, what);
                    float[] in = embed(x, 3);
                    Check.VECTOR.groupNorm(in, 3, in, 3, n, c, spatial, groups, affine ? g : null, affine ? b : null, 1e-5, pool);
                    Check.close(e, java.util.Arrays.copyOfRange(in, 3, 3 + x.length), what + " in place");
                }
            }
        }
        // long groups (sums of many chunks), and a constant group (variance 0)
        float[] x = Check.random(r, 2 * 32 * 3136, 1);
        for (int i = 0; i < x.length; i++) x[i] += 40;
        float[] e = new float[x.length], y = new float[x.length];
        KernelProvider.reference().groupNorm(x, 0, e, 0, 2, 32, 3136, 4, null, null, 1e-5, pool);
        Check.VECTOR.groupNorm(x, 0, y, 0, 2, 32, 3136, 4, null, null, 1e-5, pool);
        Check.close(e, y, "groupNorm 2×32×56×56, 4 groups");
        float[] flat = new float[2 * 8 * 9];
        java.util.Arrays.fill(flat, 2.5f);
        e = new float[flat.length];
        y = new float[flat.length];
        KernelProvider.reference().groupNorm(flat, 0, e, 0, 2, 8, 9, 2, null, null, 1e-5, pool);
        Check.VECTOR.groupNorm(flat, 0, y, 0, 2, 8, 9, 2, null, null, 1e-5, pool);
        Check.close(e, y, "groupNorm of a constant");
    }

    @Test
    void logSoftmax() {
        SplittableRandom r = new SplittableRandom(10);
        int[][] shapes = {{1, 1, 1}, {5, 10, 1}, {3, 17, 1}, {2, 100, 1}, {1, 3000, 1}, {4, 7, 3}, {2, 5, 33}, {3, 4, 16},
                {2, 13, 600}, {1, 1, 5}, {3, 127, 2}};
        for (int[] s : shapes) {
            int outer = s[0], d = s[1], inner = s[2];
            float[] x = Check.random(r, outer * d * inner, 20);
            if (x.length > 4) x[3] = Float.NEGATIVE_INFINITY; // a dropped entry
            float[] e = new float[x.length], y = new float[x.length];
            KernelProvider.reference().softmax(x, 0, e, 0, outer, d, inner, true, pool);
            Check.VECTOR.softmax(x, 0, y, 0, outer, d, inner, true, pool);
            Check.close(e, y, 1e-5, "log-softmax " + java.util.Arrays.toString(s));
            float[] in = embed(x, 5);
            Check.VECTOR.softmax(in, 5, in, 5, outer, d, inner, true, pool);
            Check.close(e, java.util.Arrays.copyOfRange(in, 5, 5 + x.length), 1e-5, "log-softmax in place " + java.util.Arrays.toString(s));
        }
        for (int d : SIZES) {
            for (int inner : new int[]{1, 3, 17}) {
                float[] x = Check.random(r, 3 * d * inner, 8);
                float[] e = new float[x.length], y = new float[x.length];
                KernelProvider.reference().softmax(x, 0, e, 0, 3, d, inner, true, pool);
                Check.VECTOR.softmax(x, 0, y, 0, 3, d, inner, true, pool);
                Check.close(e, y, 1e-5, "log-softmax 3×" + d + "×" + inner);
            }
        }
    }

    @Test
    void groupNormAndLogSoftmaxBitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(11);
        float[] x = Check.random(r, 4 * 32 * 196, 3);
        float[][] gn = new float[3][], ls = new float[3][], lss = new float[3][];
        for (int t = 1; t <= 3; t++) {
            try (ComputePool p = new ComputePool(t)) {
                gn[t - 1] = new float[x.length];
                ls[t - 1] = new float[x.length];
                lss[t - 1] = new float[x.length];
                for (int rep = 0; rep < 3; rep++) {
                    Check.VECTOR.groupNorm(x, 0, gn[t - 1], 0, 4, 32, 196, 8, null, null, 1e-5, p);
                    Check.VECTOR.softmax(x, 0, ls[t - 1], 0, 128, 196, 1, true, p);
                    Check.VECTOR.softmax(x, 0, lss[t - 1], 0, 4, 32, 196, true, p);
                }
            }
        }
        for (int t = 1; t < 3; t++) {
            Check.bitwise(gn[0], gn[t], "groupNorm " + (t + 1) + " threads");
            Check.bitwise(ls[0], ls[t], "log-softmax " + (t + 1) + " threads");
            Check.bitwise(lss[0], lss[t], "strided log-softmax " + (t + 1) + " threads");
        }
    }

    private static float[] embed(float[] a, int off) {
        float[] b = new float[off + a.length + 5];
        java.util.Arrays.fill(b, Float.NaN);
        System.arraycopy(a, 0, b, off, a.length);
        return b;
    }
}
