package dev.isthmus.engine.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled micro-kernels of {@link PackedGemm}: an MR×(NRV vectors) tile of C kept in registers while k runs,
 * each step one vector load per B column vector, one broadcast per A row, MR·NRV FMAs. Written out by hand (vectors
 * must stay in locals: an array of vectors is boxed) and kept flat so C2 compiles each as one loop.
 *
 * <p>Shapes and why: see {@link Tiles}. (Written out by a short generator script, then kept as ordinary source.)
 *
 * <p>Layouts: packed A holds MR rows per depth step ({@code a[aOff + k·MR + i]}); direct A reads row-major rows
 * ({@code a[aOff + i·lda + k]}, rows past {@code rows} alias the last valid row and are computed but never stored);
 * packed B holds NR = NRV·L columns per depth step ({@code b[bOff + k·NR + j·L + lane]}). C is written at
 * {@code c[cOff + i·ldc + j·L + lane]} for a full tile; {@code accumulate} adds to what is there.
 */
final class MicroKernels {
    private MicroKernels() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    static void packed12x2(float[] a, int aOff, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate) {
        final int nr = 2 * L;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        FloatVector c80 = FloatVector.zero(F), c81 = FloatVector.zero(F);
        FloatVector c90 = FloatVector.zero(F), c91 = FloatVector.zero(F);
        FloatVector c100 = FloatVector.zero(F), c101 = FloatVector.zero(F);
        FloatVector c110 = FloatVector.zero(F), c111 = FloatVector.zero(F);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 12, bk += nr) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x0 = FloatVector.broadcast(F, a[ak]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(F, a[ak + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(F, a[ak + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(F, a[ak + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(F, a[ak + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(F, a[ak + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(F, a[ak + 6]);
            c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(F, a[ak + 7]);
            c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            FloatVector x8 = FloatVector.broadcast(F, a[ak + 8]);
            c80 = x8.fma(b0, c80); c81 = x8.fma(b1, c81);
            FloatVector x9 = FloatVector.broadcast(F, a[ak + 9]);
            c90 = x9.fma(b0, c90); c91 = x9.fma(b1, c91);
            FloatVector x10 = FloatVector.broadcast(F, a[ak + 10]);
            c100 = x10.fma(b0, c100); c101 = x10.fma(b1, c101);
            FloatVector x11 = FloatVector.broadcast(F, a[ak + 11]);
            c110 = x11.fma(b0, c110); c111 = x11.fma(b1, c111);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + L));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + L));
            c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
            c81 = c81.add(FloatVector.fromArray(F, c, cOff + 8 * ldc + L));
            c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
            c91 = c91.add(FloatVector.fromArray(F, c, cOff + 9 * ldc + L));
            c100 = c100.add(FloatVector.fromArray(F, c, cOff + 10 * ldc));
            c101 = c101.add(FloatVector.fromArray(F, c, cOff + 10 * ldc + L));
            c110 = c110.add(FloatVector.fromArray(F, c, cOff + 11 * ldc));
            c111 = c111.add(FloatVector.fromArray(F, c, cOff + 11 * ldc + L));
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc);
        c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc);
        c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc);
        c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc);
        c111.intoArray(c, cOff + 11 * ldc + L);
    }

    /**
     * {@link #packed12x2} followed by its tile's epilogue in registers, before the one store: + bias[biasOff + i] for
     * row i. With the same operations as the separate epilogue pass, so the result equals it bitwise. For the last
     * depth block of a GEMM whose epilogue is only a per-row bias (a convolution's): each output is written once
     * instead of stored, reloaded and stored again. (One kernel per epilogue, without branches between vector
     * expressions: a conditional choice between two activations in one kernel made C2 box its accumulators once
     * both had run, three times slower.)
     */
    static void packed12x2Bias(float[] a, int aOff, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate,
                                   float[] bias, int biasOff) {
        final int nr = 2 * L;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        FloatVector c80 = FloatVector.zero(F), c81 = FloatVector.zero(F);
        FloatVector c90 = FloatVector.zero(F), c91 = FloatVector.zero(F);
        FloatVector c100 = FloatVector.zero(F), c101 = FloatVector.zero(F);
        FloatVector c110 = FloatVector.zero(F), c111 = FloatVector.zero(F);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 12, bk += nr) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x0 = FloatVector.broadcast(F, a[ak + 0]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(F, a[ak + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(F, a[ak + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(F, a[ak + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(F, a[ak + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(F, a[ak + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(F, a[ak + 6]);
            c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(F, a[ak + 7]);
            c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            FloatVector x8 = FloatVector.broadcast(F, a[ak + 8]);
            c80 = x8.fma(b0, c80); c81 = x8.fma(b1, c81);
            FloatVector x9 = FloatVector.broadcast(F, a[ak + 9]);
            c90 = x9.fma(b0, c90); c91 = x9.fma(b1, c91);
            FloatVector x10 = FloatVector.broadcast(F, a[ak + 10]);
            c100 = x10.fma(b0, c100); c101 = x10.fma(b1, c101);
            FloatVector x11 = FloatVector.broadcast(F, a[ak + 11]);
            c110 = x11.fma(b0, c110); c111 = x11.fma(b1, c111);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + 1 * ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + L));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + L));
            c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
            c81 = c81.add(FloatVector.fromArray(F, c, cOff + 8 * ldc + L));
            c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
            c91 = c91.add(FloatVector.fromArray(F, c, cOff + 9 * ldc + L));
            c100 = c100.add(FloatVector.fromArray(F, c, cOff + 10 * ldc));
            c101 = c101.add(FloatVector.fromArray(F, c, cOff + 10 * ldc + L));
            c110 = c110.add(FloatVector.fromArray(F, c, cOff + 11 * ldc));
            c111 = c111.add(FloatVector.fromArray(F, c, cOff + 11 * ldc + L));
        }
        FloatVector y0 = FloatVector.broadcast(F, bias[biasOff + 0]);
        c00 = c00.add(y0); c01 = c01.add(y0);
        FloatVector y1 = FloatVector.broadcast(F, bias[biasOff + 1]);
        c10 = c10.add(y1); c11 = c11.add(y1);
        FloatVector y2 = FloatVector.broadcast(F, bias[biasOff + 2]);
        c20 = c20.add(y2); c21 = c21.add(y2);
        FloatVector y3 = FloatVector.broadcast(F, bias[biasOff + 3]);
        c30 = c30.add(y3); c31 = c31.add(y3);
        FloatVector y4 = FloatVector.broadcast(F, bias[biasOff + 4]);
        c40 = c40.add(y4); c41 = c41.add(y4);
        FloatVector y5 = FloatVector.broadcast(F, bias[biasOff + 5]);
        c50 = c50.add(y5); c51 = c51.add(y5);
        FloatVector y6 = FloatVector.broadcast(F, bias[biasOff + 6]);
        c60 = c60.add(y6); c61 = c61.add(y6);
        FloatVector y7 = FloatVector.broadcast(F, bias[biasOff + 7]);
        c70 = c70.add(y7); c71 = c71.add(y7);
        FloatVector y8 = FloatVector.broadcast(F, bias[biasOff + 8]);
        c80 = c80.add(y8); c81 = c81.add(y8);
        FloatVector y9 = FloatVector.broadcast(F, bias[biasOff + 9]);
        c90 = c90.add(y9); c91 = c91.add(y9);
        FloatVector y10 = FloatVector.broadcast(F, bias[biasOff + 10]);
        c100 = c100.add(y10); c101 = c101.add(y10);
        FloatVector y11 = FloatVector.broadcast(F, bias[biasOff + 11]);
        c110 = c110.add(y11); c111 = c111.add(y11);
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + 1 * ldc);
        c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc);
        c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc);
        c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc);
        c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc);
        c111.intoArray(c, cOff + 11 * ldc + L);
    }

    /**
     * {@link #packed12x2Bias} then ReLU with a ceiling: 0 where the sum is not above 0 (NaN included), else
     * min(sum, top); top = +∞ is ReLU, 6 is ReLU6 ({@link VectorMath}'s operations for both, bitwise).
     */
    static void packed12x2BiasClamp(float[] a, int aOff, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate,
                                   float[] bias, int biasOff, float top) {
        final int nr = 2 * L;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        FloatVector c80 = FloatVector.zero(F), c81 = FloatVector.zero(F);
        FloatVector c90 = FloatVector.zero(F), c91 = FloatVector.zero(F);
        FloatVector c100 = FloatVector.zero(F), c101 = FloatVector.zero(F);
        FloatVector c110 = FloatVector.zero(F), c111 = FloatVector.zero(F);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 12, bk += nr) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x0 = FloatVector.broadcast(F, a[ak + 0]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(F, a[ak + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(F, a[ak + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(F, a[ak + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(F, a[ak + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(F, a[ak + 5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            FloatVector x6 = FloatVector.broadcast(F, a[ak + 6]);
            c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
            FloatVector x7 = FloatVector.broadcast(F, a[ak + 7]);
            c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            FloatVector x8 = FloatVector.broadcast(F, a[ak + 8]);
            c80 = x8.fma(b0, c80); c81 = x8.fma(b1, c81);
            FloatVector x9 = FloatVector.broadcast(F, a[ak + 9]);
            c90 = x9.fma(b0, c90); c91 = x9.fma(b1, c91);
            FloatVector x10 = FloatVector.broadcast(F, a[ak + 10]);
            c100 = x10.fma(b0, c100); c101 = x10.fma(b1, c101);
            FloatVector x11 = FloatVector.broadcast(F, a[ak + 11]);
            c110 = x11.fma(b0, c110); c111 = x11.fma(b1, c111);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + 1 * ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + L));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + L));
            c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
            c81 = c81.add(FloatVector.fromArray(F, c, cOff + 8 * ldc + L));
            c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
            c91 = c91.add(FloatVector.fromArray(F, c, cOff + 9 * ldc + L));
            c100 = c100.add(FloatVector.fromArray(F, c, cOff + 10 * ldc));
            c101 = c101.add(FloatVector.fromArray(F, c, cOff + 10 * ldc + L));
            c110 = c110.add(FloatVector.fromArray(F, c, cOff + 11 * ldc));
            c111 = c111.add(FloatVector.fromArray(F, c, cOff + 11 * ldc + L));
        }
        FloatVector z = FloatVector.zero(F);
        FloatVector y0 = FloatVector.broadcast(F, bias[biasOff + 0]);
        c00 = c00.add(y0);
        c00 = z.blend(c00.min(top), c00.compare(VectorOperators.GT, 0f));
        c01 = c01.add(y0);
        c01 = z.blend(c01.min(top), c01.compare(VectorOperators.GT, 0f));
        FloatVector y1 = FloatVector.broadcast(F, bias[biasOff + 1]);
        c10 = c10.add(y1);
        c10 = z.blend(c10.min(top), c10.compare(VectorOperators.GT, 0f));
        c11 = c11.add(y1);
        c11 = z.blend(c11.min(top), c11.compare(VectorOperators.GT, 0f));
        FloatVector y2 = FloatVector.broadcast(F, bias[biasOff + 2]);
        c20 = c20.add(y2);
        c20 = z.blend(c20.min(top), c20.compare(VectorOperators.GT, 0f));
        c21 = c21.add(y2);
        c21 = z.blend(c21.min(top), c21.compare(VectorOperators.GT, 0f));
        FloatVector y3 = FloatVector.broadcast(F, bias[biasOff + 3]);
        c30 = c30.add(y3);
        c30 = z.blend(c30.min(top), c30.compare(VectorOperators.GT, 0f));
        c31 = c31.add(y3);
        c31 = z.blend(c31.min(top), c31.compare(VectorOperators.GT, 0f));
        FloatVector y4 = FloatVector.broadcast(F, bias[biasOff + 4]);
        c40 = c40.add(y4);
        c40 = z.blend(c40.min(top), c40.compare(VectorOperators.GT, 0f));
        c41 = c41.add(y4);
        c41 = z.blend(c41.min(top), c41.compare(VectorOperators.GT, 0f));
        FloatVector y5 = FloatVector.broadcast(F, bias[biasOff + 5]);
        c50 = c50.add(y5);
        c50 = z.blend(c50.min(top), c50.compare(VectorOperators.GT, 0f));
        c51 = c51.add(y5);
        c51 = z.blend(c51.min(top), c51.compare(VectorOperators.GT, 0f));
        FloatVector y6 = FloatVector.broadcast(F, bias[biasOff + 6]);
        c60 = c60.add(y6);
        c60 = z.blend(c60.min(top), c60.compare(VectorOperators.GT, 0f));
        c61 = c61.add(y6);
        c61 = z.blend(c61.min(top), c61.compare(VectorOperators.GT, 0f));
        FloatVector y7 = FloatVector.broadcast(F, bias[biasOff + 7]);
        c70 = c70.add(y7);
        c70 = z.blend(c70.min(top), c70.compare(VectorOperators.GT, 0f));
        c71 = c71.add(y7);
        c71 = z.blend(c71.min(top), c71.compare(VectorOperators.GT, 0f));
        FloatVector y8 = FloatVector.broadcast(F, bias[biasOff + 8]);
        c80 = c80.add(y8);
        c80 = z.blend(c80.min(top), c80.compare(VectorOperators.GT, 0f));
        c81 = c81.add(y8);
        c81 = z.blend(c81.min(top), c81.compare(VectorOperators.GT, 0f));
        FloatVector y9 = FloatVector.broadcast(F, bias[biasOff + 9]);
        c90 = c90.add(y9);
        c90 = z.blend(c90.min(top), c90.compare(VectorOperators.GT, 0f));
        c91 = c91.add(y9);
        c91 = z.blend(c91.min(top), c91.compare(VectorOperators.GT, 0f));
        FloatVector y10 = FloatVector.broadcast(F, bias[biasOff + 10]);
        c100 = c100.add(y10);
        c100 = z.blend(c100.min(top), c100.compare(VectorOperators.GT, 0f));
        c101 = c101.add(y10);
        c101 = z.blend(c101.min(top), c101.compare(VectorOperators.GT, 0f));
        FloatVector y11 = FloatVector.broadcast(F, bias[biasOff + 11]);
        c110 = c110.add(y11);
        c110 = z.blend(c110.min(top), c110.compare(VectorOperators.GT, 0f));
        c111 = c111.add(y11);
        c111 = z.blend(c111.min(top), c111.compare(VectorOperators.GT, 0f));
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + 1 * ldc);
        c11.intoArray(c, cOff + 1 * ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc);
        c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc);
        c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc);
        c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc);
        c111.intoArray(c, cOff + 11 * ldc + L);
    }

    static void direct12x2(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate) {
        direct12x2(a, aOff, lda, rows, b, bOff, kc, c, cOff, ldc, accumulate, 1, 0, 0, 0);
    }

    /**
     * {@link #direct12x2(float[], int, int, int, float[], int, int, float[], int, int, boolean)} for {@code count}
     * products in turn, the t-th with A, B and C offset by t·aStride, t·bStride and t·cStride (the Winograd
     * convolution's 16 products of a block of tiles): the row offsets are worked out once, and there is one call.
     */
    static void direct12x2(float[] a, int aOff0, int lda, int rows, float[] b, int bOff0, int kc, float[] c, int cOff0, int ldc,
                           boolean accumulate, int count, int aStride, int bStride, int cStride) {
        int last = rows - 1;
        int a0 = Math.min(0, last) * lda;
        int a1 = Math.min(1, last) * lda;
        int a2 = Math.min(2, last) * lda;
        int a3 = Math.min(3, last) * lda;
        int a4 = Math.min(4, last) * lda;
        int a5 = Math.min(5, last) * lda;
        int a6 = Math.min(6, last) * lda;
        int a7 = Math.min(7, last) * lda;
        int a8 = Math.min(8, last) * lda;
        int a9 = Math.min(9, last) * lda;
        int a10 = Math.min(10, last) * lda;
        int a11 = Math.min(11, last) * lda;
        for (int t = 0, aOff = aOff0, bOff = bOff0, cOff = cOff0; t < count; t++, aOff += aStride, bOff += bStride, cOff += cStride) {
            final int nr = 2 * L;
            FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
            FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
            FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
            FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
            FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
            FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
            FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
            FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
            FloatVector c80 = FloatVector.zero(F), c81 = FloatVector.zero(F);
            FloatVector c90 = FloatVector.zero(F), c91 = FloatVector.zero(F);
            FloatVector c100 = FloatVector.zero(F), c101 = FloatVector.zero(F);
            FloatVector c110 = FloatVector.zero(F), c111 = FloatVector.zero(F);
            for (int k = 0, bk = bOff; k < kc; k++, bk += nr) {
                FloatVector b0 = FloatVector.fromArray(F, b, bk);
                FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
                FloatVector x0 = FloatVector.broadcast(F, a[aOff + a0 + k]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(F, a[aOff + a1 + k]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(F, a[aOff + a2 + k]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(F, a[aOff + a3 + k]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
                FloatVector x4 = FloatVector.broadcast(F, a[aOff + a4 + k]);
                c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
                FloatVector x5 = FloatVector.broadcast(F, a[aOff + a5 + k]);
                c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
                FloatVector x6 = FloatVector.broadcast(F, a[aOff + a6 + k]);
                c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
                FloatVector x7 = FloatVector.broadcast(F, a[aOff + a7 + k]);
                c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
                FloatVector x8 = FloatVector.broadcast(F, a[aOff + a8 + k]);
                c80 = x8.fma(b0, c80); c81 = x8.fma(b1, c81);
                FloatVector x9 = FloatVector.broadcast(F, a[aOff + a9 + k]);
                c90 = x9.fma(b0, c90); c91 = x9.fma(b1, c91);
                FloatVector x10 = FloatVector.broadcast(F, a[aOff + a10 + k]);
                c100 = x10.fma(b0, c100); c101 = x10.fma(b1, c101);
                FloatVector x11 = FloatVector.broadcast(F, a[aOff + a11 + k]);
                c110 = x11.fma(b0, c110); c111 = x11.fma(b1, c111);
            }
            if (accumulate) {
                c00 = c00.add(FloatVector.fromArray(F, c, cOff));
                c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
                c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
                c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
                c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
                c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
                c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
                c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
                c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
                c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
                c61 = c61.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + L));
                c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
                c71 = c71.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + L));
                c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
                c81 = c81.add(FloatVector.fromArray(F, c, cOff + 8 * ldc + L));
                c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
                c91 = c91.add(FloatVector.fromArray(F, c, cOff + 9 * ldc + L));
                c100 = c100.add(FloatVector.fromArray(F, c, cOff + 10 * ldc));
                c101 = c101.add(FloatVector.fromArray(F, c, cOff + 10 * ldc + L));
                c110 = c110.add(FloatVector.fromArray(F, c, cOff + 11 * ldc));
                c111 = c111.add(FloatVector.fromArray(F, c, cOff + 11 * ldc + L));
            }
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + L);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + L);
            c60.intoArray(c, cOff + 6 * ldc);
            c61.intoArray(c, cOff + 6 * ldc + L);
            c70.intoArray(c, cOff + 7 * ldc);
            c71.intoArray(c, cOff + 7 * ldc + L);
            c80.intoArray(c, cOff + 8 * ldc);
            c81.intoArray(c, cOff + 8 * ldc + L);
            c90.intoArray(c, cOff + 9 * ldc);
            c91.intoArray(c, cOff + 9 * ldc + L);
            c100.intoArray(c, cOff + 10 * ldc);
            c101.intoArray(c, cOff + 10 * ldc + L);
            c110.intoArray(c, cOff + 11 * ldc);
            c111.intoArray(c, cOff + 11 * ldc + L);
        }
    }

    static void packed5x2(float[] a, int aOff, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate) {
        final int nr = 2 * L;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        for (int k = 0, ak = aOff, bk = bOff; k < kc; k++, ak += 5, bk += nr) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x0 = FloatVector.broadcast(F, a[ak]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(F, a[ak + 1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(F, a[ak + 2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(F, a[ak + 3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(F, a[ak + 4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + L);
    }

    static void direct5x2(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int kc, float[] c, int cOff, int ldc, boolean accumulate) {
        int last = rows - 1;
        int a0 = aOff + Math.min(0, last) * lda;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        final int nr = 2 * L;
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        for (int k = 0, bk = bOff; k < kc; k++, bk += nr) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x0 = FloatVector.broadcast(F, a[a0 + k]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(F, a[a2 + k]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(F, a[a3 + k]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(F, a[a4 + k]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + L);
    }

    /** One row (M = 1) against one packed B panel of 2 vectors: k unrolled 4× into independent sums. */
    static void row1x2(float[] a, int aOff, float[] b, int bOff, int kc, float[] c, int cOff, boolean accumulate) {
        final int nr = 2 * L;
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F);
        FloatVector s20 = FloatVector.zero(F), s21 = FloatVector.zero(F);
        FloatVector s30 = FloatVector.zero(F), s31 = FloatVector.zero(F);
        int k = 0, bk = bOff;
        for (; k + 3 < kc; k += 4, bk += 4 * nr) {
            FloatVector x0 = FloatVector.broadcast(F, a[aOff + k]);
            s00 = x0.fma(FloatVector.fromArray(F, b, bk + 0 * nr), s00); s01 = x0.fma(FloatVector.fromArray(F, b, bk + 0 * nr + L), s01);
            FloatVector x1 = FloatVector.broadcast(F, a[aOff + k + 1]);
            s10 = x1.fma(FloatVector.fromArray(F, b, bk + 1 * nr), s10); s11 = x1.fma(FloatVector.fromArray(F, b, bk + 1 * nr + L), s11);
            FloatVector x2 = FloatVector.broadcast(F, a[aOff + k + 2]);
            s20 = x2.fma(FloatVector.fromArray(F, b, bk + 2 * nr), s20); s21 = x2.fma(FloatVector.fromArray(F, b, bk + 2 * nr + L), s21);
            FloatVector x3 = FloatVector.broadcast(F, a[aOff + k + 3]);
            s30 = x3.fma(FloatVector.fromArray(F, b, bk + 3 * nr), s30); s31 = x3.fma(FloatVector.fromArray(F, b, bk + 3 * nr + L), s31);
        }
        for (; k < kc; k++, bk += nr) {
            FloatVector x0 = FloatVector.broadcast(F, a[aOff + k]);
            s00 = x0.fma(FloatVector.fromArray(F, b, bk), s00); s01 = x0.fma(FloatVector.fromArray(F, b, bk + L), s01);
        }
        FloatVector r0 = s00.add(s10).add(s20.add(s30));
        if (accumulate) r0 = r0.add(FloatVector.fromArray(F, c, cOff));
        r0.intoArray(c, cOff);
        FloatVector r1 = s01.add(s11).add(s21.add(s31));
        if (accumulate) r1 = r1.add(FloatVector.fromArray(F, c, cOff + L));
        r1.intoArray(c, cOff + L);
    }

}
