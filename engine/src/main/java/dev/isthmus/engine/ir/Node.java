package dev.isthmus.engine.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * One node of the graph: an {@link Op} applied to input values, producing output values. {@link #label()} names it
 * in messages as the spec did ({@code node 3 'layer1.0.conv1' (Conv2d)}); after a fusion pass the surviving node
 * also lists the labels of the nodes it absorbed.
 */
public final class Node {
    private Op op;
    private final String label;
    private final List<Value> inputs;
    private final List<Value> outputs;
    private final List<String> absorbed = new ArrayList<>();

    Node(Op op, String label, List<Value> inputs, List<Value> outputs) {
        this.op = op;
        this.label = label;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
    }

    public Op op() {
        return op;
    }

    /** How messages name this node. */
    public String label() {
        return label;
    }

    public List<Value> inputs() {
        return java.util.Collections.unmodifiableList(inputs);
    }

    public Value input(int i) {
        return inputs.get(i);
    }

    public List<Value> outputs() {
        return java.util.Collections.unmodifiableList(outputs);
    }

    public Value output(int i) {
        return outputs.get(i);
    }

    /** Labels of the nodes a fusion folded into this one, in order. */
    public List<String> absorbed() {
        return java.util.Collections.unmodifiableList(absorbed);
    }

    // ---- rewriting, for the passes (through Graph, which keeps its indexes right) ----

    void setOp(Op op) {
        this.op = op;
    }

    void setInputs(List<Value> in) {
        List<Value> copy = new ArrayList<>(in); // in may be a view of this node's own list
        inputs.clear();
        inputs.addAll(copy);
    }

    void setOutput(int i, Value v) {
        outputs.set(i, v);
    }

    void absorb(Node other) {
        absorbed.add(other.label);
        absorbed.addAll(other.absorbed);
    }

    @Override
    public String toString() {
        return label;
    }
}
