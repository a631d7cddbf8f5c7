package dev.isthmus.engine.spec;

import java.util.List;
import java.util.Map;

/**
 * An {@code isthmus/1} model spec: inputs, nodes (PyTorch modules), optional named outputs and class labels.
 *
 * @param outputs names of the values the model returns; empty = the last node's first result
 * @param labels  class names for the last dimension of the first output, or empty
 * @param extras  other top-level keys, kept for tools
 */
public record ModelSpec(String format, List<InputSpec> inputs, List<NodeSpec> nodes, List<String> outputs,
                        List<String> labels, Map<String, Object> extras) {
    public static final String FORMAT = "isthmus/1";

    public ModelSpec {
        inputs = List.copyOf(inputs);
        nodes = List.copyOf(nodes);
        outputs = List.copyOf(outputs);
        labels = List.copyOf(labels);
        extras = extras == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extras));
    }
}
