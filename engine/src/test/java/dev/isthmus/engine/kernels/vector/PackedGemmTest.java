package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Gemm;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The packed GEMM against the reference over awkward shapes, epilogues, offsets and thread counts. */
class PackedGemmTest extends ThreePools {
    /** C = act(A·Bᵀ + bias) + residual in double, the reference's rule plus the residual. */
    private static float[] reference(float[] a, int m, float[] b, int n, int k, float[] bias, Activation act, float[] res) {
        float[] c = new float[m * n];
        Gemm.matmulTransB(a, 0, b, 0, bias, 0, c, 0, m, n, k, act);
        if (res != null) for (int i = 0; i < c.length; i++) c[i] += res[i];
        return c;
    }

    private static void check(int m, int n, int k, Activation act, boolean bias, boolean residual, ComputePool pool, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = Check.random(r, m * k, 1), b = Check.random(r, n * k, 1);
        float[] bs = bias ? Check.random(r, n, 1) : null;
        float[] res = residual ? Check.random(r, m * n, 1) : null;
        float[] c = new float[m * n];
        Epilogue ep = Epilogue.of(bs, act);
        if (res != null) ep = ep.withResidual(res, 0, n);
        PackedGemm.multiply(a, 0, k, m, PackedMatrix.forB(b, n, k), c, 0, n, ep, pool);
        Check.close(reference(a, m, b, n, k, bs, act, res), c, "gemm " + m + "×" + n + "×" + k + " " + act + (bias ? " bias" : "")
                + (residual ? " residual" : ""));
    }

    @Test
    void packingATensorInPlaceEqualsPackingItsFloats() {
        // a mapped file's F32 weights (off-heap, unaligned), and F16 / BF16 ones, widened panel by panel
        SplittableRandom r = new SplittableRandom(7);
        for (int[] nk : new int[][]{{1, 1}, {1, 13}, {5, 3}, {Tiles.NR, 17}, {Tiles.NR + 1, 31}, {3 * Tiles.NR - 1, 100}, {97, 257}}) {
            int n = nk[0], k = nk[1];
            float[] w = Check.random(r, n * k, 1);
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                for (dev.isthmus.engine.tensor.DType dt : new dev.isthmus.engine.tensor.DType[]{dev.isthmus.engine.tensor.DType.F32,
                        dev.isthmus.engine.tensor.DType.F16, dev.isthmus.engine.tensor.DType.BF16}) {
                    int size = dt == dev.isthmus.engine.tensor.DType.F32 ? 4 : 2;
                    java.lang.foreign.MemorySegment seg = arena.allocate((long) n * k * size + 1).asSlice(1);
                    for (int i = 0; i < n * k; i++) {
                        switch (dt) {
                            case F32 -> seg.set(dev.isthmus.engine.tensor.Tensor.F32_LE, 4L * i, w[i]);
                            case F16 -> seg.set(dev.isthmus.engine.tensor.Tensor.I16_LE, 2L * i, Float.floatToFloat16(w[i]));
                            default -> seg.set(dev.isthmus.engine.tensor.Tensor.I16_LE, 2L * i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
                        }
                    }
                    dev.isthmus.engine.tensor.Tensor t = dev.isthmus.engine.tensor.Tensor.wrap(dt, new long[]{n, k}, seg);
                    assertArrayEquals(PackedMatrix.forB(t.toFloatArray(), n, k).data, PackedMatrix.forB(t, n, k).data, dt + " " + n + "×" + k);
                }
            }
        }
    }

    @Test
    void awkwardShapes() {
        int[] ms = {1, 2, 3, 4, 5, 7, 11, 12, 13, 24, 31, 32, 33, 37, 64, 97, 193, 211};
        int[] ns = {1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 47, 64, 65, 100};
        int[] ks = {1, 2, 3, 7, 16, 17, 31, 64, 100, 255, 513, 1031};
        long seed = 1;
        for (int m : ms) {
            for (int n : ns) check(m, n, ks[(int) (seed++ % ks.length)], Activation.NONE, seed % 2 == 0, false, pool1, seed);
        }
        for (int k : ks) {
            for (int m : new int[]{1, 5, 13, 40}) check(m, 37, k, Activation.NONE, true, false, pool1, seed++);
        }
    }

    @Test
    void everyEpilogue() {
        long seed = 100;
        for (Activation act : Activation.values()) {
            for (int m : new int[]{1, 6, 45}) {
                check(m, 29, 67, act, true, false, pool1, seed++);
                check(m, 29, 67, act, false, true, pool1, seed++);
                check(m, 29, 67, act, true, true, pool1, seed++);
            }
        }
    }

    @Test
    void offsetsAndLeadingDimensions() {
        SplittableRandom r = new SplittableRandom(7);
        int m = 41, n = 35, k = 53, lda = 60, ldc = 50, ldb = 58, aOff = 9, bOff = 4, cOff = 11;
        float[] a = Check.random(r, aOff + m * lda, 1), b = Check.random(r, bOff + n * ldb, 1);
        float[] res = Check.random(r, 3 + m * 40, 1);
        float[] c = new float[cOff + m * ldc + 5];
        java.util.Arrays.fill(c, 42f);
        PackedGemm.multiply(a, aOff, lda, m, PackedMatrix.forB(b, bOff, ldb, n, k), c, cOff, ldc,
                Epilogue.of(null, Activation.RELU).withResidual(res, 3, 40), pool2);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                int at = cOff + i * ldc + j;
                if (j >= n) {
                    if (c[at] != 42f) throw new AssertionError("wrote outside C at row " + i + " col " + j);
                    continue;
                }
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[aOff + i * lda + p] * b[bOff + j * ldb + p];
                double e = Math.max(0, s) + res[3 + i * 40 + j];
                if (Math.abs(c[at] - e) > 1e-4 * Math.max(1, Math.abs(e))) throw new AssertionError("C[" + i + "][" + j + "] = " + c[at] + ", expected " + e);
            }
        }
        for (int i = 0; i < cOff; i++) if (c[i] != 42f) throw new AssertionError("wrote before C");
    }

    @Test
    void emptyDepthGivesTheEpilogueOfZero() {
        float[] c = new float[6];
        float[] bias = {1f, -2f, 3f};
        PackedGemm.multiply(new float[0], 0, 0, 2, PackedMatrix.forB(new float[0], 3, 0), c, 0, 3, Epilogue.of(bias, Activation.RELU), pool1);
        assertArrayEquals(new float[]{1f, 0f, 3f, 1f, 0f, 3f}, c);
    }

    @Test
    void leftOperandPackedWithPanelsOnTheRight() {
        SplittableRandom r = new SplittableRandom(11);
        for (int[] s : new int[][]{{1, 1, 1}, {7, 50, 9}, {32, 196, 288}, {13, 33, 600}, {64, 97, 27}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] w = Check.random(r, m * k, 1), x = Check.random(r, n * k, 1), bias = Check.random(r, m, 1);
            float[] panels = PackedMatrix.forB(x, n, k).data; // B panels from xᵀ: column j of B is row j of x
            float[] c = new float[m * n];
            PackedGemm.multiplyPanels(PackedMatrix.forA(w, 0, k, m, k), panels, 0, n, c, 0, n,
                    Epilogue.perRow(bias, 0, Activation.SIGMOID), pool2);
            float[] e = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = bias[i];
                    for (int p = 0; p < k; p++) acc += (double) w[i * k + p] * x[j * k + p];
                    e[i * n + j] = Activation.SIGMOID.apply((float) acc);
                }
            }
            Check.close(e, c, "panels " + m + "×" + n + "×" + k);
        }
    }

    /**
     * The epilogue a packed left operand's full tiles apply in registers (bias per row; none, ReLU or ReLU6; with or
     * without a residual before it, over one and several depth blocks) equals the separate pass bitwise: the
     * product without epilogue, then {@link Epilogue#apply}. Shapes with edge tiles on both sides and deep ones.
     */
    @Test
    void epilogueInTheTilesEqualsTheSeparatePass() {
        SplittableRandom r = new SplittableRandom(13);
        for (int[] s : new int[][]{{24, 64, 16}, {37, 50, 9}, {200, 97, 64}, {13, 33, 2100}, {96, 300, 16}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] w = Check.random(r, m * k, 1), x = Check.random(r, n * k, 1), bias = Check.random(r, m, 1);
            float[] res = Check.random(r, m * n, 1);
            x[5] = Float.NaN; // ReLU's rule for NaN must match too
            float[] panels = PackedMatrix.forB(x, n, k).data;
            PackedMatrix pa = PackedMatrix.forA(w, 0, k, m, k);
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU, Activation.RELU6}) {
                for (boolean withRes : new boolean[]{false, true}) {
                    for (boolean withBias : new boolean[]{false, true}) {
                        float[] fused = withRes ? res.clone() : new float[m * n];
                        PackedGemm.multiplyPanels(pa, panels, 0, n, fused, 0, n, withBias ? bias : null, 0, true, act,
                                withRes ? fused : null, 0, n, true, pool1);
                        float[] pass = withRes ? res.clone() : new float[m * n];
                        float[] prod = new float[m * n];
                        PackedGemm.multiplyPanels(pa, panels, 0, n, prod, 0, n, null, 0, true, Activation.NONE, withRes ? pass : null,
                                0, n, true, pool1);
                        // the separate pass on the plain product (which, with the residual, already holds it)
                        Epilogue.apply(prod, 0, n, 0, m, 0, n, withBias ? bias : null, 0, true, act, null, 0, 0, false);
                        Check.bitwise(prod, fused, "fused epilogue " + m + "×" + n + "×" + k + " " + act + (withRes ? " residual" : "")
                                + (withBias ? " bias" : ""));
                    }
                }
            }
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] s : new int[][]{{500, 300, 700}, {17, 1000, 300}, {1, 3000, 200}, {400, 40, 1100}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = Check.random(r, m * k, 1), b = Check.random(r, n * k, 1), bias = Check.random(r, n, 1);
            PackedMatrix pb = PackedMatrix.forB(b, n, k);
            float[] c1 = new float[m * n], c2 = new float[m * n], c3 = new float[m * n];
            PackedGemm.multiply(a, 0, k, m, pb, c1, 0, n, Epilogue.of(bias, Activation.GELU), pool1);
            PackedGemm.multiply(a, 0, k, m, pb, c2, 0, n, Epilogue.of(bias, Activation.GELU), pool2);
            PackedGemm.multiply(a, 0, k, m, pb, c3, 0, n, Epilogue.of(bias, Activation.GELU), pool3);
            Check.bitwise(c1, c2, "2 threads vs 1, " + m + "×" + n + "×" + k);
            Check.bitwise(c1, c3, "3 threads vs 1, " + m + "×" + n + "×" + k);
        }
    }

    /** C = act(A·Bᵀ + bias + residual) in double, with C (m × n) at c[cOff + i·ldc + j] and the residual likewise. */
    private static double residualFirst(float[] a, float[] b, int n, int k, float[] bias, Activation act, float[] res,
                                        int resOff, int resLd, int i, int j) {
        double s = bias == null ? 0 : bias[j];
        for (int p = 0; p < k; p++) s += (double) a[i * k + p] * b[j * k + p];
        return act.apply((float) (s + res[resOff + i * resLd + j]));
    }

    /**
     * The residual before the activation: skinny A (read in place, one row on its own), A of many rows read in place
     * beside a single panel of B (401 × 10: several row blocks, split across threads), packed A, edge tiles, depth
     * 0 and depth over one block; out of place (residual at an offset and stride of its own) and in place (C is the
     * residual), which agree bitwise; 1, 2 and 3 threads, which agree bitwise too.
     */
    @Test
    void residualBeforeTheActivation() {
        SplittableRandom r = new SplittableRandom(13);
        int[][] shapes = {{1, 37, 67}, {1, 200, 1031}, {5, 29, 3}, {13, 33, 600}, {32, 17, 1}, {45, 29, 67}, {97, 65, 1031},
                {211, 100, 255}, {7, 5, 0}, {401, 10, 300}};
        int call = 0;
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = Check.random(r, m * k, 1), b = Check.random(r, n * k, 1);
            PackedMatrix pb = PackedMatrix.forB(b, n, k);
            for (Activation act : Activation.values()) {
                float[] bias = call % 3 == 2 ? null : Check.random(r, n, 1);
                int resOff = 5, resLd = n + 3, cOff = 2;
                float[] res = Check.random(r, resOff + m * resLd, 1);
                float[] c = new float[cOff + m * n + 4];
                java.util.Arrays.fill(c, 42f);
                ComputePool pool = call % 3 == 0 ? pool1 : call % 3 == 1 ? pool2 : pool3;
                PackedGemm.multiply(a, 0, k, m, pb, c, cOff, n, Epilogue.of(bias, act).withResidualBeforeActivation(res, resOff, resLd), pool);
                float[] inPlace = new float[cOff + m * n + 4];
                java.util.Arrays.fill(inPlace, 42f);
                for (int i = 0; i < m; i++) System.arraycopy(res, resOff + i * resLd, inPlace, cOff + i * n, n);
                PackedGemm.multiply(a, 0, k, m, pb, inPlace, cOff, n, Epilogue.of(bias, act).withResidualBeforeActivation(inPlace, cOff, n),
                        call % 2 == 0 ? pool2 : pool3);
                String what = "gemm " + m + "×" + n + "×" + k + " " + act + " residual first";
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double e = residualFirst(a, b, n, k, bias, act, res, resOff, resLd, i, j);
                        float got = c[cOff + i * n + j];
                        if (!(Math.abs(got - e) <= Check.TOL * Math.max(1, Math.abs(e)))) {
                            throw new AssertionError(what + ": C[" + i + "][" + j + "] = " + got + ", expected " + e);
                        }
                    }
                }
                Check.bitwise(c, inPlace, what + ", in place against out of place");
                for (int i = 0; i < cOff; i++) if (c[i] != 42f) throw new AssertionError(what + ": wrote before C");
                for (int i = cOff + m * n; i < c.length; i++) if (c[i] != 42f) throw new AssertionError(what + ": wrote after C");
                call++;
            }
        }
    }

    @Test
    void residualBeforeTheActivationWithTheLeftOperandPacked() {
        SplittableRandom r = new SplittableRandom(17);
        for (int[] s : new int[][]{{1, 1, 1}, {7, 50, 9}, {32, 196, 288}, {13, 33, 1100}, {64, 97, 27}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] w = Check.random(r, m * k, 1), x = Check.random(r, n * k, 1), bias = Check.random(r, m, 1);
            float[] res = Check.random(r, m * n, 1);
            float[] panels = PackedMatrix.forB(x, n, k).data;
            PackedMatrix pa = PackedMatrix.forA(w, 0, k, m, k);
            float[] c = new float[m * n], inPlace = res.clone();
            PackedGemm.multiplyPanels(pa, panels, 0, n, c, 0, n, Epilogue.perRow(bias, 0, Activation.RELU).withResidualBeforeActivation(res, 0, n), pool2);
            PackedGemm.multiplyPanels(pa, panels, 0, n, inPlace, 0, n, bias, 0, true, Activation.RELU, inPlace, 0, n, true, pool3);
            float[] e = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = bias[i];
                    for (int p = 0; p < k; p++) acc += (double) w[i * k + p] * x[j * k + p];
                    e[i * n + j] = Activation.RELU.apply((float) (acc + res[i * n + j]));
                }
            }
            Check.close(e, c, "panels " + m + "×" + n + "×" + k + " residual first");
            Check.bitwise(c, inPlace, "panels " + m + "×" + n + "×" + k + " residual first, in place against out of place");
        }
    }

    @Test
    void residualAfterTheActivationIsUnchanged() {
        // the existing order: C = act(A·B + bias) + residual (a negative residual survives a ReLU)
        float[] c = new float[2];
        PackedGemm.multiply(new float[]{1f}, 0, 1, 1, PackedMatrix.forB(new float[]{1f, -1f}, 2, 1), c, 0, 2,
                Epilogue.of(null, Activation.RELU).withResidual(new float[]{-3f, -3f}, 0, 2), pool1);
        assertArrayEquals(new float[]{-2f, -3f}, c);
        PackedGemm.multiply(new float[]{1f}, 0, 1, 1, PackedMatrix.forB(new float[]{1f, -1f}, 2, 1), c, 0, 2,
                Epilogue.of(null, Activation.RELU).withResidualBeforeActivation(new float[]{-3f, 5f}, 0, 2), pool1);
        assertArrayEquals(new float[]{0f, 4f}, c);
    }

    @Test
    void rejectsAResidualBeforeTheActivationThatOverlapsC() {
        PackedMatrix b = PackedMatrix.forB(new float[12], 3, 4);
        float[] c = new float[20];
        assertThrows(IllegalArgumentException.class, () -> PackedGemm.multiply(new float[8], 0, 4, 2, b, c, 0, 3,
                Epilogue.NONE.withResidualBeforeActivation(c, 2, 3), pool1));
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemm.multiply(new float[8], 0, 4, 2, b, c, 0, 3,
                Epilogue.NONE.withResidualBeforeActivation(new float[5], 0, 3), pool1));
        PackedGemm.multiply(new float[8], 0, 4, 2, b, c, 0, 3, Epilogue.NONE.withResidualBeforeActivation(c, 10, 3), pool1);
    }

    @Test
    void rejectsOperandsThatDoNotFit() {
        PackedMatrix b = PackedMatrix.forB(new float[12], 3, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemm.multiply(new float[7], 0, 4, 2, b, new float[6], 0, 3, Epilogue.NONE, pool1));
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemm.multiply(new float[8], 0, 4, 2, b, new float[5], 0, 3, Epilogue.NONE, pool1));
        assertThrows(IllegalArgumentException.class, () -> PackedGemm.multiply(new float[8], 0, 4, 2, PackedMatrix.forA(new float[12], 0, 4, 3, 4),
                new float[6], 0, 3, Epilogue.NONE, pool1));
    }
}
