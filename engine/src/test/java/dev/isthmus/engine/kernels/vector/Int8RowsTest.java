package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.reference.Int8Rows;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic int8 quantization of rows and the epilogue of an int8 product, vector against reference (the same float
 * steps, so bytes and scales equal exactly), and an encoder layer over given products on both providers.
 */
class Int8RowsTest extends ThreePools {
    private static final KernelProvider REF = KernelProvider.reference(), VEC = Check.VECTOR;
    private static final int[] COLS = {1, 2, 3, 4, 7, 15, 16, 17, 31, 63, 64, 65, 100, 131, 257};

    @Test
    void quantizesAsSpecified() {
        float[] x = {1f, -0.5f, 0.25f, 0.0039f, -1f, 0f};
        for (KernelProvider k : new KernelProvider[]{REF, VEC}) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment q = a.allocate(6);
                float[] s = new float[1];
                k.quantizeRows(x, 0, 6, 1, 6, q, s);
                // 127·x: 127, −63.5, 31.75, 0.4953, −127, 0 → half away from zero
                assertArrayEquals(new byte[]{127, -64, 32, 0, -127, 0}, q.toArray(ValueLayout.JAVA_BYTE), k.name());
                assertEquals(1f / 127f, s[0], k.name());
            }
        }
    }

    @Test
    void quantizeMatchesTheReferenceExactly() {
        SplittableRandom r = new SplittableRandom(5);
        for (int cols : COLS) {
            for (int rows : new int[]{1, 3, 8}) {
                int ldx = cols + 3, off = 2;
                float[] x = Check.random(r, off + rows * ldx, 3.0);
                if (rows > 1) Arrays.fill(x, off + ldx, off + ldx + cols, 0f);          // a zero row
                if (rows > 2) Arrays.fill(x, off + 2 * ldx, off + 2 * ldx + cols, 1e-32f); // below TINY
                if (rows > 3) x[off + 3 * ldx + cols / 2] = -250f;                       // one large value
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment qr = a.allocate((long) rows * cols), qv = a.allocate((long) rows * cols);
                    float[] sr = new float[rows], sv = new float[rows];
                    REF.quantizeRows(x, off, ldx, rows, cols, qr, sr);
                    VEC.quantizeRows(x, off, ldx, rows, cols, qv, sv);
                    String what = rows + "×" + cols;
                    assertArrayEquals(qr.toArray(ValueLayout.JAVA_BYTE), qv.toArray(ValueLayout.JAVA_BYTE), what);
                    assertArrayEquals(sr, sv, what);
                    if (rows > 1) assertEquals(0f, sr[1], what + " zero row");
                    if (rows > 2) assertEquals(0f, sr[2], what + " tiny row");
                    for (byte b : qr.toArray(ValueLayout.JAVA_BYTE)) assertTrue(b >= -127, what + ": −128 is never used");
                }
            }
        }
    }

    @Test
    void dequantizeMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(6);
        for (int n : COLS) {
            for (int rows : new int[]{1, 3}) {
                for (Activation act : new Activation[]{Activation.NONE, Activation.RELU, Activation.GELU}) {
                    for (int variant = 0; variant < 3; variant++) { // no bias or residual; bias and residual; residual in y
                        try (Arena a = Arena.ofConfined()) {
                            MemorySegment acc = a.allocate(4L * rows * n);
                            for (int i = 0; i < rows * n; i++) acc.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 400 - 200));
                            float[] rs = Check.random(r, rows, 0.02);
                            float[] bias = variant == 0 ? null : Check.random(r, n, 1.0);
                            int ldy = n + 2;
                            float[] start = Check.random(r, 1 + rows * ldy, 1.0), res = Check.random(r, rows * n, 1.0);
                            float[] yr = start.clone(), yv = start.clone();
                            boolean inPlace = variant == 2;
                            REF.dequantizeRows(acc, rows, n, rs, bias, act, yr, 1, ldy, variant == 0 ? null : inPlace ? yr : res,
                                    inPlace ? 1 : 0, inPlace ? ldy : n);
                            VEC.dequantizeRows(acc, rows, n, rs, bias, act, yv, 1, ldy, variant == 0 ? null : inPlace ? yv : res,
                                    inPlace ? 1 : 0, inPlace ? ldy : n);
                            String what = rows + "×" + n + " " + act + " variant " + variant;
                            if (act == Activation.GELU) Check.close(yr, yv, what);
                            else Check.bitwise(yr, yv, what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void referenceInt8LinearIsTheIntegerProductScaled() {
        // x = [1, 0.5] → q = [127, 64], scale 1/127; W = [[2, −3], [127, 127]] with scales 0.5, 0.01
        LinearKernel k = Int8Rows.linear(new byte[]{2, -3, 127, 127}, new float[]{0.5f, 0.01f}, new float[]{1f, 0f}, 2, 2, Activation.NONE);
        float[] y = new float[2];
        k.run(new float[]{1f, 0.5f}, 0, 2, 1, y, 0, 2, null, 0, 0, pool1);
        float s = 1f / 127f;
        assertEquals((float) (127 * 2 - 64 * 3) * 0.5f * s + 1f, y[0]);
        assertEquals((float) (127 * 127 + 64 * 127) * 0.01f * s, y[1]);
    }

    /** An encoder layer over given (int8) products: the vector kernels against the reference, post-LN and pre-LN. */
    @Test
    void encoderOverGivenProductsMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(7);
        int d = 24, heads = 3, ff = 37;
        for (boolean normFirst : new boolean[]{false, true}) {
            for (int[] bs : new int[][]{{1, 1}, {1, 5}, {3, 7}}) {
                LinearKernel in = product(r, 3 * d, d, Activation.NONE), out = product(r, d, d, Activation.NONE),
                        f1 = product(r, ff, d, Activation.GELU), f2 = product(r, d, ff, Activation.NONE);
                float[] g1 = Check.random(r, d, 1), b1 = Check.random(r, d, 0.1), g2 = Check.random(r, d, 1), b2 = Check.random(r, d, 0.1);
                EncoderLayerKernel er = REF.encoderLayer(d, heads, ff, normFirst, 1e-5, in, out, f1, f2, g1, b1, g2, b2);
                EncoderLayerKernel ev = VEC.encoderLayer(d, heads, ff, normFirst, 1e-5, in, out, f1, f2, g1, b1, g2, b2);
                int rows = bs[0] * bs[1];
                float[] x = Check.random(r, 3 + rows * d, 1.0);
                float[] yr = new float[rows * d], yv = new float[rows * d];
                er.apply(x, 3, yr, 0, bs[0], bs[1], null, 0, pool1);
                for (var p : new dev.isthmus.engine.parallel.ComputePool[]{pool1, pool2, pool3}) {
                    Arrays.fill(yv, Float.NaN);
                    ev.apply(x, 3, yv, 0, bs[0], bs[1], null, 0, p);
                    Check.close(yr, yv, "normFirst " + normFirst + " " + Arrays.toString(bs) + " on " + p.threads() + " threads");
                }
                assertEquals(er.heldBytes(), ev.heldBytes());
            }
        }
    }

    private static LinearKernel product(SplittableRandom r, int out, int in, Activation act) {
        byte[] q = new byte[out * in];
        for (int i = 0; i < q.length; i++) q[i] = (byte) (r.nextInt(255) - 127);
        float[] s = new float[out];
        for (int i = 0; i < out; i++) s[i] = (float) (0.002 + r.nextDouble() * 0.01);
        return Int8Rows.linear(q, s, Check.random(r, out, 0.5), out, in, act);
    }
}
