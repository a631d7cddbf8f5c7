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

    /** A name that would forge a line of its own and clear the screen, if printed raw. */
    static final String FORGER = "a\nisthmus: all good\u001b[2J";
    static final String FORGER_ESCAPED = "a\\nisthmus: all good\\u001b[2J";

    /** Every stderr line is one message: no raw control character, and none begins with the forged text. */
    static void oneLinePerMessage(CliRun r) {
        assertFalse(r.err().contains("\u001b"), r.err());
        for (String line : r.errLines()) assertFalse(line.startsWith("isthmus: all good"), r.err());
    }

    @Test
    void errorLinesEscapeTheNamesTheyQuote() throws Exception {
        // predict's error line for an input, and the CLI's error printer (a spec error naming a node, a usage error
        // naming an input, picocli's own), printed names from files and arguments raw
        Path good = Files.copy(Path.of("../examples/mnist/digits/3_3327.png"), tmp.resolve("b.png"));
        CliRun predict = CliRun.of("predict", "../examples/mnist", tmp.resolve(FORGER + ".png").toString(), good.toString());
        assertEquals(1, predict.code(), predict.err());
        oneLinePerMessage(predict);
        assertEquals(List.of("isthmus: " + tmp.resolve(FORGER_ESCAPED + ".png") + ": no such file [rule: image-read]",
                "isthmus: 1 of 2 inputs failed; 1 predicted"), predict.errLines());

        Path model = tmp.resolve("odd.safetensors");
        SafetensorsWriter.write(model, Map.of(), Map.of("isthmus.spec", "{\"format\": \"isthmus/1\", \"inputs\": [{\"name\": \"x\", "
                + "\"shape\": [-1, 4]}], \"nodes\": [{\"op\": \"Linear\", \"name\": \"" + FORGER.replace("\n", "\\n").replace("\u001b", "\\u001b")
                + "\", \"in_features\": 4, \"out_features\": 0}]}"));
        for (String command : new String[]{"inspect", "bench"}) {
            CliRun r = CliRun.of(command, model.toString());
            assertEquals(1, r.code(), r.err());
            oneLinePerMessage(r);
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().contains("node 0 '" + FORGER_ESCAPED + "' (Linear)"), r.err());
        }

        CliRun usage = CliRun.of("run", "../examples/mnist", "-i", FORGER + "=" + good);
        assertEquals(2, usage.code(), usage.err());
        oneLinePerMessage(usage);
        assertEquals(List.of("isthmus: the model has no input '" + FORGER_ESCAPED + "'; its inputs are [image] (see 'isthmus run --help')"),
                usage.errLines());

        CliRun picocli = CliRun.of("run", "../examples/mnist", "-i", good.toString(), "--" + FORGER);
        assertEquals(2, picocli.code(), picocli.err());
        oneLinePerMessage(picocli);
        assertEquals(1, picocli.errLines().size(), picocli.err());
        assertTrue(picocli.err().contains(FORGER_ESCAPED), picocli.err());

        // --verbose: the stack trace quotes the message too, and is escaped line by line
        CliRun verbose = CliRun.of("run", "../examples/mnist", "-i", tmp.resolve(FORGER + ".npy").toString(), "--verbose");
        assertEquals(1, verbose.code(), verbose.err());
        oneLinePerMessage(verbose);
        assertTrue(verbose.err().contains("UncheckedIOException: " + tmp.resolve(FORGER_ESCAPED + ".npy") + ": cannot read: no such file"),
                verbose.err());
        assertTrue(verbose.errLines().stream().anyMatch(l -> l.startsWith("\tat dev.isthmus.")), "frames keep their tab: " + verbose.err());
    }

    @Test
    void aTextToClassifyIsQuotedEscaped() {
        // whitespace was folded to spaces, but an escape code in a --text (or a line of stdin) reached the terminal
        CliRun r = CliRun.of("predict", "../examples/text", "--text", "a fine film\u001b[2J");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.outLines().size(), r.out());
        assertTrue(r.out().startsWith("\"a fine film\\u001b[2J\"  "), r.out());
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

    @Test
    void inspectEscapesTheNamesInASpec() {
        // input, node and output names from a spec were printed raw (tensor names and metadata already were escaped)
        Path f = tmp.resolve("spec.safetensors");
        String n = FORGER.replace("\n", "\\n").replace("\u001b", "\\u001b"); // as JSON writes them
        SafetensorsWriter.write(f, Map.of(), Map.of("isthmus.spec", "{\"format\": \"isthmus/1\", \"inputs\": [{\"name\": \"" + n
                + "\", \"shape\": [-1, 4]}], \"nodes\": [{\"op\": \"ReLU\", \"name\": \"" + n + "\", \"outputs\": [\"" + n + "!\"]}], "
                + "\"outputs\": [\"" + n + "!\"]}"));
        CliRun r = CliRun.of("inspect", f.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("\u001b"), r.out());
        for (String line : r.outLines()) assertFalse(line.startsWith("isthmus: all good"), r.out());
        assertTrue(r.out().contains("input  " + FORGER_ESCAPED + ": F32"), r.out());
        assertTrue(r.out().contains("output " + FORGER_ESCAPED + "!: [?, 4]"), r.out());
    }
}
