package dev.isthmus.formats.spec;

import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@code isthmus/2} spec node by node, for frontends that lower another format (a Hugging Face config) into
 * the general graph: each call appends a node and returns the name of its result.
 */
public final class SpecBuilder {
    private final List<InputSpec> inputs = new ArrayList<>();
    private final List<NodeSpec> nodes = new ArrayList<>();

    /** Declares an input. */
    public SpecBuilder input(InputSpec in) {
        inputs.add(in);
        return this;
    }

    /** Appends a node with one result named {@code output}; returns {@code output}. */
    public String node(String op, String name, List<String> in, String output, Map<String, Object> args) {
        nodes.add(new NodeSpec(nodes.size(), op, name, in, List.of(output), args));
        return output;
    }

    /** A weightless function node. */
    public String fn(String op, List<String> in, String output, Object... kv) {
        return node(op, null, in, output, args(kv));
    }

    /** A module node named by its state-dict prefix. */
    public String module(String op, String name, String in, String output, Object... kv) {
        return node(op, name, List.of(in), output, args(kv));
    }

    /** A map of key, value, key, value, ... in order. */
    public static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** A reference to a size value, for arguments. */
    public static Map<String, Object> ref(String value) {
        return Map.of("ref", value);
    }

    /** A slice index item. */
    public static Map<String, Object> slice(Object start, Object stop, Object step) {
        List<Object> s = new ArrayList<>();
        s.add(start);
        s.add(stop);
        s.add(step);
        return Map.of("slice", s);
    }

    /** The spec. */
    public ModelSpec build(List<String> outputs, List<String> labels, Map<String, Object> extras) {
        return new ModelSpec("isthmus/2", inputs, nodes, outputs, labels, extras);
    }
}
