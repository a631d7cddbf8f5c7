package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Products of two activations against the reference: sizes around the vector width and the register tile, B plain
 * and transposed, leading dimensions wider than the rows, operands at offsets; every float of c outside its m × n
 * (the gaps between rows included) must stay as it was, and the product must not depend on what earlier calls left
 * in scratch.
 */
class MatmulKernelTest {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 100, 127};
    private static final float SENTINEL = Float.intBitsToFloat(0x7fc0f00d);

    /** Runs one product on both providers (b, c at offsets, leading dimensions padded by pad) and compares. */
    private static void check(int m, int n, int k, boolean transB, int pad, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int lda = k + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        int aOff = (int) (seed % 7), bOff = (int) (seed % 5), cOff = (int) (seed % 3);
        int bRows = transB ? n : k;
        float[] a = Check.random(r, aOff + m * lda + 3, 1), b = Check.random(r, bOff + bRows * ldb + 3, 1);
        float[] e = new float[cOff + m * ldc + 3], c = new float[e.length];
        Arrays.fill(e, SENTINEL);
        Arrays.fill(c, SENTINEL);
        KernelProvider.reference().matmul(a, aOff, lda, b, bOff, ldb, transB, e, cOff, ldc, m, n, k);
        Check.VECTOR.matmul(a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, m, n, k);
        String what = "matmul " + m + "×" + k + " · " + (transB ? "(" + n + "×" + k + ")ᵀ" : k + "×" + n) + " pad " + pad;
        for (int i = 0; i < c.length; i++) {
            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (!inside && Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(SENTINEL)) {
                fail(what + ": wrote element " + i + " outside c");
            }
        }
        Check.close(e, c, what);
    }

    @Test
    void awkwardShapes() {
        long seed = 1;
        for (int m : SIZES) {
            for (int n : SIZES) {
                for (boolean transB : new boolean[]{false, true}) {
                    check(m, n, SIZES[(int) (seed % SIZES.length)], transB, (int) (seed % 3), seed);
                    seed++;
                }
            }
        }
        for (int k : SIZES) {
            for (int m : new int[]{1, 3, 12, 40}) {
                check(m, 37, k, false, 1, seed++);
                check(m, 37, k, true, 2, seed++);
            }
        }
    }

    @Test
    void deepWideAndDegenerate() {
        long seed = 1000;
        for (boolean transB : new boolean[]{false, true}) {
            check(3, 5, 1500, transB, 0, seed++);   // depth beyond one depth block of the GEMM
            check(70, 90, 300, transB, 4, seed++);  // A packed
            check(1, 300, 64, transB, 0, seed++);   // one row
            check(300, 1, 64, transB, 0, seed++);   // one column
            check(4, 4, 4, transB, 0, seed++);      // the plain loop
            check(2, 3, 0, transB, 1, seed++);      // empty depth: zeros
        }
    }

    @Test
    void scratchLeftByBiggerProductsIsNotRead() {
        long seed = 2000;
        for (int rep = 0; rep < 3; rep++) {
            check(64, 100, 127, rep % 2 == 0, 0, seed++);
            check(5, 7, 13, rep % 2 == 1, 1, seed++);
            check(33, 17, 31, true, 2, seed++);
            check(2, 17, 9, false, 0, seed++);
        }
    }
}
