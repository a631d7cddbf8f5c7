package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A text model whose tokenizer or config came from a stranger (issue 19, items 3 and 12): the native tokenizer
 * aborted the JVM on a backtracking normalizer pattern (exit 134), and one token id past the vocabulary, or a
 * {@code pad_token_id} of 999999 or −5, failed the whole run with a message naming neither file nor key.
 */
class HostileTokenizerTest {
    static final Path TEXT = Path.of("../examples/text");

    @TempDir
    Path tmp;

    /** The bundled text model, copied, with its tokenizer.json and config.json changed by the callers. */
    Path model(java.util.function.Consumer<Map<String, Object>> tokenizer, java.util.function.Consumer<Map<String, Object>> config)
            throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(TEXT.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Map<String, Object> t = Json.parseObject(Files.readString(TEXT.resolve("tokenizer.json")));
        tokenizer.accept(t);
        Files.writeString(dir.resolve("tokenizer.json"), Json.write(t));
        Map<String, Object> c = Json.parseObject(Files.readString(TEXT.resolve("config.json")));
        config.accept(c);
        Files.writeString(dir.resolve("config.json"), Json.write(c));
        return dir;
    }

    @Test
    void aBacktrackingPatternFailsOnlyTheTextItBlowsUpOn() throws IOException {
        Path dir = model(t -> t.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Replace", "pattern", Map.of("Regex", "((a+)+)+b"), "content", "x"),
                Map.of("type", "Lowercase")))), c -> { });
        CliRun r = CliRun.of("predict", dir.toString(), "--text", "This movie was great!", "--text", "a".repeat(40) + "!",
                "--text", "The acting was terrible.");
        assertEquals(1, r.code(), r.err());
        assertEquals(2, r.out().lines().count(), r.out());
        assertTrue(r.out().contains("positive") && r.out().contains("negative"), r.out());
        List<String> errors = r.err().lines().filter(l -> l.contains("tokenizer-work")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(dir.resolve("tokenizer.json") + ": normalizer.normalizers[0].pattern /((a+)+)+b/"), errors.get(0));
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTokenIdPastTheVocabularyIsRefusedAtLoadNamingBothFiles() throws IOException {
        Path dir = model(t -> ((Map<String, Object>) t.get("model")).put("vocab",
                new java.util.LinkedHashMap<>((Map<String, Object>) ((Map<String, Object>) t.get("model")).get("vocab")) {{
                    put("movie", 99999L);
                }}), c -> { });
        CliRun r = CliRun.of("predict", dir.toString(), "--text", "This movie was great!");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(dir.resolve("tokenizer.json") + ": token 'movie' of model.vocab has id 99999, past the"
                + " model's vocabulary of"), r.err());
        assertTrue(r.err().contains(dir.resolve("config.json").toString()) && r.err().contains("token-id-range"), r.err());
    }

    @Test
    void aPaddingIdOutsideTheVocabularyIsRefusedNamingTheKey() throws IOException {
        for (long pad : new long[]{999_999, -5}) {
            Path dir = model(t -> { }, c -> c.put("pad_token_id", pad));
            CliRun r = CliRun.of("predict", dir.toString(), "--text", "This movie was great!");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains(dir.resolve("config.json") + ": \"pad_token_id\" is " + pad + ", outside the model's"
                    + " vocabulary"), r.err());
            deleteTree(tmp.resolve("model"));
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
