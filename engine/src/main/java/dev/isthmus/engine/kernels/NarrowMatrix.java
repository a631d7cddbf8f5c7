package dev.isthmus.engine.kernels;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A weight matrix (rows × cols, row-major) held in 1 or 2 bytes per element, for the weight-only kernels that widen
 * it to F32 as they read it: int8 with one scale per row (weight = q·scale[row], as a quantized {@link Tensor} reads),
 * or bf16 (weight = the float whose upper 16 bits these are). Immutable once made; the arrays are never written.
 */
public final class NarrowMatrix {
    private final DType dtype;
    private final int rows, cols;
    /** int8: the values q, row-major; null for bf16. */
    final byte[] q;
    /** int8: one scale per row; null for bf16. */
    final float[] scales;
    /** bf16: the bits, row-major; null for int8. */
    final short[] bf16;

    private NarrowMatrix(DType dtype, int rows, int cols, byte[] q, float[] scales, short[] bf16) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("bad shape " + rows + "×" + cols);
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.q = q;
        this.scales = scales;
        this.bf16 = bf16;
    }

    /** int8 values (rows·cols, row-major) and a scale per row. */
    public static NarrowMatrix int8(byte[] q, float[] scales, int rows, int cols) {
        if (q.length != (long) rows * cols || scales.length != rows) {
            throw new IllegalArgumentException(q.length + " values and " + scales.length + " scales for " + rows + "×" + cols);
        }
        return new NarrowMatrix(DType.I8, rows, cols, q, scales, null);
    }

    /** bf16 bits (rows·cols, row-major). */
    public static NarrowMatrix bf16(short[] bits, int rows, int cols) {
        if (bits.length != (long) rows * cols) throw new IllegalArgumentException(bits.length + " values for " + rows + "×" + cols);
        return new NarrowMatrix(DType.BF16, rows, cols, null, null, bits);
    }

    /** True when {@code t} can be held narrow: a quantized I8 tensor, or a BF16 one. */
    public static boolean holds(Tensor t) {
        return t != null && (t.isQuantized() || t.dtype() == DType.BF16);
    }

    /**
     * The (rows × cols) tensor {@code t} ({@link #holds} it) copied as it is stored — 1 or 2 bytes per weight, never
     * widened — after which a mapped tensor's pages are dropped from resident memory.
     */
    public static NarrowMatrix of(Tensor t, int rows, int cols) {
        if (!holds(t)) throw new IllegalArgumentException("not an int8 (with scales) or bf16 tensor: " + t);
        if (t.numel() != (long) rows * cols) throw new IllegalArgumentException(t + " is not " + rows + "×" + cols);
        MemorySegment seg = t.segment();
        NarrowMatrix m;
        if (t.isQuantized()) {
            byte[] q = new byte[rows * cols];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, q, 0, q.length);
            m = int8(q, t.scales(), rows, cols);
        } else {
            short[] b = new short[rows * cols];
            MemorySegment.copy(seg, Tensor.I16_LE, 0, b, 0, b.length);
            m = bf16(b, rows, cols);
        }
        t.releasePages();
        return m;
    }

    /** The matrices' rows one after another (same dtype and cols), e.g. a layer's two directions. */
    public static NarrowMatrix stack(NarrowMatrix... parts) {
        int rows = 0, cols = parts[0].cols;
        for (NarrowMatrix p : parts) {
            if (p.dtype != parts[0].dtype || p.cols != cols) throw new IllegalArgumentException("cannot stack " + p + " on " + parts[0]);
            rows += p.rows;
        }
        int at = 0, r = 0;
        if (parts[0].dtype == DType.I8) {
            byte[] q = new byte[rows * cols];
            float[] s = new float[rows];
            for (NarrowMatrix p : parts) {
                System.arraycopy(p.q, 0, q, at, p.q.length);
                System.arraycopy(p.scales, 0, s, r, p.rows);
                at += p.q.length;
                r += p.rows;
            }
            return int8(q, s, rows, cols);
        }
        short[] b = new short[rows * cols];
        for (NarrowMatrix p : parts) {
            System.arraycopy(p.bf16, 0, b, at, p.bf16.length);
            at += p.bf16.length;
        }
        return bf16(b, rows, cols);
    }

    /** {@link DType#I8} or {@link DType#BF16}. */
    public DType dtype() {
        return dtype;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** int8: the values (row-major; never write them); null for bf16. */
    public byte[] int8Values() {
        return q;
    }

    /** int8: the scales, one per row (never write them); null for bf16. */
    public float[] rowScales() {
        return scales;
    }

    /** bf16: the bits (row-major; never write them); null for int8. */
    public short[] bf16Bits() {
        return bf16;
    }

    /** Weight (r, c) widened: q·scale[r] (the float product), or the bf16 value. */
    public float get(int r, int c) {
        int i = r * cols + c;
        return q != null ? (float) q[i] * scales[r] : Float.intBitsToFloat(bf16[i] << 16);
    }

    /** Row {@code r} widened into {@code dst[off, off + cols)}. */
    public void widenRow(int r, float[] dst, int off) {
        Objects.checkFromIndexSize(off, cols, dst.length);
        int base = r * cols;
        if (q != null) {
            float s = scales[r];
            for (int c = 0; c < cols; c++) dst[off + c] = (float) q[base + c] * s;
        } else {
            for (int c = 0; c < cols; c++) dst[off + c] = Float.intBitsToFloat(bf16[base + c] << 16);
        }
    }

    /** The whole matrix widened, in a new array (rows × cols). */
    public float[] toFloats() {
        float[] f = new float[rows * cols];
        for (int r = 0; r < rows; r++) widenRow(r, f, r * cols);
        return f;
    }

    /** Bytes held: the values and, for int8, the scales. */
    public long heldBytes() {
        return q != null ? q.length + 4L * scales.length : 2L * bf16.length;
    }

    @Override
    public String toString() {
        return "NarrowMatrix[" + dtype + " " + rows + "×" + cols + "]";
    }
}
