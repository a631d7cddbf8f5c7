package dev.isthmus.engine.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of an {@code isthmus/1} spec: a PyTorch module.
 *
 * @param index   position in the spec's node list (0-based)
 * @param op      the {@code torch.nn} class name, e.g. {@code Conv2d}
 * @param name    the module's prefix in the state dict, or null for weightless modules
 * @param inputs  names of the values it consumes; empty = the previous node's first result
 * @param outputs names it gives its results; empty = automatic names
 * @param args    the constructor arguments, PyTorch names, JSON values
 */
public record NodeSpec(int index, String op, String name, List<String> inputs, List<String> outputs, Map<String, Object> args) {
    public NodeSpec {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
    }

    /** How errors name this node: {@code node 3 'conv2' (Conv2d)}. */
    public String label() {
        return "node " + index + (name != null ? " '" + name + "'" : "") + " (" + op + ")";
    }

    /** The state-dict key of a parameter of this module, e.g. {@code conv1.weight}. */
    public String param(String suffix) {
        return name == null || name.isEmpty() ? suffix : name + "." + suffix;
    }
}
