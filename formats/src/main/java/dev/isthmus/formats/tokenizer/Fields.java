package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.json.Json;

import java.util.List;
import java.util.Map;

/** Typed reads of {@code tokenizer.json}'s values; every error names the file, the JSON path and the rule. */
final class Fields {
    static final String RULE = "tokenizer-json";

    final String file;

    Fields(String file) {
        this.file = file;
    }

    ModelFormatException error(String path, String detail) {
        return error(path, RULE, detail);
    }

    ModelFormatException error(String path, String rule, String detail) {
        return new ModelFormatException(file, null, rule, path + ": " + detail);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(Object v, String path) {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error(path, "expected an object, found " + Json.typeName(v));
    }

    @SuppressWarnings("unchecked")
    List<Object> list(Object v, String path) {
        if (v instanceof List<?> l) return (List<Object>) l;
        throw error(path, "expected an array, found " + Json.typeName(v));
    }

    String string(Object v, String path) {
        if (v instanceof String s) return s;
        throw error(path, "expected a string, found " + Json.typeName(v));
    }

    /** The string at {@code key}; {@code fallback} when it is absent or null (an error when that is null too). */
    String string(Map<String, Object> m, String key, String path, String fallback) {
        Object v = m.get(key);
        if (v == null) {
            if (fallback != null) return fallback;
            throw error(path + "." + key, "missing");
        }
        return string(v, path + "." + key);
    }

    boolean bool(Map<String, Object> m, String key, String path, boolean fallback) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw error(path + "." + key, "expected true or false, found " + Json.typeName(v));
    }

    /** A token id: an integer in [0, 2^31). */
    int id(Object v, String path) {
        if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) return (int) (long) l;
        throw error(path, "tokenizer-id", "expected a token id (an integer from 0 to " + Integer.MAX_VALUE + "), found "
                + (v instanceof Number ? v : Json.typeName(v)));
    }

    /** A count: an integer in [min, max]. */
    long integer(Map<String, Object> m, String key, String path, long fallback, long min, long max) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (v instanceof Long l && l >= min && l <= max) return l;
        throw error(path + "." + key, "expected an integer from " + min + " to " + max + ", found "
                + (v instanceof Number ? v : Json.typeName(v)));
    }

    /** The value of {@code key} in {@code options}, named in the message with the accepted ones when it is another. */
    <T> T choice(String value, Map<String, T> options, String path) {
        T t = options.get(value);
        if (t == null) throw error(path, "tokenizer-unsupported", "'" + value + "' is not supported (supported: "
                + String.join(", ", options.keySet()) + ")");
        return t;
    }
}
