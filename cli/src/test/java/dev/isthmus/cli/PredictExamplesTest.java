package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** predict on every kind of input, against PyTorch's predictions on exactly those files and texts. */
class PredictExamplesTest {
    /** Runs predict --json and checks every line's label and score against expected.json (keyed by file name or text). */
    static void matchesExpected(Path expectedJson, int count, String key, String... args) throws Exception {
        Map<String, Object> expected = Json.parseObject(Files.readString(expectedJson));
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.outLines();
        assertEquals(count, lines.size(), r.out());
        for (String line : lines) {
            Map<String, Object> o = Json.parseObject(line);
            String k = key.equals("text") ? (String) o.get("text") : Path.of((String) o.get("file")).getFileName().toString();
            Map<?, ?> want = (Map<?, ?>) expected.get(k);
            assertTrue(want != null, "no expectation for " + k);
            assertEquals(want.get("label"), o.get("label"), k);
            assertEquals(((Number) want.get("score")).doubleValue(), ((Number) o.get("score")).doubleValue(), 1e-4, k);
        }
    }

    @Test
    void gruExampleFromNpyAndCsv() throws Exception {
        matchesExpected(Path.of("../examples/gru/expected.json"), 12, "file",
                "predict", "../examples/gru", "../examples/gru/sequences", "--json", "--batch", "4");
    }

    @Test
    void rgbModelTrainedElsewhereLabelsAFolderOfPngsAsPyTorchDoes() throws Exception {
        matchesExpected(Path.of("../fixtures/image_rgb/expected.json"), 14, "file",
                "predict", "../fixtures/image_rgb/model", "../fixtures/image_rgb/images", "--json");
    }

    @Test
    void textFromOptionsAndFromStdin() throws Exception {
        Path exp = Path.of("../examples/text/expected.json");
        List<String> sentences = Files.readAllLines(Path.of("../examples/text/sentences.txt"));
        String[] args = new String[]{"predict", "../examples/text", "--json", "--text", sentences.get(0), "--text", sentences.get(1)};
        matchesExpected(exp, 2, "text", args);
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(String.join("\n", sentences).getBytes(StandardCharsets.UTF_8)));
            matchesExpected(exp, sentences.size(), "text", "predict", "../examples/text", "--json", "--batch", "3");
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void aSequenceOfTheWrongWidthIsReportedAndTheRestGoOn(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("bad.csv"), "x,y\n1,2\n3,4\n");
        Files.copy(Path.of("../examples/gru/sequences/sine_09.csv"), tmp.resolve("good.csv"));
        CliRun r = CliRun.of("predict", "../examples/gru", tmp.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.outLines().size(), r.out());
        assertTrue(r.out().contains("good.csv  sine"), r.out());
        assertTrue(r.err().contains("bad.csv") && r.err().contains("each step has 2 features, the model needs 3"), r.err());
    }
}
