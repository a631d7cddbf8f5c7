package dev.isthmus.formats.json;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Json} against RFC 8259, section by section: what a JSON text is (2), values (3), objects (4), arrays (5),
 * numbers (6), strings (7) and their encoding (8), and what is not JSON at all. Where the RFC lets a parser choose
 * (duplicate names, a byte order mark, unpaired surrogates, number range and precision), the test says which way
 * {@link Json} goes. Texts are written with single quotes where that reads better; {@link #q} turns them into double.
 */
class JsonRfc8259Test {
    /** {@code text} with every ' as ". */
    private static String q(String text) {
        return text.replace('\'', '"');
    }

    private static Object ok(String text) {
        return Json.parse(text);
    }

    /** Asserts that {@code text} is refused with a message containing {@code fragment} at {@code offset}. */
    private static JsonException bad(String text, String fragment, int offset) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), text);
        assertTrue(e.getMessage().contains(fragment), "'" + text + "': " + e.getMessage());
        if (offset >= 0) assertEquals(offset, e.offset(), "'" + text + "': " + e.getMessage());
        return e;
    }

    private static JsonException bad(String text, String fragment) {
        return bad(text, fragment, -1);
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    // ---------------------------------------------------------------- 2. JSON grammar, 3. values

    @Test
    void everyValueTypeIsAJsonTextOnItsOwn() {
        assertEquals(map(), ok("{}"));
        assertEquals(List.of(), ok("[]"));
        assertEquals("s", ok("\"s\""));
        assertEquals(42L, ok("42"));
        assertEquals(-1.5, ok("-1.5"));
        assertEquals(Boolean.TRUE, ok("true"));
        assertEquals(Boolean.FALSE, ok("false"));
        assertNull(ok("null"));
    }

    @Test
    void valuesMapToTheseJavaTypes() {
        Object v = ok(q("{'o': {'k': 1}, 'a': [1, 'x'], 's': 'x', 'i': 7, 'big': 123456789012345678901, 'd': 0.5,"
                + " 't': true, 'n': null}"));
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        assertInstanceOf(Map.class, m.get("o"));
        assertInstanceOf(List.class, m.get("a"));
        assertInstanceOf(String.class, m.get("s"));
        assertInstanceOf(Long.class, m.get("i"));
        assertInstanceOf(BigInteger.class, m.get("big"));
        assertInstanceOf(Double.class, m.get("d"));
        assertInstanceOf(Boolean.class, m.get("t"));
        assertTrue(m.containsKey("n") && m.get("n") == null, "null is kept as a value");
        assertEquals(List.of("o", "a", "s", "i", "big", "d", "t", "n"), List.copyOf(m.keySet()), "insertion order");
    }

    @Test
    void whitespaceIsSpaceTabLineFeedAndCarriageReturnAroundAnyToken() {
        assertEquals(map("a", List.of(1L, 2L)), ok(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 \t\r\n, \n2 ] \r\n} \t\r\n"));
        assertEquals(List.of(), ok("[\n]"));
        assertEquals(map(), ok("{\r\n}"));
    }

    @Test
    void otherWhitespaceIsNotWhitespace() {
        bad("[1,\f2]", "unexpected character '\\u000c'", 3);
        bad("\u00a0[]", "unexpected character '\u00a0'", 0);
        bad("[1,\u2028 2]", "unexpected character", 3);
        bad("\u000b1", "unexpected character '\\u000b'", 0);
    }

    @Test
    void emptyAndBlankTextsAreNotJson() {
        bad("", "unexpected end of input", 0);
        bad(" \n\t", "unexpected end of input", 3);
    }

    @Test
    void contentAfterTheValueIsRefused() {
        bad("{} {}", "unexpected content after the JSON value", 3);
        bad("[1]]", "unexpected content after the JSON value", 3);
        bad("1 2", "unexpected content after the JSON value", 2);
        bad("truex", "unexpected content after the JSON value", 4);
        bad("null\u0000", "unexpected content after the JSON value", 4);
        bad("\"a\"\"b\"", "unexpected content after the JSON value", 3);
    }

    @Test
    void literalsAreLowerCaseAndWhole() {
        bad("True", "unexpected character 'T'", 0);
        bad("NULL", "unexpected character 'N'", 0);
        bad("tru", "unexpected token", 0);
        bad("[fals]", "unexpected token", 1);
        bad("nul", "unexpected token", 0);
    }

    // ---------------------------------------------------------------- 4. objects

    @Test
    void objectsEmptyNestedAndWithEveryValueType() {
        assertEquals(map(), ok("{}"));
        assertEquals(map("a", map("b", map("c", map()))), ok(q("{'a':{'b':{'c':{}}}}")));
        assertEquals(map("", 1L), ok(q("{'':1}")), "the empty string is a name");
        assertEquals(map("a b", List.of(map())), ok(q("{'a b':[{}]}")));
    }

    @Test
    void objectSyntaxErrors() {
        bad(q("{'a':1,}"), "expected a string key", 7);
        bad(q("{,}"), "expected a string key", 1);
        bad(q("{'a' 1}"), "expected ':' after key \"a\"", 5);
        bad(q("{'a':1 'b':2}"), "expected ',' or '}' in object", 7);
        bad(q("{'a':}"), "unexpected character '}'", 5);
        bad(q("{'a':1"), "expected ',' or '}' in object", 6);
        bad("{a:1}", "expected a string key", 1);
        bad("{1:1}", "expected a string key", 1);
        bad(q("{'a'::1}"), "unexpected character ':'", 5);
        bad("{", "expected a string key", 1);
    }

    @Test
    void duplicateNamesAreAnErrorNamingTheKey() {
        // RFC 8259 section 4: names SHOULD be unique and receivers differ on duplicates; here they are refused
        JsonException e = bad(q("{'a':1,'b':2,'a':3}"), "duplicate key \"a\"", 13);
        assertEquals("a", e.duplicateKey());
        assertEquals("a", bad(q("{'x':{'a':1,'a':1}}"), "duplicate key \"a\"").duplicateKey(), "in nested objects too");
        // equal after unescaping: "\u0061" is "a"
        assertEquals("a", bad(q("{'a':1,'\\u0061':2}"), "duplicate key \"a\"").duplicateKey());
        assertNull(bad("[1,]", "unexpected character").duplicateKey());
        assertEquals(map("a", map("a", 1L)), ok(q("{'a':{'a':1}}")), "the same name at two levels is no duplicate");
    }

    // ---------------------------------------------------------------- 5. arrays

    @Test
    void arraysEmptyNestedAndMixed() {
        assertEquals(List.of(), ok("[]"));
        assertEquals(List.of(List.of(List.of())), ok("[[[]]]"));
        assertEquals(java.util.Arrays.asList(1L, "a", null, true, map(), List.of()), ok(q("[1,'a',null,true,{},[]]")));
    }

    @Test
    void arraySyntaxErrorsAndTrailingCommas() {
        bad("[1,]", "unexpected character ']'", 3);
        bad("[,1]", "unexpected character ','", 1);
        bad("[1 2]", "expected ',' or ']' in array", 3);
        bad("[1,,2]", "unexpected character ','", 3);
        bad("[1", "expected ',' or ']' in array", 2);
        bad("[", "unexpected end of input", 1);
        bad("]", "unexpected character ']'", 0);
    }

    @Test
    void nestingIsLimitedToMaxDepth() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Object v = ok(ok);
        for (int i = 1; i < Json.MAX_DEPTH; i++) v = ((List<?>) v).get(0);
        assertEquals(List.of(), v, "512 nested arrays are read");
        String objects = "{\"a\":".repeat(Json.MAX_DEPTH - 1) + "{}" + "}".repeat(Json.MAX_DEPTH - 1);
        ok(objects);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        bad(deep, "arrays and objects nested deeper than 512", Json.MAX_DEPTH);
        bad("{\"a\":".repeat(Json.MAX_DEPTH) + "{}" + "}".repeat(Json.MAX_DEPTH), "nested deeper than 512");
        // a scalar inside 512 containers is fine: the limit is on containers
        ok("[".repeat(Json.MAX_DEPTH) + "1" + "]".repeat(Json.MAX_DEPTH));
        // a million brackets fail fast by the limit, not by the stack
        bad("[".repeat(1_000_000), "nested deeper than 512", Json.MAX_DEPTH);
    }

    // ---------------------------------------------------------------- 6. numbers

    @Test
    void integersAreLongsUntilTheyDoNotFit() {
        assertEquals(0L, ok("0"));
        assertEquals(-7L, ok("-7"));
        assertEquals(Long.MAX_VALUE, ok("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, ok("-9223372036854775808"));
        assertEquals(new BigInteger("9223372036854775808"), ok("9223372036854775808"));
        assertEquals(new BigInteger("-9223372036854775809"), ok("-9223372036854775809"));
    }

    @Test
    void fractionsAndExponentsAreDoubles() {
        assertEquals(0.5, ok("0.5"));
        assertEquals(100.0, ok("1e2"), "an exponent makes a double even when the value is whole");
        assertEquals(100.0, ok("1E2"));
        assertEquals(100.0, ok("1e+2"));
        assertEquals(0.01, ok("1e-2"));
        assertEquals(-12.5, ok("-1.25E1"));
        assertEquals(1.0, ok("1.0"));
        assertEquals(1.0, ok("0.1e1"));
        assertEquals(1e-7, ok("0.0000001"));
        assertEquals(Double.MAX_VALUE, ok("1.7976931348623157e308"));
        assertEquals(Double.MIN_VALUE, ok("4.9e-324"));
    }

    @Test
    void minusZero() {
        // an integer has no sign of zero; a double does (RFC 8259 leaves the meaning of -0 open)
        assertEquals(0L, ok("-0"));
        assertEquals(-0.0, (Double) ok("-0.0"), 0.0);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) ok("-0.0")), "-0.0 keeps its sign");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) ok("-0e5")));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) ok("-1e-400")));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits((Double) ok("0.0")));
        // and it survives writing: -0.0 was written as 0.0
        assertEquals("[-0.0,0.0]", Json.write(ok("[-0.0, 0.0]")));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) ((List<?>) ok(Json.write(List.of(-0.0)))).get(0)));
    }

    @Test
    void outOfRangeNumbers() {
        bad("1e400", "number out of range (beyond a 64-bit float): 1e400", 0);
        bad("[-1e400]", "number out of range", 1);
        bad("1.8e308", "number out of range");
        assertEquals(0.0, ok("1e-400"), "too small for a double: zero (an underflow, not an error)");
        // an exponent beyond an int: these were refused as out of range
        assertEquals(0.0, ok("1e-99999999999"), "negative: zero, as 1e-400");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) ok("-1e-99999999999")));
        assertEquals(0.0, ok("0e99999999999"), "zero digits: zero whatever the exponent");
        assertEquals(0.0, ok("0.000e+99999999999"));
        bad("1e99999999999", "number out of range", 0);
        bad("-0.01e99999999999", "number out of range", 0);
    }

    @Test
    void literalLengthLimit() {
        String longest = "1" + "0".repeat(Json.MAX_NUMBER_CHARS - 1);
        assertEquals(new BigInteger(longest), ok(longest));
        String fraction = "0." + "1".repeat(Json.MAX_NUMBER_CHARS - 2);
        assertInstanceOf(Double.class, ok(fraction));
        bad(longest + "0", "a number of 101 characters (at most 100)", 0);
        bad("[0." + "1".repeat(Json.MAX_NUMBER_CHARS) + "]", "a number of 102 characters", 1);
    }

    @Test
    void malformedNumbers() {
        bad("01", "unexpected content after the JSON value", 1);
        bad("[-01]", "expected ',' or ']' in array", 3);
        bad("[00]", "expected ',' or ']' in array", 2);
        bad("+1", "unexpected character '+'", 0);
        bad(".5", "unexpected character '.'", 0);
        bad("1.", "bad number: digit expected after '.'", 2);
        bad("1.e3", "bad number: digit expected after '.'", 2);
        bad("1e", "bad number: digit expected in exponent", 2);
        bad("1e+", "bad number: digit expected in exponent", 3);
        bad("-", "bad number", 1);
        bad("-a", "bad number", 1);
        bad("0x10", "unexpected content after the JSON value", 1);
        bad("1_000", "unexpected content after the JSON value", 1);
        bad("\uff11", "unexpected character", 0);
    }

    // ---------------------------------------------------------------- 7. strings

    @Test
    void everyEscape() {
        assertEquals("\" \\ / \b \f \n \r \t", ok("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
        assertEquals("/", ok("\"/\""), "a solidus needs no escape");
        assertEquals("\u00e9\u4e2d\u0000\u001f", ok("\"\\u00e9\\u4E2D\\u0000\\u001F\""), "hex digits of either case");
        assertEquals("a\"b", ok("\"a\\\"b\""));
    }

    @Test
    void invalidEscapes() {
        bad("\"\\x41\"", "bad escape '\\x'", 3);
        bad("\"\\'\"", "bad escape '\\''", 3);
        bad("\"\\U0041\"", "bad escape '\\U'", 3);
        bad("\"\\a\"", "bad escape '\\a'", 3);
        bad("\"\\", "unterminated escape", 2);
        bad("[\"\\u12\", 1]", "bad \\u escape: '\"' is not a hex digit", 4);
        bad("\"\\u12\"", "truncated \\u escape", 3);
        bad("\"\\u12G4\"", "bad \\u escape: 'G' is not a hex digit", 3);
        bad("\"\\u-123\"", "bad \\u escape", 3);
        // Character.digit took these for hex digits: Arabic-Indic digits, fullwidth letters
        bad("\"\\u\u0660\u0660\u0664\u0661\"", "bad \\u escape", 3);
        bad("\"\\u00\uff21\uff21\"", "bad \\u escape", 3);
    }

    @Test
    void rawControlCharactersAreRefusedInStrings() {
        for (char c = 0; c < 0x20; c++) {
            bad("\"a" + c + "b\"", "control character in string", 2);
        }
        assertEquals("\u007f", ok("\"\u007f\""), "DEL is no control character to RFC 8259");
        assertEquals("a\tb", ok("\"a\\tb\""), "escaped, they are fine");
    }

    @Test
    void surrogatePairsAndUnpairedSurrogates() {
        assertEquals("\uD83D\uDE00", ok("\"\\ud83d\\ude00\""), "an escaped pair is one character, U+1F600");
        assertEquals(0x1F600, ((String) ok("\"\\uD83D\\uDE00\"")).codePointAt(0));
        assertEquals("\uD83D\uDE00", ok("\"\uD83D\uDE00\""), "a raw pair");
        // RFC 8259 section 8.2: unpredictable; RFC 7493 (I-JSON) and serde_json: an error
        bad("\"\\ud83d\"", "unpaired surrogate \\ud83d", 7);
        bad("\"\\ud83dx\"", "unpaired surrogate \\ud83d", 7);
        bad("\"\\ud83d\\n\"", "unpaired surrogate \\ud83d", 7);
        bad("\"\\ud83d\\u0041\"", "unpaired surrogate \\ud83d (followed by \\u0041)", 13);
        bad("\"\\ude00\"", "unpaired surrogate \\ude00", 7);
        bad("\"\\ude00\\ud83d\"", "unpaired surrogate \\ude00", 7);
        bad("\"\\ud83d\\ud83d\"", "unpaired surrogate \\ud83d (followed by \\ud83d)", 13);
        bad("\"\uD83D\"", "unpaired surrogate U+D83D", 1);
        bad("\"\uDE00\uD83D\"", "unpaired surrogate U+DE00", 1);
        bad("\"a\uD83D", "unpaired surrogate U+D83D", 2);
    }

    @Test
    void unterminatedStrings() {
        bad("\"abc", "unterminated string", 4);
        bad("[\"a]", "unterminated string", 4);
        bad("{\"a", "unterminated string", 3);
    }

    @Test
    void nonAsciiTextIsKeptAsItIs() {
        assertEquals(map("caf\u00e9", "\u4e2d\u6587 \uD83D\uDE00"), ok("{\"caf\u00e9\": \"\u4e2d\u6587 \uD83D\uDE00\"}"));
    }

    // ---------------------------------------------------------------- 8. encoding

    @Test
    void aByteOrderMarkIsRefusedWithAMessageThatSaysSo() {
        // RFC 8259 section 8.1: a parser MAY ignore it; serde_json (the safetensors reference) and Python's json refuse it
        bad("\uFEFF{}", "a byte order mark (U+FEFF) before the JSON text", 0);
        bad("[\uFEFF1]", "unexpected character '\uFEFF'", 1);
        assertEquals("\uFEFF", ok("\"\uFEFF\""), "inside a string it is a character like any other");
    }

    // ---------------------------------------------------------------- not JSON

    @Test
    void whatOtherFormatsAllowIsRefused() {
        bad("NaN", "unexpected character 'N'", 0);
        bad("[Infinity]", "unexpected character 'I'", 1);
        bad("-Infinity", "bad number", 1);
        bad("{'a': 1}", "expected a string key", 1);
        bad("['a']", "unexpected character '''", 1);
        bad("{\"a\": 1 // comment\n}", "expected ',' or '}' in object", 8);
        bad("/* c */ {}", "unexpected character '/'", 0);
        bad("# c\n{}", "unexpected character '#'", 0);
        bad("{\"a\": undefined}", "unexpected character 'u'", 6);
        bad("[1, 2, ]", "unexpected character ']'", 7);
        bad("{\"a\": 0xFF}", "expected ',' or '}' in object", 7);
        bad("\"multi\nline\"", "control character in string", 6);
    }

    // ---------------------------------------------------------------- parseObject, write

    @Test
    void parseObjectWantsAnObject() {
        assertEquals(map("a", 1L), Json.parseObject("{\"a\":1}"));
        JsonException e = assertThrows(JsonException.class, () -> Json.parseObject("[1]"));
        assertTrue(e.getMessage().contains("expected a JSON object, found an array"), e.getMessage());
    }

    @Test
    void writtenTextReadsBackAsTheSameValue() {
        Object v = ok(q("{'s': 'a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u00e9\\ud83d\\ude00', 'n': [0, -0.0, 1.5, 1e300, 4.9e-324,"
                + " 12345678901234567890, -9223372036854775808, 1e15, 123456789012345.0], 'b': [true, false, null], 'o': {}}"));
        assertEquals(v, Json.parse(Json.write(v)));
        assertEquals(v, Json.parse(Json.writePretty(v)));
    }
}
