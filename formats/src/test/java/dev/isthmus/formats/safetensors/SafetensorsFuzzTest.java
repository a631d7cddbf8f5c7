package dev.isthmus.formats.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.Fuzzing;
import org.junit.jupiter.api.AfterAll;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SafetensorsFile#open} on any file: it opens, and then every tensor it lists is readable to its last byte and
 * the tensors tile the data block; or it is refused with a {@link ModelFormatException}. Seeds (valid files and files
 * that break each rule, from {@code tools/make_fuzz_seeds.py}): {@code SafetensorsFuzzTestInputs/open/}.
 */
class SafetensorsFuzzTest {
    static final int MAX_LEN = 1 << 16;
    private static final Path DIR = Fuzzing.tempDir("safetensors");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void open(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        Path file = Fuzzing.write(DIR.resolve("input.safetensors"), data);
        Fuzzing.refusedOnlyWith(() -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long total = 0;
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    MemorySegment s = t.segment();
                    assertEquals(Shape.numel(t.shape()) * t.dtype().byteSize(), s.byteSize(), name);
                    if (s.byteSize() > 0) s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1);
                    total += s.byteSize();
                }
                assertEquals(f.fileSize() - f.dataOffset(), total, "the tensors tile the data block");
                f.metadata().forEach((k, v) -> assertEquals(v, f.metadata().get(k)));
            }
        }, ModelFormatException.class);
    }
}
