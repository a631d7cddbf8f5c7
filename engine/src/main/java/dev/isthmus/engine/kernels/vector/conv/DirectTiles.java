package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.kernels.vector.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of the direct convolution paths ({@link DirectConv}), each one flat method: its vectors live in
 * locals only (an array of vectors is boxed) and no vector crosses a call, so nothing is boxed whatever C2 inlines.
 *
 * <p>runRxV (channels path): the R consecutive virtual pixels from q × output channels [co, co + V·L), whose weights
 * are at wt[wOff + k·V·L …], over taps [k0, k1) (a depth block: the channels path splits deep convolutions);
 * stored pixel-major at c[cOff + i·ldc + v·L]. pixRxV (pixels path): output channels
 * [co, co + R), whose weights are at wt[wOff + k·ldw …], × the V·L consecutive virtual pixels from q; stored
 * channel-major at c[cOff + i·ldc + v·L]. In both the accumulators start from the bias, the taps run in order (the
 * same FMAs, so the two agree bitwise); with {@code res} the tile then adds what c already holds where it stores
 * (the residual, staged there by {@link DirectConv}: each tile reads only the elements it writes); ReLU, when asked,
 * comes last, in registers, with the reference's rule (NaN and −0 give +0). For tap k the input of virtual pixel q
 * is src[q + taps[k]] (see {@link DirectConv}).
 *
 * <p>Which tile runs where: 6×4 and 12×2 / 12×1 on 32 vector registers, 5×2 and 10×1 on 16 (see {@link DirectConv});
 * the pixels tile is 8×3 on 32 registers, 4×2 on 16. Written out by a short generator script, then kept as ordinary
 * source, as the GEMM's micro-kernels are.
 */
final class DirectTiles {
    private DirectTiles() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;

    static void run6x4(float[] src, int q, int[] taps, int k0, int k1, float[] wt, int wOff, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c02 = FloatVector.fromArray(F, bias, co + 2 * L);
        FloatVector c03 = FloatVector.fromArray(F, bias, co + 3 * L);
        FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03;
        FloatVector c20 = c00, c21 = c01, c22 = c02, c23 = c03;
        FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03;
        FloatVector c40 = c00, c41 = c01, c42 = c02, c43 = c03;
        FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
        for (int k = k0; k < k1; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 4 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector w2 = FloatVector.fromArray(F, wt, wk + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, wt, wk + 3 * L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01); c02 = x0.fma(w2, c02); c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11); c12 = x1.fma(w2, c12); c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21); c22 = x2.fma(w2, c22); c23 = x2.fma(w3, c23);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31); c32 = x3.fma(w2, c32); c33 = x3.fma(w3, c33);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41); c42 = x4.fma(w2, c42); c43 = x4.fma(w3, c43);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51); c52 = x5.fma(w2, c52); c53 = x5.fma(w3, c53);
        }
        if (res) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c02 = c02.add(FloatVector.fromArray(F, c, cOff + 2 * L));
            c03 = c03.add(FloatVector.fromArray(F, c, cOff + 3 * L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c12 = c12.add(FloatVector.fromArray(F, c, cOff + ldc + 2 * L));
            c13 = c13.add(FloatVector.fromArray(F, c, cOff + ldc + 3 * L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c22 = c22.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + 2 * L));
            c23 = c23.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + 3 * L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c32 = c32.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + 2 * L));
            c33 = c33.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + 3 * L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
            c42 = c42.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + 2 * L));
            c43 = c43.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + 3 * L));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
            c52 = c52.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + 2 * L));
            c53 = c53.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + 3 * L));
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c02 = z.blend(c02, c02.compare(VectorOperators.GT, 0f));
            c03 = z.blend(c03, c03.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c12 = z.blend(c12, c12.compare(VectorOperators.GT, 0f));
            c13 = z.blend(c13, c13.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c22 = z.blend(c22, c22.compare(VectorOperators.GT, 0f));
            c23 = z.blend(c23, c23.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c32 = z.blend(c32, c32.compare(VectorOperators.GT, 0f));
            c33 = z.blend(c33, c33.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c42 = z.blend(c42, c42.compare(VectorOperators.GT, 0f));
            c43 = z.blend(c43, c43.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c52 = z.blend(c52, c52.compare(VectorOperators.GT, 0f));
            c53 = z.blend(c53, c53.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L); c03.intoArray(c, cOff + 3 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L); c13.intoArray(c, cOff + ldc + 3 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L); c23.intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L); c33.intoArray(c, cOff + 3 * ldc + 3 * L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L); c42.intoArray(c, cOff + 4 * ldc + 2 * L); c43.intoArray(c, cOff + 4 * ldc + 3 * L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L); c52.intoArray(c, cOff + 5 * ldc + 2 * L); c53.intoArray(c, cOff + 5 * ldc + 3 * L);
    }

    /**
     * The channels path's tile with the 2×2 max pooling: output pixels [q, q + 6) of a row and the six below them
     * (q + pitch …) × the 2 vectors of output channels from {@code co} (24 accumulators, as {@link #run12x2}, summed
     * in the same order), + bias, ReLU when {@code relu}; then the max of each of the 3 windows of 2×2 pixels (compare
     * and blend after a ReLU, Java's max otherwise, as {@link DirectConv} pools a block) into c[cOff + x·ldc …] for
     * x < {@code windows}. The two rows never leave the registers: no block of them, no pooling pass over it.
     */
    static void pooled2x6x2(float[] src, int q, int pitch, int[] taps, int depth, float[] wt, int wOff, float[] bias,
                            int co, boolean relu, float[] c, int cOff, int ldc, int windows) {
        FloatVector bias0 = FloatVector.fromArray(F, bias, co), bias1 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c000 = bias0, c001 = bias1, c010 = bias0, c011 = bias1, c020 = bias0, c021 = bias1, c030 = bias0, c031 = bias1, c040 = bias0, c041 = bias1, c050 = bias0, c051 = bias1;
        FloatVector c100 = bias0, c101 = bias1, c110 = bias0, c111 = bias1, c120 = bias0, c121 = bias1, c130 = bias0, c131 = bias1, c140 = bias0, c141 = bias1, c150 = bias0, c151 = bias1;
        for (int k = 0; k < depth; k++) {
            int s0 = q + taps[k], s1 = s0 + pitch, wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk), w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x00 = FloatVector.broadcast(F, src[s0 + 0]);
            c000 = x00.fma(w0, c000); c001 = x00.fma(w1, c001);
            FloatVector x01 = FloatVector.broadcast(F, src[s0 + 1]);
            c010 = x01.fma(w0, c010); c011 = x01.fma(w1, c011);
            FloatVector x02 = FloatVector.broadcast(F, src[s0 + 2]);
            c020 = x02.fma(w0, c020); c021 = x02.fma(w1, c021);
            FloatVector x03 = FloatVector.broadcast(F, src[s0 + 3]);
            c030 = x03.fma(w0, c030); c031 = x03.fma(w1, c031);
            FloatVector x04 = FloatVector.broadcast(F, src[s0 + 4]);
            c040 = x04.fma(w0, c040); c041 = x04.fma(w1, c041);
            FloatVector x05 = FloatVector.broadcast(F, src[s0 + 5]);
            c050 = x05.fma(w0, c050); c051 = x05.fma(w1, c051);
            FloatVector x10 = FloatVector.broadcast(F, src[s1 + 0]);
            c100 = x10.fma(w0, c100); c101 = x10.fma(w1, c101);
            FloatVector x11 = FloatVector.broadcast(F, src[s1 + 1]);
            c110 = x11.fma(w0, c110); c111 = x11.fma(w1, c111);
            FloatVector x12 = FloatVector.broadcast(F, src[s1 + 2]);
            c120 = x12.fma(w0, c120); c121 = x12.fma(w1, c121);
            FloatVector x13 = FloatVector.broadcast(F, src[s1 + 3]);
            c130 = x13.fma(w0, c130); c131 = x13.fma(w1, c131);
            FloatVector x14 = FloatVector.broadcast(F, src[s1 + 4]);
            c140 = x14.fma(w0, c140); c141 = x14.fma(w1, c141);
            FloatVector x15 = FloatVector.broadcast(F, src[s1 + 5]);
            c150 = x15.fma(w0, c150); c151 = x15.fma(w1, c151);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c000 = z.blend(c000, c000.compare(VectorOperators.GT, 0f));
            c001 = z.blend(c001, c001.compare(VectorOperators.GT, 0f));
            c010 = z.blend(c010, c010.compare(VectorOperators.GT, 0f));
            c011 = z.blend(c011, c011.compare(VectorOperators.GT, 0f));
            c020 = z.blend(c020, c020.compare(VectorOperators.GT, 0f));
            c021 = z.blend(c021, c021.compare(VectorOperators.GT, 0f));
            c030 = z.blend(c030, c030.compare(VectorOperators.GT, 0f));
            c031 = z.blend(c031, c031.compare(VectorOperators.GT, 0f));
            c040 = z.blend(c040, c040.compare(VectorOperators.GT, 0f));
            c041 = z.blend(c041, c041.compare(VectorOperators.GT, 0f));
            c050 = z.blend(c050, c050.compare(VectorOperators.GT, 0f));
            c051 = z.blend(c051, c051.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c101 = z.blend(c101, c101.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
            c111 = z.blend(c111, c111.compare(VectorOperators.GT, 0f));
            c120 = z.blend(c120, c120.compare(VectorOperators.GT, 0f));
            c121 = z.blend(c121, c121.compare(VectorOperators.GT, 0f));
            c130 = z.blend(c130, c130.compare(VectorOperators.GT, 0f));
            c131 = z.blend(c131, c131.compare(VectorOperators.GT, 0f));
            c140 = z.blend(c140, c140.compare(VectorOperators.GT, 0f));
            c141 = z.blend(c141, c141.compare(VectorOperators.GT, 0f));
            c150 = z.blend(c150, c150.compare(VectorOperators.GT, 0f));
            c151 = z.blend(c151, c151.compare(VectorOperators.GT, 0f));
        }
        // the windows' maxima, written out (a helper taking vectors would box them here, past C2's inlining budget)
        if (relu) {
            c000 = c000.blend(c010, c000.lt(c010));
            c100 = c100.blend(c110, c100.lt(c110));
            c000 = c000.blend(c100, c000.lt(c100));
            c001 = c001.blend(c011, c001.lt(c011));
            c101 = c101.blend(c111, c101.lt(c111));
            c001 = c001.blend(c101, c001.lt(c101));
            c020 = c020.blend(c030, c020.lt(c030));
            c120 = c120.blend(c130, c120.lt(c130));
            c020 = c020.blend(c120, c020.lt(c120));
            c021 = c021.blend(c031, c021.lt(c031));
            c121 = c121.blend(c131, c121.lt(c131));
            c021 = c021.blend(c121, c021.lt(c121));
            c040 = c040.blend(c050, c040.lt(c050));
            c140 = c140.blend(c150, c140.lt(c150));
            c040 = c040.blend(c140, c040.lt(c140));
            c041 = c041.blend(c051, c041.lt(c051));
            c141 = c141.blend(c151, c141.lt(c151));
            c041 = c041.blend(c141, c041.lt(c141));
        } else {
            c000 = c000.max(c010).max(c100.max(c110));
            c001 = c001.max(c011).max(c101.max(c111));
            c020 = c020.max(c030).max(c120.max(c130));
            c021 = c021.max(c031).max(c121.max(c131));
            c040 = c040.max(c050).max(c140.max(c150));
            c041 = c041.max(c051).max(c141.max(c151));
        }
        c000.intoArray(c, cOff);
        c001.intoArray(c, cOff + L);
        if (windows > 1) {
            c020.intoArray(c, cOff + ldc);
            c021.intoArray(c, cOff + ldc + L);
        }
        if (windows > 2) {
            c040.intoArray(c, cOff + 2 * ldc);
            c041.intoArray(c, cOff + 2 * ldc + L);
        }
    }

    static void run12x2(float[] src, int q, int[] taps, int k0, int k1, float[] wt, int wOff, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c10 = c00, c11 = c01;
        FloatVector c20 = c00, c21 = c01;
        FloatVector c30 = c00, c31 = c01;
        FloatVector c40 = c00, c41 = c01;
        FloatVector c50 = c00, c51 = c01;
        FloatVector c60 = c00, c61 = c01;
        FloatVector c70 = c00, c71 = c01;
        FloatVector c80 = c00, c81 = c01;
        FloatVector c90 = c00, c91 = c01;
        FloatVector c100 = c00, c101 = c01;
        FloatVector c110 = c00, c111 = c01;
        for (int k = k0; k < k1; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60); c61 = x6.fma(w1, c61);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70); c71 = x7.fma(w1, c71);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80); c81 = x8.fma(w1, c81);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90); c91 = x9.fma(w1, c91);
            FloatVector x10 = FloatVector.broadcast(F, src[s + 10]);
            c100 = x10.fma(w0, c100); c101 = x10.fma(w1, c101);
            FloatVector x11 = FloatVector.broadcast(F, src[s + 11]);
            c110 = x11.fma(w0, c110); c111 = x11.fma(w1, c111);
        }
        if (res) {
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
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c61 = z.blend(c61, c61.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c71 = z.blend(c71, c71.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c81 = z.blend(c81, c81.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
            c91 = z.blend(c91, c91.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c101 = z.blend(c101, c101.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
            c111 = z.blend(c111, c111.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc); c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc); c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc); c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc); c111.intoArray(c, cOff + 11 * ldc + L);
    }

    static void run12x1(float[] src, int q, int[] taps, int k0, int k1, float[] wt, int wOff, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c10 = c00;
        FloatVector c20 = c00;
        FloatVector c30 = c00;
        FloatVector c40 = c00;
        FloatVector c50 = c00;
        FloatVector c60 = c00;
        FloatVector c70 = c00;
        FloatVector c80 = c00;
        FloatVector c90 = c00;
        FloatVector c100 = c00;
        FloatVector c110 = c00;
        for (int k = k0; k < k1; k++) {
            int s = q + taps[k];
            int wk = wOff + k * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90);
            FloatVector x10 = FloatVector.broadcast(F, src[s + 10]);
            c100 = x10.fma(w0, c100);
            FloatVector x11 = FloatVector.broadcast(F, src[s + 11]);
            c110 = x11.fma(w0, c110);
        }
        if (res) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
            c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
            c100 = c100.add(FloatVector.fromArray(F, c, cOff + 10 * ldc));
            c110 = c110.add(FloatVector.fromArray(F, c, cOff + 11 * ldc));
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff);
        c10.intoArray(c, cOff + ldc);
        c20.intoArray(c, cOff + 2 * ldc);
        c30.intoArray(c, cOff + 3 * ldc);
        c40.intoArray(c, cOff + 4 * ldc);
        c50.intoArray(c, cOff + 5 * ldc);
        c60.intoArray(c, cOff + 6 * ldc);
        c70.intoArray(c, cOff + 7 * ldc);
        c80.intoArray(c, cOff + 8 * ldc);
        c90.intoArray(c, cOff + 9 * ldc);
        c100.intoArray(c, cOff + 10 * ldc);
        c110.intoArray(c, cOff + 11 * ldc);
    }

    static void run5x2(float[] src, int q, int[] taps, int k0, int k1, float[] wt, int wOff, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c10 = c00, c11 = c01;
        FloatVector c20 = c00, c21 = c01;
        FloatVector c30 = c00, c31 = c01;
        FloatVector c40 = c00, c41 = c01;
        for (int k = k0; k < k1; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
        }
        if (res) {
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
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
    }

    static void run10x1(float[] src, int q, int[] taps, int k0, int k1, float[] wt, int wOff, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c10 = c00;
        FloatVector c20 = c00;
        FloatVector c30 = c00;
        FloatVector c40 = c00;
        FloatVector c50 = c00;
        FloatVector c60 = c00;
        FloatVector c70 = c00;
        FloatVector c80 = c00;
        FloatVector c90 = c00;
        for (int k = k0; k < k1; k++) {
            int s = q + taps[k];
            int wk = wOff + k * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90);
        }
        if (res) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c80 = c80.add(FloatVector.fromArray(F, c, cOff + 8 * ldc));
            c90 = c90.add(FloatVector.fromArray(F, c, cOff + 9 * ldc));
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff);
        c10.intoArray(c, cOff + ldc);
        c20.intoArray(c, cOff + 2 * ldc);
        c30.intoArray(c, cOff + 3 * ldc);
        c40.intoArray(c, cOff + 4 * ldc);
        c50.intoArray(c, cOff + 5 * ldc);
        c60.intoArray(c, cOff + 6 * ldc);
        c70.intoArray(c, cOff + 7 * ldc);
        c80.intoArray(c, cOff + 8 * ldc);
        c90.intoArray(c, cOff + 9 * ldc);
    }

    static void pix8x3(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, int ldw, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.broadcast(F, bias[co]);
        FloatVector c01 = c00, c02 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[co + 1]);
        FloatVector c11 = c10, c12 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[co + 2]);
        FloatVector c21 = c20, c22 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[co + 3]);
        FloatVector c31 = c30, c32 = c30;
        FloatVector c40 = FloatVector.broadcast(F, bias[co + 4]);
        FloatVector c41 = c40, c42 = c40;
        FloatVector c50 = FloatVector.broadcast(F, bias[co + 5]);
        FloatVector c51 = c50, c52 = c50;
        FloatVector c60 = FloatVector.broadcast(F, bias[co + 6]);
        FloatVector c61 = c60, c62 = c60;
        FloatVector c70 = FloatVector.broadcast(F, bias[co + 7]);
        FloatVector c71 = c70, c72 = c70;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k], wk = wOff + k * ldw;
            FloatVector x0 = FloatVector.fromArray(F, src, s);
            FloatVector x1 = FloatVector.fromArray(F, src, s + L);
            FloatVector x2 = FloatVector.fromArray(F, src, s + 2 * L);
            FloatVector w0 = FloatVector.broadcast(F, wt[wk]);
            c00 = w0.fma(x0, c00); c01 = w0.fma(x1, c01); c02 = w0.fma(x2, c02);
            FloatVector w1 = FloatVector.broadcast(F, wt[wk + 1]);
            c10 = w1.fma(x0, c10); c11 = w1.fma(x1, c11); c12 = w1.fma(x2, c12);
            FloatVector w2 = FloatVector.broadcast(F, wt[wk + 2]);
            c20 = w2.fma(x0, c20); c21 = w2.fma(x1, c21); c22 = w2.fma(x2, c22);
            FloatVector w3 = FloatVector.broadcast(F, wt[wk + 3]);
            c30 = w3.fma(x0, c30); c31 = w3.fma(x1, c31); c32 = w3.fma(x2, c32);
            FloatVector w4 = FloatVector.broadcast(F, wt[wk + 4]);
            c40 = w4.fma(x0, c40); c41 = w4.fma(x1, c41); c42 = w4.fma(x2, c42);
            FloatVector w5 = FloatVector.broadcast(F, wt[wk + 5]);
            c50 = w5.fma(x0, c50); c51 = w5.fma(x1, c51); c52 = w5.fma(x2, c52);
            FloatVector w6 = FloatVector.broadcast(F, wt[wk + 6]);
            c60 = w6.fma(x0, c60); c61 = w6.fma(x1, c61); c62 = w6.fma(x2, c62);
            FloatVector w7 = FloatVector.broadcast(F, wt[wk + 7]);
            c70 = w7.fma(x0, c70); c71 = w7.fma(x1, c71); c72 = w7.fma(x2, c72);
        }
        if (res) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c02 = c02.add(FloatVector.fromArray(F, c, cOff + 2 * L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c12 = c12.add(FloatVector.fromArray(F, c, cOff + ldc + 2 * L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c22 = c22.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + 2 * L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
            c32 = c32.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + 2 * L));
            c40 = c40.add(FloatVector.fromArray(F, c, cOff + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + L));
            c42 = c42.add(FloatVector.fromArray(F, c, cOff + 4 * ldc + 2 * L));
            c50 = c50.add(FloatVector.fromArray(F, c, cOff + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + L));
            c52 = c52.add(FloatVector.fromArray(F, c, cOff + 5 * ldc + 2 * L));
            c60 = c60.add(FloatVector.fromArray(F, c, cOff + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + L));
            c62 = c62.add(FloatVector.fromArray(F, c, cOff + 6 * ldc + 2 * L));
            c70 = c70.add(FloatVector.fromArray(F, c, cOff + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + L));
            c72 = c72.add(FloatVector.fromArray(F, c, cOff + 7 * ldc + 2 * L));
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c02 = z.blend(c02, c02.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c12 = z.blend(c12, c12.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c22 = z.blend(c22, c22.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c32 = z.blend(c32, c32.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c42 = z.blend(c42, c42.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c52 = z.blend(c52, c52.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c61 = z.blend(c61, c61.compare(VectorOperators.GT, 0f));
            c62 = z.blend(c62, c62.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c71 = z.blend(c71, c71.compare(VectorOperators.GT, 0f));
            c72 = z.blend(c72, c72.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L); c42.intoArray(c, cOff + 4 * ldc + 2 * L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L); c52.intoArray(c, cOff + 5 * ldc + 2 * L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L); c62.intoArray(c, cOff + 6 * ldc + 2 * L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L); c72.intoArray(c, cOff + 7 * ldc + 2 * L);
    }

    static void pix4x2(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, int ldw, float[] bias, int co,
                         boolean relu, boolean res, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.broadcast(F, bias[co]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[co + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[co + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[co + 3]);
        FloatVector c31 = c30;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k], wk = wOff + k * ldw;
            FloatVector x0 = FloatVector.fromArray(F, src, s);
            FloatVector x1 = FloatVector.fromArray(F, src, s + L);
            FloatVector w0 = FloatVector.broadcast(F, wt[wk]);
            c00 = w0.fma(x0, c00); c01 = w0.fma(x1, c01);
            FloatVector w1 = FloatVector.broadcast(F, wt[wk + 1]);
            c10 = w1.fma(x0, c10); c11 = w1.fma(x1, c11);
            FloatVector w2 = FloatVector.broadcast(F, wt[wk + 2]);
            c20 = w2.fma(x0, c20); c21 = w2.fma(x1, c21);
            FloatVector w3 = FloatVector.broadcast(F, wt[wk + 3]);
            c30 = w3.fma(x0, c30); c31 = w3.fma(x1, c31);
        }
        if (res) {
            c00 = c00.add(FloatVector.fromArray(F, c, cOff));
            c01 = c01.add(FloatVector.fromArray(F, c, cOff + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cOff + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cOff + ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cOff + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cOff + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cOff + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cOff + 3 * ldc + L));
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
    }
}
