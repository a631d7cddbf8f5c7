package dev.isthmus.cli;

import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text from a stranger's files reaches the terminal escaped: tensor names and metadata in {@code inspect} passed
 * escape codes through, and a file name with a newline forged a line of {@code predict}'s output.
 */
class UntrustedTextTest {
    @TempDir
    Path tmp;

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("plain name.png", Terminal.printable("plain name.png"));
        assertEquals("a\\nb\\tc\\r\\u001b[31m\\u007f", Terminal.printable("a\nb\tc\r\u001b[31m\u007f"));
        assertEquals("Ünïcödé ✓", Terminal.printable("Ünïcödé ✓"));
    }

    @Test
    void predictPrintsOneLinePerInputWhateverItsName() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        Files.copy(Path.of("../examples/mnist/digits/3_3327.png"), dir.resolve("a\nfake.png  9 (100.0%).png"));
        CliRun r = CliRun.of("predict", "../examples/mnist", dir.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.outLines();
        assertEquals(1, lines.size(), r.out());
        assertTrue(lines.get(0).contains("a\\nfake.png  9 (100.0%).png  3 ("), lines.get(0));
    }

    @Test
    void inspectEscapesNamesAndMetadata() {
        Path f = tmp.resolve("odd.safetensors");
        SafetensorsWriter.write(f, Map.of("w\u001b[2J", Tensor.ofFloats(new float[]{1, 2}, new long[]{2})), Map.of("note\n", "line\u001b]0;title\u0007"));
        CliRun r = CliRun.of("inspect", f.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\u0007"), "no raw control characters: " + r.out());
        assertTrue(r.out().contains("w\\u001b[2J"), r.out());
        assertTrue(r.out().contains("note\\n: line\\u001b]0;title\\u0007"), r.out());
    }
}
