package dev.isthmus.engine.ir;

import dev.isthmus.engine.spec.InputSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph IR every frontend lowers into: model inputs, nodes in an order where every value is defined before it is
 * read, and the values the model returns. Passes rewrite it in place before the model is compiled; after that it is
 * not changed again.
 */
public final class Graph {
    private final List<InputSpec> inputSpecs;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Value> outputs = new ArrayList<>();
    private final List<String> outputNames = new ArrayList<>();
    private final Map<String, Value> values = new HashMap<>();

    public Graph(List<InputSpec> inputSpecs) {
        this.inputSpecs = List.copyOf(inputSpecs);
        long symbol = -2;
        for (InputSpec in : inputSpecs) {
            long[] shape = in.shape();
            for (int i = 0; i < shape.length; i++) if (shape[i] < 0) shape[i] = symbol--; // each free dimension its own symbol
            Value v = new Value(in.name(), ValueType.tensor(in.dtype().isFloating() ? dev.isthmus.engine.tensor.DType.F32
                    : dev.isthmus.engine.tensor.DType.I64, shape));
            inputs.add(v);
            values.putIfAbsent(in.name(), v);
        }
    }

    /** The model inputs as declared. */
    public List<InputSpec> inputSpecs() {
        return inputSpecs;
    }

    /** The model inputs' values, in declaration order. */
    public List<Value> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    /** The nodes in run order. */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public List<Value> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /** The names the model's results are returned under, parallel to {@link #outputs()}. */
    public List<String> outputNames() {
        return Collections.unmodifiableList(outputNames);
    }

    /** The value with this name, or null. */
    public Value value(String name) {
        return values.get(name);
    }

    /** True when {@code name} names a value already. */
    public boolean defines(String name) {
        return values.containsKey(name);
    }

    /** Appends a node; its results are new values of these names and types (a null type: inference failed). */
    public Node add(Op op, String label, List<Value> in, List<String> outNames, List<ValueType> outTypes) {
        List<Value> outs = new ArrayList<>();
        for (int i = 0; i < outNames.size(); i++) {
            Value v = new Value(outNames.get(i), outTypes == null ? null : outTypes.get(i));
            outs.add(v);
            values.put(v.name(), v);
        }
        Node n = new Node(op, label, in, outs);
        for (Value v : outs) v.setProducer(n);
        nodes.add(n);
        return n;
    }

    /** Inserts a node right before {@code at}; its one result is a new value of this name and type. */
    public Node insertBefore(Node at, Op op, String label, List<Value> in, String outName, ValueType type) {
        Value v = new Value(outName, type);
        values.put(outName, v);
        Node n = new Node(op, label, in, List.of(v));
        v.setProducer(n);
        nodes.add(nodes.indexOf(at), n);
        return n;
    }

    /** Declares a model result. */
    public void addOutput(String name, Value v) {
        outputNames.add(name);
        outputs.add(v);
    }

    // ---- queries for passes ----

    /** The nodes reading {@code v}, in order (a node reading it twice appears once). */
    public List<Node> readers(Value v) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) if (n.inputs().contains(v)) out.add(n);
        return out;
    }

    /** True when {@code v} is one of the model's results. */
    public boolean isOutput(Value v) {
        return outputs.contains(v);
    }

    /** True when {@code v} is read by exactly one node, once, and is not a model result. */
    public boolean hasSingleUse(Value v) {
        if (isOutput(v)) return false;
        int uses = 0;
        for (Node n : nodes) for (Value x : n.inputs()) if (x == v) uses++;
        return uses == 1;
    }

    // ---- rewriting ----

    /** Gives {@code n} another op and inputs (its results stay). */
    public void rewrite(Node n, Op op, List<Value> in) {
        n.setOp(op);
        n.setInputs(in);
    }

    /** Gives {@code n} another op (same inputs and results). */
    public void rewrite(Node n, Op op) {
        n.setOp(op);
    }

    /**
     * Folds {@code later} into {@code n}: {@code n} (now computing what {@code later} computed, with {@code op} and
     * {@code in}) takes over {@code later}'s first result, and {@code later} and {@code n}'s old first result go away.
     * The old result must have had no reader but {@code later}.
     */
    public void absorb(Node n, Node later, Op op, List<Value> in) {
        Value old = n.output(0);
        Value taken = later.output(0);
        n.setOp(op);
        n.setInputs(in);
        n.setOutput(0, taken);
        taken.setProducer(n);
        n.absorb(later);
        int at = nodes.indexOf(later);
        nodes.remove(at);
        values.remove(old.name());
        // n must now come after every input it reads: move it to where later was when needed
        int ni = nodes.indexOf(n);
        int need = ni;
        for (Value v : in) {
            if (v.producer() != null) need = Math.max(need, nodes.indexOf(v.producer()) + 1);
        }
        if (need > ni) {
            nodes.remove(ni);
            nodes.add(need - 1, n);
        }
    }

    /** Every read of {@code from} (by nodes and as a model result) reads {@code to} instead. */
    public void replaceUses(Value from, Value to) {
        for (Node n : nodes) {
            List<Value> in = new ArrayList<>(n.inputs());
            boolean changed = false;
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i) == from) {
                    in.set(i, to);
                    changed = true;
                }
            }
            if (changed) n.setInputs(in);
        }
        for (int i = 0; i < outputs.size(); i++) if (outputs.get(i) == from) outputs.set(i, to);
    }

    /** Removes a node whose results nothing reads. */
    public void remove(Node n) {
        nodes.remove(n);
        for (Value v : n.outputs()) values.remove(v.name());
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Graph[");
        for (Value v : inputs) b.append(v).append(' ');
        for (Node n : nodes) b.append("\n  ").append(n.label()).append(": ").append(n.inputs()).append(" -> ").append(n.outputs());
        return b.append("\n  outputs ").append(outputs).append("]").toString();
    }
}
