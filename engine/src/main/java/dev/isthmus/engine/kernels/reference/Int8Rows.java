package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.parallel.ComputePool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Dynamic int8 quantization of activation rows and the epilogue of an int8 product, in plain loops (the oracle of
 * {@code vector/Int8Rows}; the steps are specified on {@link dev.isthmus.engine.kernels.KernelProvider#quantizeRows}),
 * and {@link #linear}: a whole int8 Linear performing exactly the steps an int8 engine performs, so that engine's
 * results can be tested separately from the quantization error.
 */
public final class Int8Rows {
    private Int8Rows() {
    }

    /** Rows whose largest magnitude is below this are all zeros, with scale 0 (their reciprocal would overflow). */
    public static final float TINY = 1e-30f;

    public static void quantizeRows(float[] x, int xOff, int ldx, int rows, int cols, MemorySegment q, float[] scales) {
        for (int i = 0; i < rows; i++) {
            int xo = xOff + i * ldx;
            float m = 0f;
            for (int j = 0; j < cols; j++) m = Math.max(m, Math.abs(x[xo + j]));
            boolean zero = m < TINY;
            float inv = zero ? 0f : 127f / m;
            scales[i] = zero ? 0f : m / 127f;
            long qo = (long) i * cols;
            for (int j = 0; j < cols; j++) {
                float v = x[xo + j] * inv;
                v += v < 0f ? -0.5f : 0.5f;
                q.set(ValueLayout.JAVA_BYTE, qo + j, (byte) (int) v);
            }
        }
    }

    public static void dequantizeRows(MemorySegment acc, int rows, int n, float[] rowScales, float[] bias, Activation act,
                                      float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr) {
        for (int i = 0; i < rows; i++) {
            float s = rowScales[i];
            for (int j = 0; j < n; j++) {
                float v = acc.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j) * s;
                if (bias != null) v += bias[j];
                if (residual != null) v += residual[resOff + i * ldr + j];
                y[yOff + i * ldy + j] = act.apply(v);
            }
        }
    }

    /**
     * A Linear on int8 weights {@code q} (out × in, row-major) with a scale per output, computed as an int8 engine
     * does: the rows of x quantized ({@link #quantizeRows}), exact integer dot products, each converted to float and
     * multiplied by its output's weight scale, then {@link #dequantizeRows}.
     */
    public static LinearKernel linear(byte[] q, float[] weightScales, float[] bias, int out, int in, Activation act) {
        if (q.length != (long) out * in || weightScales.length != out) throw new IllegalArgumentException("int8 weights are not " + out + "×" + in);
        return new LinearKernel() {
            @Override
            public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                            ComputePool pool) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment xq = a.allocate(Math.max(1L, (long) rows * in));
                    MemorySegment acc = a.allocate(Math.max(4L, 4L * rows * out));
                    float[] rs = new float[rows];
                    quantizeRows(x, xOff, ldx, rows, in, xq, rs);
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < out; j++) {
                            int s = 0;
                            for (int p = 0; p < in; p++) s += xq.get(ValueLayout.JAVA_BYTE, (long) i * in + p) * q[j * in + p];
                            acc.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * out + j, (float) s * weightScales[j]);
                        }
                    }
                    dequantizeRows(acc, rows, out, rs, bias, act, y, yOff, ldy, residual, resOff, ldr);
                }
            }

            @Override
            public long heldBytes() {
                return q.length + 4L * (weightScales.length + (bias == null ? 0 : bias.length));
            }
        };
    }
}
