package dev.isthmus.engine.graph;

import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Hands nodes their parameters while a model is built, checking each against the shape the node's arguments imply.
 * Every problem (missing, mis-shaped, non-float) is recorded, not thrown, so one load reports them all; tensors no
 * node claimed are reported as unexpected at the end.
 */
public final class WeightBinder {
    private final WeightSource source;
    private final Set<String> claimed = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    private long boundBytes;

    public WeightBinder(WeightSource source) {
        this.source = source;
    }

    /** The parameter {@code node.param(suffix)} as floats, which must have exactly {@code shape}. */
    public float[] require(NodeSpec node, String suffix, long... shape) {
        String key = node.param(suffix);
        claimed.add(key);
        Tensor t = source.get(key);
        long n = Shape.numel(shape);
        if (t == null) {
            problems.add(node.label() + ": missing tensor '" + key + "' of shape " + Shape.toString(shape));
            return new float[(int) Math.min(n, Integer.MAX_VALUE - 8)];
        }
        if (!Shape.equals(t.shape(), shape)) {
            problems.add(node.label() + ": tensor '" + key + "' has shape " + Shape.toString(t.shape()) + ", the arguments need "
                    + Shape.toString(shape));
            return new float[(int) Math.min(n, Integer.MAX_VALUE - 8)];
        }
        if (!t.dtype().isFloating()) {
            problems.add(node.label() + ": tensor '" + key + "' is " + t.dtype() + ", a floating-point type is needed");
            return new float[(int) n];
        }
        boundBytes += t.byteSize();
        return t.toFloatArray();
    }

    /** Claims a tensor the node accepts but does not use (e.g. BatchNorm's {@code num_batches_tracked}), if present. */
    public void accept(NodeSpec node, String suffix) {
        claimed.add(node.param(suffix));
    }

    /** Claims every tensor whose name starts with {@code prefix} without using it. */
    public void acceptPrefix(String prefix) {
        for (String n : source.names()) if (n.startsWith(prefix)) claimed.add(n);
    }

    /** Records a problem found by a node while binding. */
    public void problem(String message) {
        problems.add(message);
    }

    /** Problems so far, plus one for each tensor no node claimed. */
    public List<String> finish() {
        List<String> out = new ArrayList<>(problems);
        List<String> unexpected = new ArrayList<>();
        for (String n : source.names()) if (!claimed.contains(n)) unexpected.add(n);
        unexpected.sort(null);
        for (String n : unexpected) out.add("unexpected tensor '" + n + "' (no node uses it)");
        return out;
    }

    /** Bytes of the weight tensors bound so far (as stored in the source). */
    public long boundBytes() {
        return boundBytes;
    }
}
