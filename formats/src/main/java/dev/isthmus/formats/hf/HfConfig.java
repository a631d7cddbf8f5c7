package dev.isthmus.formats.hf;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.TextFiles;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.json.JsonException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Hugging Face {@code config.json}: typed reads with HF's defaults for absent keys; a value of the wrong type is a
 * {@link ModelFormatException} naming the file and the key.
 */
public final class HfConfig {
    private final Map<String, Object> json;
    private final String source;

    public HfConfig(Map<String, Object> json, String source) {
        this.json = Map.copyOf(nonNull(json));
        this.source = source;
    }

    private static Map<String, Object> nonNull(Map<String, Object> m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v != null) out.put(k, v);
        });
        return out;
    }

    /** Reads and parses {@code file}. */
    public static HfConfig read(Path file) {
        String text = TextFiles.readUtf8(file);
        try {
            return new HfConfig(Json.parseObject(text), file.toString());
        } catch (JsonException e) {
            throw new ModelFormatException(file.toString(), null, "hf-config", "not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The file, for messages. */
    public String source() {
        return source;
    }

    public boolean has(String key) {
        return json.containsKey(key);
    }

    /** A {@link ModelFormatException} about this config. */
    public ModelFormatException error(String rule, String detail) {
        return new ModelFormatException(source, null, rule, detail);
    }

    public int integer(String key, int def) {
        Object v = json.get(key);
        if (v == null) return def;
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
        throw error("hf-config", "\"" + key + "\" must be an integer, found " + Json.typeName(v) + " (" + v + ")");
    }

    public double number(String key, double def) {
        Object v = json.get(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.doubleValue();
        throw error("hf-config", "\"" + key + "\" must be a number, found " + Json.typeName(v));
    }

    public String string(String key, String def) {
        Object v = json.get(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw error("hf-config", "\"" + key + "\" must be a string, found " + Json.typeName(v));
    }

    public boolean bool(String key, boolean def) {
        Object v = json.get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw error("hf-config", "\"" + key + "\" must be true or false, found " + Json.typeName(v));
    }

    /** {@code architectures}: a list of class names, or empty when absent. */
    public List<String> architectures() {
        Object v = json.get("architectures");
        if (v == null) return List.of();
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) throw error("hf-config", "\"architectures\" must be a list of class names");
                out.add(s);
            }
            return out;
        }
        throw error("hf-config", "\"architectures\" must be a list of class names, found " + Json.typeName(v));
    }

    /**
     * The class names of {@code id2label} ordered by id, which must be 0..n−1; absent: {@code num_labels} (default 2)
     * names {@code LABEL_i}, as HF does.
     */
    public List<String> labels() {
        Object v = json.get("id2label");
        if (v == null) {
            int n = integer("num_labels", 2);
            if (n <= 0) throw error("hf-config", "\"num_labels\" must be positive, found " + n);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add("LABEL_" + i);
            return out;
        }
        if (!(v instanceof Map<?, ?> m) || m.isEmpty()) throw error("hf-config", "\"id2label\" must be a non-empty object {\"0\": \"label\", ...}");
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = (String) e.getKey();
            int id;
            try {
                id = Integer.parseInt(k.trim());
            } catch (NumberFormatException ex) {
                throw error("hf-config", "\"id2label\" key '" + k + "' is not a class id");
            }
            if (!(e.getValue() instanceof String label)) throw error("hf-config", "\"id2label\"[" + k + "] must be a string");
            if (byId.put(id, label) != null) throw error("hf-config", "\"id2label\" gives class id " + id + " twice");
        }
        if (byId.firstKey() != 0 || byId.lastKey() != byId.size() - 1) {
            throw error("hf-config", "\"id2label\" ids must be 0.." + (byId.size() - 1) + ", found " + byId.keySet());
        }
        int n = integer("num_labels", byId.size());
        if (n != byId.size()) throw error("hf-config", "\"num_labels\" is " + n + " but \"id2label\" names " + byId.size() + " classes");
        return List.copyOf(byId.values());
    }
}
