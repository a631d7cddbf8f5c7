package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokenizer files from strangers. The native tokenizers library aborted the whole process (exit 134) on a normalizer
 * {@code Replace} with pattern {@code (a+)+$} and 40 a's and a '!'; here such a text fails alone, with the file, the
 * step and the rule, and the tokenizer goes on with the next text. Files it cannot use fail at load, naming the
 * JSON path. (The generous timeouts only guard against a hang; no speed is asserted.)
 */
class TokenizerLimitsTest {
    @TempDir
    Path tmp;

    Path write(Map<String, Object> json) throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, Json.write(json));
        return f;
    }

    static Map<String, Object> with(String key, Object value) throws IOException {
        Map<String, Object> t = TokenizerReferenceTest.pipeline("example");
        t.put(key, value);
        return t;
    }

    static Map<String, Object> replace(String regex, String content) {
        return Map.of("type", "Replace", "pattern", Map.of("Regex", regex), "content", content);
    }

    @Test
    void theReportedPatternGivesItsResult() throws IOException {
        Tokenizer t = Tokenizer.read(write(with("normalizer", replace("(a+)+$", "x"))));
        long[] ids = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> t.encode("a".repeat(40) + "!", 512));
        assertEquals(1 + 40 + 1 + 1, ids.length, "no match: a, 39 × ##a, !, and the two special tokens");
        assertArrayEquals(new long[]{2, 47}, java.util.Arrays.copyOf(ids, 2));
        assertArrayEquals(new long[]{5, 3}, java.util.Arrays.copyOfRange(ids, ids.length - 2, ids.length));
    }

    @Test
    void aBacktrackingReplacePatternFailsThatTextAloneAndTheTokenizerGoesOn() throws IOException {
        Tokenizer t = Tokenizer.read(write(with("normalizer", replace("((a+)+)+b", "x"))));
        TokenizerInputException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThrows(TokenizerInputException.class, () -> t.encode("a".repeat(40) + "!", 512)));
        assertEquals("tokenizer-work", e.rule());
        assertTrue(e.getMessage().startsWith(tmp.resolve("tokenizer.json") + ": normalizer.pattern /((a+)+)+b/: "), e.getMessage());
        assertArrayEquals(new long[]{2, 167, 73, 3}, t.encode("the movie", 512), "the next text is tokenized as usual");
    }

    @Test
    void aBacktrackingSplitPatternFailsThatTextAlone() throws IOException {
        Tokenizer t = Tokenizer.read(write(with("pre_tokenizer", Map.of("type", "Split", "pattern",
                Map.of("Regex", "(x+x+)+y"), "behavior", "Isolated", "invert", false))));
        TokenizerInputException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThrows(TokenizerInputException.class, () -> t.encode("x".repeat(5000), 512)));
        assertTrue(e.getMessage().contains("pre_tokenizer.pattern /(x+x+)+y/"), e.getMessage());
    }

    @Test
    void aPatternThatRecursesBeyondTheStackFailsThatTextAlone() throws IOException {
        Tokenizer t = Tokenizer.read(write(with("normalizer", replace("(a|b)*c", "x"))));
        TokenizerInputException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThrows(TokenizerInputException.class, () -> t.encode("ab".repeat(200_000), 512)));
        assertEquals("tokenizer-work", e.rule());
    }

    @Test
    void aReplacementThatMultipliesTheTextIsRefusedBeforeItFillsTheMemory() throws IOException {
        Tokenizer t = Tokenizer.read(write(with("normalizer", replace(".", "y".repeat(10_000)))));
        TokenizerInputException e = assertThrows(TokenizerInputException.class, () -> t.encode("z".repeat(100_000), 512));
        assertEquals("tokenizer-growth", e.rule());
        assertArrayEquals(new long[]{2, 3}, t.encode("", 512), "an empty text still has its special tokens");
    }

    @Test
    void aLongTextIsCutToTheLengthWithItsSpecialTokens() throws IOException {
        Tokenizer t = Tokenizer.read(TokenizerReferenceTest.EXAMPLE);
        long[] ids = t.encode("the movie ".repeat(100_000), 8);
        assertArrayEquals(new long[]{2, 167, 73, 167, 73, 167, 73, 3}, ids);
        assertEquals(2, t.specialTokens());
        assertThrows(IllegalArgumentException.class, () -> t.encode("the", 1));
    }

    @Test
    void whatTheFileSaysIsCheckedAtLoadNamingTheJsonPath() throws IOException {
        assertLoadError(with("normalizer", replace("(unclosed", "x")), "normalizer.pattern", "tokenizer-regex");
        assertLoadError(with("normalizer", Map.of("type", "Precompiled")), "normalizer.type", "tokenizer-unsupported");
        assertLoadError(with("pre_tokenizer", Map.of("type", "Split", "pattern", Map.of("Regex", "a"), "behavior", "Sideways")),
                "pre_tokenizer.behavior", "tokenizer-unsupported");
        assertLoadError(with("model", Map.of("type", "Unigram", "vocab", List.of())), "model.type", "tokenizer-unsupported");
        assertLoadError(with("model", Map.of("type", "WordPiece", "vocab", Map.of("a", -5L))), "model.vocab['a']", "tokenizer-id");
        assertLoadError(with("model", Map.of("type", "WordPiece", "vocab", Map.of("a", "one"))), "model.vocab['a']", "tokenizer-id");
        assertLoadError(with("post_processor", Map.of("type", "BertProcessing", "sep", List.of("[SEP]", 99999999999L),
                "cls", List.of("[CLS]", 2L))), "post_processor.sep[1]", "tokenizer-id");
        assertLoadError(with("post_processor", Map.of("type", "TemplateProcessing", "single",
                List.of(Map.of("SpecialToken", Map.of("id", "[CLS]", "type_id", 0L))), "special_tokens", Map.of())),
                "post_processor.single[0].SpecialToken.id", "tokenizer-json");
        assertLoadError(with("added_tokens", List.of(Map.of("id", 1L))), "added_tokens[0].content", "tokenizer-json");
        Map<String, Object> noModel = TokenizerReferenceTest.pipeline("example");
        noModel.remove("model");
        assertLoadError(noModel, "model: missing", "tokenizer-json");
    }

    void assertLoadError(Map<String, Object> json, String path, String rule) throws IOException {
        Path f = write(json);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.read(f));
        assertEquals(rule, e.rule(), e.getMessage());
        assertEquals(f.toString(), e.file());
        assertTrue(e.getMessage().contains(path), e.getMessage());
    }

    @Test
    void aFileThatIsNoTokenizerIsRefusedByWhatItHolds() throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": ");
        assertEquals("tokenizer-json", assertThrows(ModelFormatException.class, () -> Tokenizer.read(f)).rule());
        Files.write(f, new byte[]{'{', '"', (byte) 0xC3, '"', ':', '1', '}'});
        assertTrue(assertThrows(ModelFormatException.class, () -> Tokenizer.read(f)).getMessage().contains("not UTF-8"));
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(Tokenizer.MAX_FILE_BYTES + 1); // sparse: claims 256 MB, holds nothing
        }
        assertEquals("tokenizer-size", assertThrows(ModelFormatException.class, () -> Tokenizer.read(f)).rule());
        assertEquals("not-a-regular-file", assertThrows(ModelFormatException.class, () -> Tokenizer.read(tmp)).rule());
        assertEquals("io", assertThrows(ModelFormatException.class, () -> Tokenizer.read(tmp.resolve("none.json"))).rule());
    }

    @Test
    void maxIdCoversTheVocabularyTheAddedAndTheSpecialTokens() throws IOException {
        Map<String, Object> t = TokenizerReferenceTest.pipeline("example");
        t.put("post_processor", Map.of("type", "BertProcessing", "sep", List.of("[SEP]", 70_000L), "cls", List.of("[CLS]", 2L)));
        assertEquals(70_000, Tokenizer.read(write(t)).maxId());
        int vocab = ((Map<?, ?>) ((Map<?, ?>) t.get("model")).get("vocab")).size();
        t.put("post_processor", null);
        t.put("added_tokens", List.of(Map.of("id", 5L, "content", "<brand-new>", "special", true, "normalized", false)));
        Tokenizer withAdded = Tokenizer.read(write(t));
        assertEquals(vocab, withAdded.maxId(), "a new added token takes the id after the vocabulary");
        assertArrayEquals(new long[]{167, vocab}, withAdded.encode("the<brand-new>", 512));
    }
}
