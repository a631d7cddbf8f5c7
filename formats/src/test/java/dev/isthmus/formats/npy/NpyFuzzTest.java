package dev.isthmus.formats.npy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.Fuzzing;
import org.junit.jupiter.api.AfterAll;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Npy#read} on any file, onto the heap and into an arena: the same array both ways, or a
 * {@link ModelFormatException}. An array read is written back by {@link Npy#write} and reads back the same. Seeds:
 * {@code NpyFuzzTestInputs/read/} (numpy's own files and crafted headers, from {@code tools/make_fuzz_seeds.py}).
 */
class NpyFuzzTest {
    static final int MAX_LEN = 1 << 16;
    private static final Path DIR = Fuzzing.tempDir("npy");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void read(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        Path file = Fuzzing.write(DIR.resolve("input.npy"), data);
        Tensor[] heap = new Tensor[1];
        if (Fuzzing.refusedOnlyWith(() -> heap[0] = Npy.read(file, null), ModelFormatException.class) != null) return;
        Tensor t = heap[0];
        try (Arena arena = Arena.ofConfined()) {
            Tensor off = Npy.read(file, arena);
            assertEquals(t.dtype(), off.dtype());
            assertArrayEquals(t.shape(), off.shape());
            assertEquals(-1, t.segment().mismatch(off.segment()), "heap and arena reads differ");
        }
        if (t.dtype() == DType.BOOL) return; // written back as 0/1, not as read
        Path copy = DIR.resolve("copy.npy");
        Npy.write(copy, t);
        Tensor back = Npy.read(copy, null);
        assertEquals(t.dtype(), back.dtype());
        assertArrayEquals(t.shape(), back.shape());
        MemorySegment a = t.segment(), b = back.segment();
        assertEquals(-1, a.mismatch(b), "the array changed in a write and read");
    }
}
