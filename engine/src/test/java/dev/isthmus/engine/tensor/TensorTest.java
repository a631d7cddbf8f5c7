package dev.isthmus.engine.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    @Test
    void reshapeAndSliceAreViewsOverTheSameMemory() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(DType.F32, new long[]{4, 3}, arena);
            for (int i = 0; i < 12; i++) t.segment().setAtIndex(Tensor.F32_LE, i, i);
            Tensor r = t.reshape(2, -1);
            assertArrayEquals(new long[]{2, 6}, r.shape());
            Tensor rows = t.slice(1, 3);
            assertArrayEquals(new long[]{2, 3}, rows.shape());
            assertArrayEquals(new float[]{3, 4, 5, 6, 7, 8}, rows.toFloatArray());
            rows.segment().setAtIndex(Tensor.F32_LE, 0, 42f);
            assertEquals(42f, t.getFloat(3), "the slice writes through to the tensor");
            assertEquals(42f, r.getFloat(3));
            assertArrayEquals(new float[]{9, 10, 11}, t.select(3).toFloatArray());
            assertEquals(t.segment().address() + 12, rows.segment().address());
        }
    }

    @Test
    void badReshapesAndSlicesAreRefused() {
        Tensor t = Tensor.ofFloats(new float[6], 2, 3);
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(7));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(DType.F32, new long[]{2}, MemorySegment.ofArray(new float[3])));
    }

    @Test
    void useAfterCloseIsAnExceptionNotACrash() {
        Arena arena = Arena.ofShared();
        Tensor t = Tensor.allocate(DType.F32, new long[]{8}, arena);
        Tensor v = t.reshape(2, 4);
        arena.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.getFloat(0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, v::toFloatArray);
        assertThrows(IllegalStateException.class, t::segment);
        assertTrue(!t.isAlive());
    }

    @Test
    void reducedPrecisionsConvertToF32() {
        float[] values = {0f, 1f, -2.5f, 65504f, 1e-3f};
        MemorySegment half = MemorySegment.ofArray(new short[values.length]);
        MemorySegment bf = MemorySegment.ofArray(new short[values.length]);
        for (int i = 0; i < values.length; i++) {
            half.setAtIndex(Tensor.I16_LE, i, Float.floatToFloat16(values[i]));
            bf.setAtIndex(Tensor.I16_LE, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
        }
        float[] h = Tensor.wrap(DType.F16, new long[]{values.length}, half).toFloatArray();
        float[] b = Tensor.wrap(DType.BF16, new long[]{values.length}, bf).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], h[i], Math.abs(values[i]) * 1e-3);
            assertEquals(values[i], b[i], Math.abs(values[i]) * 1e-2);
        }
        assertEquals(-2.5f, h[2]);
        assertEquals(-2.5f, b[2]);
        assertEquals(-7L, Tensor.ofLongs(new long[]{-7}, 1).getLong(0));
        assertEquals(3f, Tensor.ofInts(new int[]{3}, 1).getFloat(0));
    }

    @Test
    void heapFloatsIsTheBackingArrayOnlyForWholeHeapF32Tensors() {
        float[] a = {1, 2, 3, 4};
        assertTrue(Tensor.ofFloats(a, 2, 2).heapFloats() == a);
        assertEquals(null, Tensor.ofFloats(a, 2, 2).slice(1, 2).heapFloats());
    }
}
