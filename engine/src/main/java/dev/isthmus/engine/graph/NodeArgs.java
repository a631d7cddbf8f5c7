package dev.isthmus.engine.graph;

import dev.isthmus.engine.spec.NodeSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a node's constructor arguments with PyTorch's names and defaults, and remembers which were read so that
 * unknown arguments can be reported. Errors are {@link IllegalArgumentException}s naming the argument.
 */
public final class NodeArgs {
    private final NodeSpec node;
    private final Map<String, Object> args;
    private final Set<String> seen = new HashSet<>();

    public NodeArgs(NodeSpec node) {
        this.node = node;
        this.args = node.args();
    }

    public NodeSpec node() {
        return node;
    }

    public boolean has(String key) {
        seen.add(key);
        return args.containsKey(key) && args.get(key) != null;
    }

    /** Declares arguments PyTorch accepts that don't matter for inference (dropout, inplace, device, ...). */
    public void ignore(String... keys) {
        seen.addAll(List.of(keys));
    }

    /** Arguments given in the spec that no reader asked for. */
    public List<String> unknown() {
        List<String> out = new ArrayList<>();
        for (String k : args.keySet()) if (!seen.contains(k)) out.add(k);
        return out;
    }

    public Object raw(String key) {
        seen.add(key);
        return args.get(key);
    }

    public int integer(String key, int def) {
        Object v = raw(key);
        if (v == null) return def;
        return toInt(key, v);
    }

    public int requiredInt(String key) {
        Object v = raw(key);
        if (v == null) throw new IllegalArgumentException("missing required argument '" + key + "'");
        return toInt(key, v);
    }

    /** An int or a pair of ints (list of two), as PyTorch's {@code _pair}. */
    public int[] pair(String key, int[] def) {
        Object v = raw(key);
        if (v == null) return def == null ? null : def.clone();
        return toPair(key, v);
    }

    public int[] requiredPair(String key) {
        int[] p = pair(key, null);
        if (p == null) throw new IllegalArgumentException("missing required argument '" + key + "'");
        return p;
    }

    public boolean bool(String key, boolean def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("argument '" + key + "' must be true or false, got " + v);
    }

    public double number(String key, double def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("argument '" + key + "' must be a number, got " + v);
    }

    public String string(String key, String def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("argument '" + key + "' must be a string, got " + v);
    }

    /** A string argument restricted to {@code allowed}. */
    public String choice(String key, String def, String... allowed) {
        String s = string(key, def);
        for (String a : allowed) if (a.equals(s)) return s;
        throw new IllegalArgumentException("argument '" + key + "' must be one of " + String.join(", ", allowed) + ", got '" + s + "'");
    }

    /** A list of ints, or one int as a list of one. */
    public int[] ints(String key) {
        Object v = raw(key);
        if (v == null) return null;
        if (v instanceof Number) return new int[]{toInt(key, v)};
        if (v instanceof List<?> l) {
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = toInt(key, l.get(i));
            return out;
        }
        throw new IllegalArgumentException("argument '" + key + "' must be an int or a list of ints, got " + v);
    }

    /** A nested object argument (e.g. TransformerEncoder's {@code encoder_layer}). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key) {
        Object v = raw(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException("argument '" + key + "' must be an object, got " + v);
    }

    /** Converts one JSON value of argument {@code key} to an int. */
    public int intValue(String key, Object v) {
        return toInt(key, v);
    }

    static int toInt(String key, Object v) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
        if (v instanceof Integer i) return i;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
        throw new IllegalArgumentException("argument '" + key + "' must be an integer, got " + v);
    }

    static int[] toPair(String key, Object v) {
        if (v instanceof Number) {
            int x = toInt(key, v);
            return new int[]{x, x};
        }
        if (v instanceof List<?> l && l.size() == 2) {
            return new int[]{toInt(key, l.get(0)), toInt(key, l.get(1))};
        }
        if (v instanceof List<?> l && l.size() == 1) {
            int x = toInt(key, l.get(0));
            return new int[]{x, x};
        }
        throw new IllegalArgumentException("argument '" + key + "' must be an int or a pair of ints, got " + v);
    }
}
