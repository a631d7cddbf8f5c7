package dev.isthmus.formats.json;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.formats.Fuzzing;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Json#parse} on any text: a value, or a {@link JsonException} whose offset lies in the text. A value read
 * survives a round trip through {@link Json#write} unchanged. Seeds: {@code JsonFuzzTestInputs/parse/}.
 */
class JsonFuzzTest {
    /** Longer inputs are skipped: the parser's cost is linear, and short inputs reach every branch. */
    static final int MAX_LEN = 1 << 16;

    @FuzzTest(maxDuration = "8s")
    void parse(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        String text = new String(data, StandardCharsets.UTF_8);
        Object[] value = new Object[1];
        Throwable refused = Fuzzing.refusedOnlyWith(() -> value[0] = Json.parse(text), JsonException.class);
        if (refused != null) {
            int offset = ((JsonException) refused).offset();
            assertTrue(offset >= 0 && offset <= text.length(), "offset " + offset + " of a " + text.length() + "-char text");
            return;
        }
        String written = Json.write(value[0]);
        assertEquals(value[0], Json.parse(written), written);
        assertEquals(written, Json.write(Json.parse(Json.writePretty(value[0]))), "pretty and compact forms hold the same value");
    }
}
