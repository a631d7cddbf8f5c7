package dev.isthmus.engine.kernels;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A weight matrix (rows × cols, row-major) held in 1 or 2 bytes per element, for the weight-only kernels that widen
 * it to F32 as they read it: int8 with one scale per row (weight = q·scale[row], as a quantized {@link Tensor} reads),
 * or bf16 (weight = the float whose upper 16 bits these are). The values are read where they are — a mapped file's
 * tensor is not copied: a kernel that packs them into a layout of its own calls {@link #releasePages()} afterwards, and
 * one that reads them in place (the reference kernels) keeps them mapped. Never written.
 */
public final class NarrowMatrix {
    private final DType dtype;
    private final int rows, cols;
    /** int8: the values q, row-major; bf16: the bits, row-major, little-endian. */
    private final MemorySegment values;
    /** int8: one scale per row; null for bf16. */
    private final float[] scales;
    /** The tensor the values are read from, or null when they were given as an array. */
    private final Tensor source;

    private NarrowMatrix(DType dtype, int rows, int cols, MemorySegment values, float[] scales, Tensor source) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("bad shape " + rows + "×" + cols);
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.scales = scales;
        this.source = source;
    }

    /** int8 values (rows·cols, row-major) and a scale per row; the arrays are kept, not copied (never write them). */
    public static NarrowMatrix int8(byte[] q, float[] scales, int rows, int cols) {
        if (q.length != (long) rows * cols || scales.length != rows) {
            throw new IllegalArgumentException(q.length + " values and " + scales.length + " scales for " + rows + "×" + cols);
        }
        return new NarrowMatrix(DType.I8, rows, cols, MemorySegment.ofArray(q), scales, null);
    }

    /** bf16 bits (rows·cols, row-major). */
    public static NarrowMatrix bf16(short[] bits, int rows, int cols) {
        if (bits.length != (long) rows * cols) throw new IllegalArgumentException(bits.length + " values for " + rows + "×" + cols);
        MemorySegment v = MemorySegment.ofArray(new byte[2 * bits.length]);
        for (int i = 0; i < bits.length; i++) v.setAtIndex(Tensor.I16_LE, i, bits[i]);
        return new NarrowMatrix(DType.BF16, rows, cols, v, null, null);
    }

    /** True when {@code t} can be held narrow: a quantized I8 tensor, or a BF16 one. */
    public static boolean holds(Tensor t) {
        return t != null && (t.isQuantized() || t.dtype() == DType.BF16);
    }

    /** The (rows × cols) tensor {@code t} ({@link #holds} it), read where it is stored: 1 or 2 bytes per weight, never widened. */
    public static NarrowMatrix of(Tensor t, int rows, int cols) {
        if (!holds(t)) throw new IllegalArgumentException("not an int8 (with scales) or bf16 tensor: " + t);
        if (t.numel() != (long) rows * cols) throw new IllegalArgumentException(t + " is not " + rows + "×" + cols);
        return t.isQuantized() ? new NarrowMatrix(DType.I8, rows, cols, t.segment(), t.scales(), t)
                : new NarrowMatrix(DType.BF16, rows, cols, t.segment(), null, t);
    }

    /** The matrices' rows one after another (same dtype and cols), e.g. a layer's two directions; a copy. */
    public static NarrowMatrix stack(NarrowMatrix... parts) {
        int rows = 0, cols = parts[0].cols;
        for (NarrowMatrix p : parts) {
            if (p.dtype != parts[0].dtype || p.cols != cols) throw new IllegalArgumentException("cannot stack " + p + " on " + parts[0]);
            rows += p.rows;
        }
        int width = parts[0].dtype == DType.I8 ? 1 : 2;
        MemorySegment v = MemorySegment.ofArray(new byte[Math.multiplyExact(Math.multiplyExact(rows, cols), width)]);
        float[] s = parts[0].dtype == DType.I8 ? new float[rows] : null;
        long at = 0;
        int r = 0;
        for (NarrowMatrix p : parts) {
            long n = (long) p.rows * p.cols * width;
            MemorySegment.copy(p.values, 0, v, at, n);
            if (s != null) System.arraycopy(p.scales, 0, s, r, p.rows);
            at += n;
            r += p.rows;
        }
        return new NarrowMatrix(parts[0].dtype, rows, cols, v, s, null);
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

    /** int8: value i (row-major index). */
    public byte int8At(long i) {
        return values.get(ValueLayout.JAVA_BYTE, i);
    }

    /** bf16: the bits of value i (row-major index). */
    public short bf16At(long i) {
        return values.getAtIndex(Tensor.I16_LE, i);
    }

    /** int8: the scale of row r. */
    public float rowScale(int r) {
        return scales[r];
    }

    /** Weight (r, c) widened: q·scale[r] (the float product), or the bf16 value. */
    public float get(int r, int c) {
        long i = (long) r * cols + c;
        return dtype == DType.I8 ? (float) int8At(i) * scales[r] : Float.intBitsToFloat(bf16At(i) << 16);
    }

    /** Row {@code r} widened into {@code dst[off, off + cols)}. */
    public void widenRow(int r, float[] dst, int off) {
        Objects.checkFromIndexSize(off, cols, dst.length);
        long base = (long) r * cols;
        if (dtype == DType.I8) {
            float s = scales[r];
            for (int c = 0; c < cols; c++) dst[off + c] = (float) int8At(base + c) * s;
        } else {
            for (int c = 0; c < cols; c++) dst[off + c] = Float.intBitsToFloat(bf16At(base + c) << 16);
        }
    }

    /** The whole matrix widened, in a new array (rows × cols). */
    public float[] toFloats() {
        float[] f = new float[rows * cols];
        for (int r = 0; r < rows; r++) widenRow(r, f, r * cols);
        return f;
    }

    /**
     * Drops the values' pages from resident memory when they are a mapped file's (they are read back from the file
     * if touched again): for kernels that have packed them into arrays of their own.
     */
    public void releasePages() {
        if (source != null) source.releasePages();
    }

    /** Bytes held: the values and, for int8, the scales. */
    public long heldBytes() {
        return values.byteSize() + (scales == null ? 0 : 4L * scales.length);
    }

    @Override
    public String toString() {
        return "NarrowMatrix[" + dtype + " " + rows + "×" + cols + "]";
    }
}
