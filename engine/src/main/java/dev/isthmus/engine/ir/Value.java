package dev.isthmus.engine.ir;

/**
 * A named value of the graph: a model input, a constant, or a result of a node. Its {@link #type()} is what the
 * model's declared input shapes imply ({@code -1} where a dimension depends on the input).
 */
public final class Value {
    private final String name;
    private ValueType type;
    private Node producer;

    public Value(String name, ValueType type) {
        this.name = name;
        this.type = type;
    }

    public String name() {
        return name;
    }

    /** The inferred type, or null when inference failed for its producer (already reported). */
    public ValueType type() {
        return type;
    }

    void setType(ValueType t) {
        type = t;
    }

    /** The node computing this value, or null for a model input. */
    public Node producer() {
        return producer;
    }

    void setProducer(Node n) {
        producer = n;
    }

    @Override
    public String toString() {
        return name + (type == null ? "" : ": " + type);
    }
}
