package dev.isthmus.formats.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON (RFC 8259) reader and writer. Values map to {@code Map<String,Object>} (insertion-ordered),
 * {@code List<Object>}, {@code String}, {@code Long} (integers that fit), {@code BigInteger} (larger integers),
 * {@code Double}, {@code Boolean} and {@code null}. Duplicate keys in an object are an error, reported with the key
 * (the safetensors reference rejects them, and a spec with two values for one argument is ambiguous).
 *
 * <p>Where RFC 8259 leaves a choice, the reader takes the strict one, as the safetensors reference's parser
 * (serde_json) and Python's {@code json} do: a byte order mark before the text is refused (section 8.1 allows
 * ignoring it), and so is an unpaired surrogate, escaped ({@code "\ud800"}) or raw, which no UTF-8 can carry
 * (section 8.2; RFC 7493 forbids it). Numbers: {@code -0} is the integer 0, {@code -0.0} the double −0.0; a literal
 * longer than {@link #MAX_NUMBER_CHARS} characters or beyond a double ({@code 1e400}) is refused, one too small for a
 * double is 0.0 with its sign ({@code 1e-400}). Arrays and objects nest at most {@link #MAX_DEPTH} deep. Whitespace is
 * space, tab, CR and LF only. Errors are {@link JsonException}s with the offset.
 *
 * <p>Why not a library: no dependency for the one format every model file starts with, and limits (depth, literal
 * length) built into the reader rather than configured on it. Measured against Jackson: see {@code docs/reliability.md}.
 */
public final class Json {
    private final String text;
    private int pos;

    /**
     * The longest number literal read (real files' numbers have under 30 characters): parsing a million digits took
     * 15–19 s (BigInteger and BigDecimal are quadratic in length) and the error repeated them all.
     */
    static final int MAX_NUMBER_CHARS = 100;

    /** The key whose value is being read (null at the top level), for messages about numbers. */
    private String key;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON value that must span the whole text (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected content after the JSON value");
        return v;
    }

    /** Parses a JSON object; anything else is an error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new JsonException("expected a JSON object, found " + typeName(v), 0);
        return (Map<String, Object>) v;
    }

    /** A short name of a JSON value's type, for messages. */
    public static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Number) return "a number";
        return v.getClass().getSimpleName();
    }

    /** The deepest nesting of arrays and objects read: a value inside 512 of them is read, a 513th is refused. */
    static final int MAX_DEPTH = 512;

    /** Reads the value at {@code pos}, inside {@code depth} arrays and objects. */
    private Object value(int depth) {
        if (pos >= text.length()) throw error("unexpected end of input");
        char c = text.charAt(pos);
        if ((c == '{' || c == '[') && depth >= MAX_DEPTH) {
            throw error("arrays and objects nested deeper than " + MAX_DEPTH);
        }
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                expectWord("true");
                return Boolean.TRUE;
            case 'f':
                expectWord("false");
                return Boolean.FALSE;
            case 'n':
                expectWord("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                if (c == '\uFEFF' && pos == 0) {
                    throw error("a byte order mark (U+FEFF) before the JSON text (RFC 8259 section 8.1: save it as UTF-8 "
                            + "without a BOM)");
                }
                throw error("unexpected character '" + printable(c) + "'");
        }
    }

    private Map<String, Object> object(int depth) {
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') throw error("expected a string key");
            int keyPos = pos;
            String key = string();
            skipWs();
            if (peek() != ':') throw error("expected ':' after key \"" + key + "\"");
            pos++;
            skipWs();
            this.key = key;
            Object v = value(depth + 1);
            if (m.containsKey(key)) {
                throw new JsonException("duplicate key \"" + key + "\"", keyPos, key);
            }
            m.put(key, v);
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return m;
            } else {
                throw error("expected ',' or '}' in object");
            }
        }
    }

    private List<Object> array(int depth) {
        pos++; // [
        List<Object> l = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return l;
        }
        while (true) {
            skipWs();
            l.add(value(depth + 1));
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return l;
            } else {
                throw error("expected ',' or ']' in array");
            }
        }
    }

    private String string() {
        pos++; // "
        StringBuilder b = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos);
            if (c == '"') {
                String s = b == null ? text.substring(start, pos) : b.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) throw error("control character in string");
            if (Character.isSurrogate(c)) {
                // a raw surrogate in the text (it did not come from UTF-8, which cannot encode a lone one)
                if (!Character.isHighSurrogate(c) || pos + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(pos + 1))) {
                    throw error("unpaired surrogate U+" + String.format("%04X", (int) c) + " in string");
                }
                pos += 2;
                continue;
            }
            if (c == '\\') {
                if (b == null) b = new StringBuilder();
                b.append(text, start, pos);
                pos++;
                if (pos >= text.length()) throw error("unterminated escape");
                char e = text.charAt(pos++);
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        char u = hex4();
                        if (Character.isHighSurrogate(u)) {
                            // must be followed by the escaped low half: \ud83d\ude00 is one character, U+1F600
                            if (!text.startsWith("\\u", pos)) throw error("unpaired surrogate \\u" + String.format("%04x", (int) u));
                            pos += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) {
                                throw error("unpaired surrogate \\u" + String.format("%04x", (int) u) + " (followed by \\u"
                                        + String.format("%04x", (int) low) + ")");
                            }
                            b.append(u).append(low);
                        } else if (Character.isLowSurrogate(u)) {
                            throw error("unpaired surrogate \\u" + String.format("%04x", (int) u));
                        } else {
                            b.append(u);
                        }
                    }
                    default -> throw error("bad escape '\\" + printable(e) + "'");
                }
                start = pos;
            } else {
                pos++;
            }
        }
    }

    /**
     * The four hex digits of a {@code \\u} escape at {@code pos}, as a char. ASCII digits only:
     * {@link Character#digit} also takes other scripts' digits and fullwidth letters.
     */
    private char hex4() {
        if (pos + 4 > text.length()) throw error("truncated \\u escape");
        int cp = 0;
        for (int i = 0; i < 4; i++) {
            char h = text.charAt(pos + i);
            int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0) throw error("bad \\u escape: '" + printable(h) + "' is not a hex digit");
            cp = cp * 16 + d;
        }
        pos += 4;
        return (char) cp;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') pos++;
        } else {
            throw error("bad number");
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("bad number: digit expected after '.'");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("bad number: digit expected in exponent");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        int length = pos - start;
        if (length > MAX_NUMBER_CHARS) {
            throw numberError("a number of " + length + " characters (at most " + MAX_NUMBER_CHARS + "): "
                    + text.substring(start, start + 20) + "…", start);
        }
        String s = text.substring(start, pos);
        if (integer) {
            BigInteger bi = new BigInteger(s);
            return bi.bitLength() < 64 ? (Object) bi.longValue() : bi;
        }
        double d;
        try {
            d = new BigDecimal(s).doubleValue();
        } catch (NumberFormatException e) {
            // an exponent beyond an int: 1e99999999999 is beyond a double, but 1e-99999999999 and 0e99999999999 are
            // zero (they were refused as out of range while 1e-400 read as 0.0)
            int exp = Math.max(s.indexOf('e'), s.indexOf('E'));
            boolean zeroDigits = s.substring(0, exp).chars().noneMatch(ch -> ch >= '1' && ch <= '9');
            d = zeroDigits || s.charAt(exp + 1) == '-' ? 0.0 : Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(d)) throw numberError("number out of range (beyond a 64-bit float): " + s, start);
        // BigDecimal has no negative zero: -0.0 read as 0.0 while -1e-400 (an underflow) read as -0.0
        if (d == 0 && s.charAt(0) == '-') d = -0.0;
        return d;
    }

    private JsonException numberError(String msg, int at) {
        return new JsonException(key == null ? msg : msg + " (key \"" + key + "\")", at);
    }

    private void expectWord(String w) {
        if (!text.startsWith(w, pos)) throw error("unexpected token");
        pos += w.length();
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWs() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private static String printable(char c) {
        return c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private JsonException error(String msg) {
        return new JsonException(msg, pos);
    }

    // ---------------------------------------------------------------- writing

    /** Serialises a value (as produced by {@link #parse}, or any Number/CharSequence/Map/Iterable/array of those). */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, -1, 0);
        return b.toString();
    }

    /** Serialises with two-space indentation. */
    public static String writePretty(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 2, 0);
        return b.toString();
    }

    private static void newline(StringBuilder b, int indent, int level) {
        if (indent < 0) return;
        b.append('\n');
        b.append(" ".repeat(indent * level));
    }

    private static void write(StringBuilder b, Object v, int indent, int level) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof CharSequence s) {
            quote(b, s.toString());
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) throw new IllegalArgumentException("JSON cannot hold " + d);
            // -0.0 keeps its sign (d.longValue() is 0): written as 0.0 it read back as another number
            b.append(d == Math.rint(d) && Math.abs(d) < 1e15 && d != 0 ? Long.toString(d.longValue()) + ".0" : d.toString());
        } else if (v instanceof Float f) {
            write(b, f.doubleValue(), indent, level);
        } else if (v instanceof Number n) {
            b.append(n);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                newline(b, indent, level + 1);
                quote(b, String.valueOf(e.getKey()));
                b.append(indent < 0 ? ":" : ": ");
                write(b, e.getValue(), indent, level + 1);
            }
            if (!m.isEmpty()) newline(b, indent, level);
            b.append('}');
        } else if (v instanceof Iterable<?> it) {
            b.append('[');
            boolean first = true;
            for (Object o : it) {
                if (!first) b.append(indent < 0 ? "," : ", ");
                first = false;
                write(b, o, -1, level + 1);
            }
            b.append(']');
        } else if (v instanceof long[] a) {
            List<Object> l = new ArrayList<>();
            for (long x : a) l.add(x);
            write(b, l, indent, level);
        } else if (v instanceof float[] a) {
            List<Object> l = new ArrayList<>();
            for (float x : a) l.add((double) x);
            write(b, l, indent, level);
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** A JSON string literal for {@code s}. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder();
        quote(b, s);
        return b.toString();
    }
}
