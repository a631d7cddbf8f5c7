package dev.isthmus.engine.ir;

import dev.isthmus.engine.spec.NodeSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's arguments as the spec gives them, read with PyTorch's names and defaults. Remembers which were read so
 * that unknown arguments can be reported. A reference {@code {"ref": "v"}} to a size value reads as a {@link Ref}
 * to the node input that the frontend added for it. Errors are {@link IllegalArgumentException}s naming the argument.
 */
public final class OpArgs {
    /** An argument that is a size value: the node's input number {@code input}. */
    public record Ref(int input) {
    }

    private final NodeSpec node;
    private final Map<String, Object> args;
    private final List<String> refs;
    private final int explicitInputs;
    private final Set<String> seen = new HashSet<>();

    /**
     * @param refs           the values referenced in the arguments, in the order the frontend appended them as inputs
     * @param explicitInputs how many inputs the spec lists before those
     */
    public OpArgs(NodeSpec node, List<String> refs, int explicitInputs) {
        this.node = node;
        this.args = node.args();
        this.refs = List.copyOf(refs);
        this.explicitInputs = explicitInputs;
    }

    /** Arguments of a node with no references. */
    public OpArgs(NodeSpec node) {
        this(node, List.of(), node.inputs().size());
    }

    /** Arguments read from a nested object (e.g. TransformerEncoder's {@code encoder_layer}) of the same node. */
    public OpArgs nested(String prefix, Map<String, Object> nestedArgs) {
        NodeSpec n = new NodeSpec(node.index(), node.op(), node.param(prefix), List.of(), List.of(), nestedArgs);
        return new OpArgs(n);
    }

    public NodeSpec node() {
        return node;
    }

    /** How messages name the node. */
    public String label() {
        return node.label();
    }

    /** The state-dict key of a parameter of this module, e.g. {@code conv1.weight}. */
    public String param(String suffix) {
        return node.param(suffix);
    }

    /** The inputs the spec lists (the references' inputs come after them). */
    public int explicitInputs() {
        return explicitInputs;
    }

    public boolean has(String key) {
        seen.add(key);
        return args.containsKey(key) && args.get(key) != null;
    }

    /** Declares arguments PyTorch accepts that don't matter for inference (dropout, inplace, device, ...). */
    public void ignore(String... keys) {
        seen.addAll(List.of(keys));
    }

    /** The arguments the op's reader asked for (given or not): the names the op knows. */
    public Set<String> asked() {
        return java.util.Collections.unmodifiableSet(seen);
    }

    /** Arguments given in the spec that no reader asked for. */
    public List<String> unknown() {
        List<String> out = new ArrayList<>();
        for (String k : args.keySet()) if (!seen.contains(k)) out.add(k);
        return out;
    }

    /** The argument as given, with references turned into {@link Ref}s. */
    public Object raw(String key) {
        seen.add(key);
        return resolve(args.get(key));
    }

    private Object resolve(Object v) {
        if (v instanceof Map<?, ?> m && m.size() == 1 && m.get("ref") instanceof String name) {
            int i = refs.indexOf(name);
            if (i < 0) throw new IllegalStateException("reference to '" + name + "' was not collected");
            return new Ref(explicitInputs + i);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(resolve(o));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, resolve(x)));
            return out;
        }
        return v;
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
        return tuple(key, def, 2);
    }

    public int[] requiredPair(String key) {
        int[] p = pair(key, null);
        if (p == null) throw new IllegalArgumentException("missing required argument '" + key + "'");
        return p;
    }

    /** An int or a tuple of {@code n} ints (PyTorch's {@code _single}, {@code _pair}); a list of one repeats. */
    public int[] tuple(String key, int[] def, int n) {
        Object v = raw(key);
        if (v == null) return def == null ? null : def.clone();
        if (v instanceof Number) {
            int x = toInt(key, v);
            int[] out = new int[n];
            java.util.Arrays.fill(out, x);
            return out;
        }
        if (v instanceof List<?> l && (l.size() == n || l.size() == 1)) {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = toInt(key, l.get(l.size() == 1 ? 0 : i));
            return out;
        }
        throw new IllegalArgumentException("argument '" + key + "' must be an int or " + (n == 1 ? "a list of one int" : "a list of " + n + " ints")
                + ", got " + show(v));
    }

    public boolean bool(String key, boolean def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException("argument '" + key + "' must be true or false, got " + show(v));
    }

    public double number(String key, double def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("argument '" + key + "' must be a number, got " + show(v));
    }

    public String string(String key, String def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("argument '" + key + "' must be a string, got " + show(v));
    }

    /** A string argument restricted to {@code allowed}. */
    public String choice(String key, String def, String... allowed) {
        String s = string(key, def);
        for (String a : allowed) if (a.equals(s)) return s;
        throw new IllegalArgumentException("argument '" + key + "' must be one of " + String.join(", ", allowed) + ", got '" + s + "'");
    }

    /** A list of ints, or one int as a list of one; null when absent. */
    public int[] ints(String key) {
        Object v = raw(key);
        if (v == null) return null;
        if (v instanceof Number) return new int[]{toInt(key, v)};
        if (v instanceof List<?> l) {
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = toInt(key, l.get(i));
            return out;
        }
        throw new IllegalArgumentException("argument '" + key + "' must be an int or a list of ints, got " + show(v));
    }

    /** A nested object argument (e.g. TransformerEncoder's {@code encoder_layer}). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key) {
        seen.add(key);
        Object v = args.get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException("argument '" + key + "' must be an object, got " + show(v));
    }

    /** Converts one JSON value of argument {@code key} to an int. */
    public int intValue(String key, Object v) {
        return toInt(key, v);
    }

    static int toInt(String key, Object v) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
        if (v instanceof Integer i) return i;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
        throw new IllegalArgumentException("argument '" + key + "' must be an integer, got " + show(v));
    }

    /** An argument's value for messages, as JSON: strings quoted ({@code "4"} is not {@code 4}), references named. */
    public static String show(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof Ref) return "a reference to a size value";
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : l) b.append(b.length() > 1 ? ", " : "").append(show(o));
            return b.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            m.forEach((k, o) -> b.append(b.length() > 1 ? ", " : "").append(show(k)).append(": ").append(show(o)));
            return b.append('}').toString();
        }
        return String.valueOf(v);
    }

    /** Every {@code {"ref": name}} inside {@code v}, in order of appearance. */
    public static void collectRefs(Object v, List<String> into) {
        if (v instanceof Map<?, ?> m && m.size() == 1 && m.get("ref") instanceof String name) {
            if (!into.contains(name)) into.add(name);
        } else if (v instanceof List<?> l) {
            for (Object o : l) collectRefs(o, into);
        } else if (v instanceof Map<?, ?> m) {
            for (Object o : m.values()) collectRefs(o, into);
        }
    }
}
