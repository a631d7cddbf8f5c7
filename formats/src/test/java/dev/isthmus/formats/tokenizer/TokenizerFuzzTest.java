package dev.isthmus.formats.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.formats.Fuzzing;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Tokenizer#read} and {@link Tokenizer#encode} on any {@code tokenizer.json} and any text: ids within the
 * length asked, or a refusal ({@link dev.isthmus.engine.errors.ModelFormatException} at load,
 * {@link TokenizerInputException} for a text over its work bound). An input is the file's JSON, a line
 * {@code ---}, then the text. Seeds: {@code TokenizerFuzzTestInputs/encode/} (the bundled example's tokenizer, a
 * byte-level BPE one, patterns in a normalizer and a pre-tokenizer).
 */
class TokenizerFuzzTest {
    static final int MAX_LEN = 1 << 16;
    static final String SEPARATOR = "\n---\n";
    private static final Path DIR = Fuzzing.tempDir("tokenizer");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void encode(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        String input = new String(data, StandardCharsets.UTF_8);
        int cut = input.indexOf(SEPARATOR);
        String json = cut < 0 ? input : input.substring(0, cut);
        String text = cut < 0 ? "" : input.substring(cut + SEPARATOR.length());
        Path file = Fuzzing.write(DIR.resolve("tokenizer.json"), json.getBytes(StandardCharsets.UTF_8));
        Fuzzing.refusedOnlyWith(() -> {
            Tokenizer t = Tokenizer.read(file);
            int max = t.specialTokens() + 62;
            long[] ids = t.encode(text, max);
            assertTrue(ids.length <= max, ids.length + " ids for at most " + max);
            for (long id : ids) assertTrue(id >= 0 && id <= t.maxId(), "id " + id + " outside 0.." + t.maxId());
        }, IsthmusException.class);
    }
}
