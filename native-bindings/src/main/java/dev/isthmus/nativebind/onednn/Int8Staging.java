package dev.isthmus.nativebind.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The native buffers one int8 product uses during a call — its input rows quantized to int8, its F32 results, the
 * rows' scales — shared by every int8 product of a backend: a model runs its layers one after another, so one set per
 * concurrent caller is enough, sized to the largest call so far (instead of a set per layer and input shape: 25 MB
 * for a 6-layer, 768-wide encoder at 128 rows). Taken and given back around each call; freed with the backend.
 */
final class Int8Staging implements AutoCloseable {
    private Arena arena = Arena.ofShared();
    private MemorySegment src = MemorySegment.NULL, dst = MemorySegment.NULL;
    private float[] rowScales = new float[0];

    /** Makes the int8 input buffer at least {@code srcBytes} and the F32 result buffer at least {@code dstBytes} long. */
    void reserve(long srcBytes, long dstBytes) {
        if (src.byteSize() < srcBytes || dst.byteSize() < dstBytes) grow(Math.max(srcBytes, src.byteSize()), Math.max(dstBytes, dst.byteSize()));
    }

    /** The int8 input buffer ({@link #reserve}d). */
    MemorySegment src() {
        return src;
    }

    /** The F32 result buffer ({@link #reserve}d). */
    MemorySegment dst() {
        return dst;
    }

    float[] rowScales(int rows) {
        if (rowScales.length < rows) rowScales = new float[rows];
        return rowScales;
    }

    private void grow(long srcBytes, long dstBytes) {
        Arena a = Arena.ofShared();
        MemorySegment s = a.allocate(Math.max(1, srcBytes), Dnnl.ALIGN), d = a.allocate(Math.max(1, dstBytes), Dnnl.ALIGN);
        arena.close();
        arena = a;
        src = s.asSlice(0, srcBytes);
        dst = d.asSlice(0, dstBytes);
    }

    long bytes() {
        return src.byteSize() + dst.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }

    /** A backend's sets: one per concurrent caller, kept for reuse. */
    static final class Pool implements AutoCloseable {
        private final ConcurrentLinkedDeque<Int8Staging> idle = new ConcurrentLinkedDeque<>();
        private volatile boolean closed;

        Int8Staging take() {
            Int8Staging s = idle.pollFirst();
            return s != null ? s : new Int8Staging();
        }

        void give(Int8Staging s) {
            idle.offerFirst(s);
            if (closed && idle.remove(s)) s.close();
        }

        @Override
        public void close() {
            closed = true;
            for (Int8Staging s; (s = idle.pollFirst()) != null; ) s.close();
        }
    }
}
