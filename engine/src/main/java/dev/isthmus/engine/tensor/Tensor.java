package dev.isthmus.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A shape, a dtype and a {@link MemorySegment} holding the elements in row-major order, little-endian.
 *
 * <p>Tensors do not own memory: the segment belongs to an {@link Arena} (or a heap array, or a mapped file) and the
 * tensor is valid while that owner is. {@link #reshape} and {@link #slice} return views over the same memory; no
 * method copies unless its name says so ({@code to...Array}, {@code copy...}). Reading a tensor whose owner was closed
 * throws {@link IllegalStateException}, never crashes the JVM.
 */
public final class Tensor {
    /** Little-endian layouts, unaligned: file data may sit at any offset. */
    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;
    private final long numel;
    /**
     * For a quantized I8 tensor ({@link #quantized}): one scale per group of {@link #scaleGroup} consecutive elements
     * (per output channel: a group is a row); null otherwise. Never written.
     */
    private final float[] scales;
    /** Elements per scale (a quantized tensor's row length); 0 when there are no scales. */
    private final long group;
    /** Index of this tensor's first element's scale in {@link #scales} (a slice's rows start further in). */
    private final int scaleOff;

    private Tensor(DType dtype, long[] shape, MemorySegment data) {
        this(dtype, shape, data, null, 0, 0);
    }

    private Tensor(DType dtype, long[] shape, MemorySegment data, float[] scales, long group, int scaleOff) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.numel = Shape.numel(this.shape);
        this.data = Objects.requireNonNull(data, "segment");
        this.scales = scales;
        this.group = group;
        this.scaleOff = scaleOff;
        long expected = Math.multiplyExact(numel, (long) dtype.byteSize());
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes cannot hold a " + dtype + " tensor of shape "
                    + Shape.toString(shape) + " (" + expected + " bytes)");
        }
    }

    /**
     * A quantized weight: I8 values q (no copy) with one scale per row (dimension 0), read as floats q·scale[row] by
     * every float accessor ({@link #getFloat}, {@link #readFloats}, {@link #toFloatArray}, ...), so that any consumer
     * that takes floats sees the dequantized weight; kernels that keep the bytes read {@link #segment} and
     * {@link #scales}. Scales must be finite and ≥ 0 (a zero row may have scale 0).
     */
    public static Tensor quantized(Tensor values, float[] rowScales) {
        if (values.dtype != DType.I8 || values.scales != null) {
            throw new IllegalArgumentException("quantized values must be a plain I8 tensor, got " + values);
        }
        if (values.shape.length == 0) throw new IllegalArgumentException("a quantized tensor needs a row dimension");
        if (rowScales.length != values.shape[0]) {
            throw new IllegalArgumentException(rowScales.length + " scales for " + values.shape[0] + " rows");
        }
        for (float s : rowScales) {
            if (!(s >= 0f) || Float.isInfinite(s)) throw new IllegalArgumentException("scale " + s + " is not finite and ≥ 0");
        }
        long rowLen = Shape.prod(values.shape, 1, values.shape.length);
        return new Tensor(DType.I8, values.shape, values.data, rowScales.clone(), rowLen, 0);
    }

    /** A tensor over an existing segment (no copy). The segment must be exactly numel × dtype size bytes. */
    public static Tensor wrap(DType dtype, long[] shape, MemorySegment segment) {
        return new Tensor(dtype, shape, segment);
    }

    /** A zero-filled tensor in {@code arena}. */
    public static Tensor allocate(DType dtype, long[] shape, Arena arena) {
        long bytes = Math.multiplyExact(Shape.numel(shape), (long) dtype.byteSize());
        return new Tensor(dtype, shape, arena.allocate(Math.max(bytes, 0), Math.min(dtype.byteSize(), 8)).asSlice(0, bytes));
    }

    /** An F32 tensor over a Java array (no copy; the array is the storage). */
    public static Tensor ofFloats(float[] data, long... shape) {
        return new Tensor(DType.F32, shape, MemorySegment.ofArray(data));
    }

    /** An I64 tensor over a Java array (no copy). */
    public static Tensor ofLongs(long[] data, long... shape) {
        return new Tensor(DType.I64, shape, MemorySegment.ofArray(data));
    }

    /** An I32 tensor over a Java array (no copy). */
    public static Tensor ofInts(int[] data, long... shape) {
        return new Tensor(DType.I32, shape, MemorySegment.ofArray(data));
    }

    public DType dtype() {
        return dtype;
    }

    /** True for an I8 tensor with scales ({@link #quantized}): its floats are q·scale. */
    public boolean isQuantized() {
        return scales != null;
    }

    /**
     * A quantized tensor's scales, one per row of this tensor (a copy); null when it is not quantized.
     */
    public float[] scales() {
        if (scales == null) return null;
        long rows = group == 0 ? 0 : numel / group;
        return Arrays.copyOfRange(scales, scaleOff, scaleOff + (int) rows);
    }

    /** The scale of element {@code i} (flat) of a quantized tensor. */
    private float scaleOf(long i) {
        return scales[scaleOff + (int) (i / group)];
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}; negative counts from the end. */
    public long dim(int i) {
        return shape[Shape.dim(i, shape.length)];
    }

    public long numel() {
        return numel;
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** The memory; valid while its owner is. */
    public MemorySegment segment() {
        checkAlive();
        return data;
    }

    /** True while the memory's owner (arena, file, model) is open. */
    public boolean isAlive() {
        return data.scope().isAlive();
    }

    private void checkAlive() {
        if (!data.scope().isAlive()) {
            throw new IllegalStateException("tensor " + dtype + Shape.toString(shape)
                    + " used after the arena, model or file that owned its memory was closed");
        }
    }

    /** A view with another shape and the same elements; one dimension may be -1. */
    public Tensor reshape(long... newShape) {
        long[] s = newShape.clone();
        int free = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (free >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(newShape));
                free = i;
            } else {
                if (s[i] < 0) throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(newShape));
                known = Math.multiplyExact(known, s[i]);
            }
        }
        if (free >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(newShape) + " for " + numel + " elements");
            }
            s[free] = numel / known;
        }
        if (Shape.numel(s) != numel) {
            throw new IllegalArgumentException("reshape: " + Shape.toString(shape) + " (" + numel + " elements) cannot become "
                    + Shape.toString(s));
        }
        checkAlive();
        return new Tensor(dtype, s, data, scales, group, scaleOff);
    }

    /** A view of rows {@code [start, end)} along dimension 0. */
    public Tensor slice(long start, long end) {
        if (shape.length == 0) throw new IllegalArgumentException("slice: a scalar has no dimension 0");
        if (start < 0 || end < start || end > shape[0]) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of dimension 0 of size " + shape[0]);
        }
        long rowBytes = Shape.prod(shape, 1, shape.length) * dtype.byteSize();
        long[] s = shape.clone();
        s[0] = end - start;
        checkAlive();
        MemorySegment part = data.asSlice(start * rowBytes, (end - start) * rowBytes);
        if (scales == null) return new Tensor(dtype, s, part);
        long first = start * (rowBytes / dtype.byteSize()), count = (end - start) * (rowBytes / dtype.byteSize());
        if (first % group != 0 || count % group != 0) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") cuts through a quantized tensor's scale groups");
        }
        return new Tensor(dtype, s, part, scales, group, scaleOff + (int) (first / group));
    }

    /** A view of element {@code i} along dimension 0 (rank drops by one). */
    public Tensor select(long i) {
        Tensor t = slice(i, i + 1);
        return t.reshape(Arrays.copyOfRange(shape, 1, shape.length));
    }

    /** The backing float[] when this is an F32 tensor over a whole Java array, else null. */
    public float[] heapFloats() {
        if (dtype != DType.F32) return null;
        Object base = data.heapBase().orElse(null);
        if (base instanceof float[] a && a.length == numel && data.address() == 0) return a;
        return null;
    }

    /** The elements as floats, for reading only: the backing array of a heap F32 tensor ({@link #heapFloats}), else a copy. */
    public float[] readFloats() {
        float[] a = heapFloats();
        return a != null ? a : toFloatArray();
    }

    /**
     * Drops a mapped tensor's pages from this process's resident memory (they stay in the OS page cache; a later read
     * faults them in again, so the tensor stays valid): for weights read once to be packed. Nothing for other memory.
     */
    public void releasePages() {
        checkAlive();
        if (data.isMapped()) data.unload();
    }

    /** Element {@code i} (flat, row-major) converted to float. */
    public float getFloat(long i) {
        checkAlive();
        if (scales != null) return readFloat(data, dtype, i) * scaleOf(i);
        return readFloat(data, dtype, i);
    }

    /** Element {@code i} (flat) converted to long; floats are truncated; a quantized tensor's stored q (unscaled). */
    public long getLong(long i) {
        checkAlive();
        return switch (dtype) {
            case I64, U64 -> data.get(I64_LE, i * 8);
            case I32 -> data.get(I32_LE, i * 4);
            case U32 -> Integer.toUnsignedLong(data.get(I32_LE, i * 4));
            case I16 -> data.get(I16_LE, i * 2);
            case U16 -> Short.toUnsignedInt(data.get(I16_LE, i * 2));
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
            default -> (long) readFloat(data, dtype, i);
        };
    }

    /** All elements converted to float, in a new array. */
    public float[] toFloatArray() {
        checkAlive();
        if (numel > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor too large for a Java array: " + numel);
        float[] out = new float[(int) numel];
        copyFloatsTo(out);
        return out;
    }

    /** All elements converted to float, written to {@code dst[0, numel)} (which may be longer). */
    public void copyFloatsTo(float[] dst) {
        checkAlive();
        if (numel > dst.length) throw new IllegalArgumentException(numel + " elements do not fit " + dst.length + " floats");
        copyFloatsTo(0, dst, 0, (int) numel);
    }

    /**
     * Elements [from, from + n) (flat) converted to float (a quantized tensor's dequantized: q·scale), written to
     * {@code dst[dOff, dOff + n)}.
     */
    public void copyFloatsTo(long from, float[] dst, int dOff, int n) {
        checkAlive();
        Objects.checkFromIndexSize(from, n, numel);
        Objects.checkFromIndexSize(dOff, n, dst.length);
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32_LE, from * 4, dst, dOff, n);
        } else if (scales != null) {
            for (int i = 0; i < n; i++) dst[dOff + i] = readFloat(data, dtype, from + i) * scaleOf(from + i);
        } else {
            for (int i = 0; i < n; i++) dst[dOff + i] = readFloat(data, dtype, from + i);
        }
    }

    /** All elements converted to long, in a new array. */
    public long[] toLongArray() {
        checkAlive();
        long[] out = new long[Math.toIntExact(numel)];
        if (dtype == DType.I64) {
            MemorySegment.copy(data, I64_LE, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = getLong(i);
        }
        return out;
    }

    /** An F32 copy in {@code arena} (or on the heap when arena is null). */
    public Tensor toF32(Arena arena) {
        float[] f = toFloatArray();
        if (arena == null) return ofFloats(f, shape);
        Tensor t = allocate(DType.F32, shape, arena);
        MemorySegment.copy(f, 0, t.data, F32_LE, 0, f.length);
        return t;
    }

    /** Reads element {@code i} of a segment of {@code dtype}, converted to float. */
    public static float readFloat(MemorySegment seg, DType dtype, long i) {
        return switch (dtype) {
            case F32 -> seg.get(F32_LE, i * 4);
            case F64 -> (float) seg.get(F64_LE, i * 8);
            case F16 -> Float.float16ToFloat(seg.get(I16_LE, i * 2));
            case BF16 -> Float.intBitsToFloat(seg.get(I16_LE, i * 2) << 16);
            case I64 -> (float) seg.get(I64_LE, i * 8);
            case U64 -> unsignedLongToFloat(seg.get(I64_LE, i * 8));
            case I32 -> (float) seg.get(I32_LE, i * 4);
            case U32 -> (float) Integer.toUnsignedLong(seg.get(I32_LE, i * 4));
            case I16 -> (float) seg.get(I16_LE, i * 2);
            case U16 -> (float) Short.toUnsignedInt(seg.get(I16_LE, i * 2));
            case I8 -> (float) seg.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> (float) Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, i));
            case BOOL -> seg.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1f : 0f;
            case F8_E4M3 -> Float8.e4m3ToFloat(seg.get(ValueLayout.JAVA_BYTE, i));
            case F8_E5M2 -> Float8.e5m2ToFloat(seg.get(ValueLayout.JAVA_BYTE, i));
        };
    }

    private static float unsignedLongToFloat(long v) {
        return v >= 0 ? (float) v : (float) (v >>> 1) * 2f;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Shape.toString(shape) + (scales != null ? " with scales" : "") + "]";
    }
}
