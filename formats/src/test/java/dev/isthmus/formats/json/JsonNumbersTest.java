package dev.isthmus.formats.json;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.hf.HfConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Number literals from strangers' files: a million digits parsed in 15–19 s (BigInteger is quadratic in length) and
 * the error repeated them all;
 * 1e99999999999 ended as an internal NumberFormatException and 1e400 as an Infinity no JSON can hold.
 */
class JsonNumbersTest {
    @TempDir
    Path tmp;

    @Test
    void aHugeLiteralIsRefusedAtOnceWithAShortMessageNamingTheKey() {
        String digits = "9".repeat(1_000_000);
        // refused by its length, before BigInteger parses it
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1, \"hidden_size\": " + digits + "}"));
        assertTrue(e.getMessage().contains("a number of 1000000 characters (at most " + Json.MAX_NUMBER_CHARS + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("key \"hidden_size\""), e.getMessage());
        assertTrue(e.getMessage().length() < 200, "quotes a short prefix only: " + e.getMessage().length() + " characters");
        // in an array the enclosing key is named
        JsonException inArray = assertThrows(JsonException.class, () -> Json.parse("{\"shape\": [1, " + digits + "]}"));
        assertTrue(inArray.getMessage().contains("key \"shape\""), inArray.getMessage());
    }

    @Test
    void numbersBeyondADoubleAreOutOfRange() {
        for (String n : new String[]{"1e400", "-1e400", "1e99999999999", "1.5E+2147483648"}) {
            JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"eps\": " + n + "}"), n);
            assertTrue(e.getMessage().startsWith("number out of range (beyond a 64-bit float): " + n), e.getMessage());
            assertTrue(e.getMessage().contains("key \"eps\""), e.getMessage());
        }
    }

    @Test
    void ordinaryNumbersStillParse() {
        Map<String, Object> o = Json.parseObject("{\"a\": 3.5, \"b\": -0, \"c\": 1e-400, \"d\": 12345678901234567890, \"e\": 1e308, \"f\": 42}");
        assertEquals(3.5, o.get("a"));
        assertEquals(0L, o.get("b"));
        assertEquals(0.0, o.get("c"));
        assertEquals(new BigInteger("12345678901234567890"), o.get("d"));
        assertEquals(1e308, o.get("e"));
        assertEquals(42L, o.get("f"));
        String longest = "1." + "0".repeat(Json.MAX_NUMBER_CHARS - 2);
        assertEquals(1.0, Json.parse(longest));
    }

    @Test
    void aConfigWithAHugeNumberIsAnErrorNamingTheFileAndKey() throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, "{\"model_type\": \"bert\", \"hidden_size\": " + "7".repeat(1_000_000) + "}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfConfig.read(config));
        assertTrue(e.getMessage().contains(config.toString()) && e.getMessage().contains("key \"hidden_size\""), e.getMessage());
        assertTrue(e.getMessage().length() < 400, e.getMessage());
    }
}
