package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dynamic int8 quantization of activation rows and the epilogue of an int8 product on the Vector API: the same float
 * operations, in the same order, as {@code reference/Int8Rows} (specified on
 * {@link dev.isthmus.engine.kernels.KernelProvider#quantizeRows}), so the two agree exactly. Four float vectors become
 * one byte vector of the same width (each conversion fills a quarter), so it works at every width, 128 bits included.
 * Tails run in scalar code (see {@link Elementwise#addInPlace} on masked loads).
 */
final class Int8Rows {
    private Int8Rows() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final float TINY = dev.isthmus.engine.kernels.reference.Int8Rows.TINY;

    static void quantizeRows(float[] x, int xOff, int ldx, int rows, int cols, MemorySegment q, float[] scales) {
        FloatVector half = FloatVector.broadcast(F, 0.5f), negHalf = FloatVector.broadcast(F, -0.5f);
        for (int i = 0; i < rows; i++) {
            int xo = xOff + i * ldx;
            float m = maxAbs(x, xo, cols);
            boolean zero = m < TINY;
            float inv = zero ? 0f : 127f / m;
            scales[i] = zero ? 0f : m / 127f;
            FloatVector vi = FloatVector.broadcast(F, inv);
            long qo = (long) i * cols;
            int j = 0;
            for (; j + 4 * L <= cols; j += 4 * L) {
                ByteVector b = quarter(x, xo + j, vi, half, negHalf, 0)
                        .or(quarter(x, xo + j + L, vi, half, negHalf, -1))
                        .or(quarter(x, xo + j + 2 * L, vi, half, negHalf, -2))
                        .or(quarter(x, xo + j + 3 * L, vi, half, negHalf, -3));
                b.intoMemorySegment(q, qo + j, LE);
            }
            for (; j < cols; j++) {
                float v = x[xo + j] * inv;
                v += v < 0f ? -0.5f : 0.5f;
                q.set(ValueLayout.JAVA_BYTE, qo + j, (byte) (int) v);
            }
        }
    }

    /** x[off …) · inv, rounded half away from zero, truncated to bytes in quarter {@code -part} of a byte vector. */
    private static ByteVector quarter(float[] x, int off, FloatVector inv, FloatVector half, FloatVector negHalf, int part) {
        FloatVector v = FloatVector.fromArray(F, x, off).mul(inv);
        v = v.add(half.blend(negHalf, v.lt(0f)));
        return (ByteVector) v.convert(VectorOperators.F2I, 0).convertShape(VectorOperators.I2B, B, part);
    }

    private static float maxAbs(float[] x, int off, int n) {
        int j = 0;
        float m = 0f;
        if (n >= L) {
            FloatVector mv = FloatVector.zero(F);
            for (int up = F.loopBound(n); j < up; j += L) mv = mv.max(FloatVector.fromArray(F, x, off + j).abs());
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) m = Math.max(m, Math.abs(x[off + j]));
        return m;
    }

    static void dequantizeRows(MemorySegment acc, int rows, int n, float[] rowScales, float[] bias, Activation act,
                               float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr) {
        for (int i = 0; i < rows; i++) {
            float s = rowScales[i];
            FloatVector sv = FloatVector.broadcast(F, s);
            long ao = 4L * i * n;
            int yo = yOff + i * ldy, ro = resOff + i * ldr;
            int j = 0;
            for (int up = F.loopBound(n); j < up; j += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, acc, ao + 4L * j, LE).mul(sv);
                if (bias != null) v = v.add(FloatVector.fromArray(F, bias, j));
                if (residual != null) v = v.add(FloatVector.fromArray(F, residual, ro + j));
                v.intoArray(y, yo + j);
            }
            for (; j < n; j++) {
                float v = acc.get(ValueLayout.JAVA_FLOAT_UNALIGNED, ao + 4L * j) * s;
                if (bias != null) v += bias[j];
                if (residual != null) v += residual[ro + j];
                y[yo + j] = v;
            }
            if (act != Activation.NONE) VectorMath.applyInPlace(act, y, yo, n);
        }
    }
}
