package dev.isthmus.engine.ir;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Hands ops their parameters while a graph is built, checking each against the shape the op's arguments imply. A
 * parameter is handed over as the file's tensor (a view of the mapped file, no copy); every problem (missing,
 * mis-shaped, not floating point, an I8 weight without its {@code _scale}) is recorded rather than thrown, so that one load reports them all, and the op
 * gets null. Tensors no op claimed are reported as unexpected at the end.
 */
public final class Weights {
    private final WeightSource source;
    private final Set<String> claimed = new HashSet<>();
    /** The missing or mis-shaped tensors reported so far, with the shape asked for. */
    private final Set<String> reported = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    /** Problems past {@link #MAX_PROBLEMS}, counted and not kept. */
    private long unlisted;
    private long boundBytes;
    private boolean boundInt8;

    /**
     * The most problems kept. A 300-byte spec declaring a GRU of a million layers with no tensors made four million
     * messages (20 s, 4 GB); past this many, problems are only counted.
     */
    public static final int MAX_PROBLEMS = 1000;

    public Weights(WeightSource source) {
        this.source = source;
    }

    /** Where the weights come from. */
    public String source() {
        return source.source();
    }

    /**
     * The floating-point parameter {@code a.param(suffix)}, which must have exactly {@code shape}; null after a problem.
     * An I8 parameter {@code P} comes with its per-row scales {@code P_scale} as one {@link Tensor#quantized} tensor
     * whose floats are q·scale.
     */
    public Tensor require(OpArgs a, String suffix, long... shape) {
        String key = a.param(suffix);
        claimed.add(key);
        Tensor t = source.get(key);
        if (t == null) {
            // a tensor several nodes share (ALBERT's layers, applied again and again) is reported once per shape
            if (!reported.add(key + " " + Shape.toString(shape))) return null;
            if (problems.size() >= MAX_PROBLEMS) unlisted++; // without building the message
            else problems.add(a.label() + ": missing tensor '" + key + "' of shape " + Shape.toString(shape));
            return null;
        }
        if (!Shape.equals(t.shape(), shape)) {
            if (!reported.add(key + " " + Shape.toString(shape))) return null;
            problem(a.label() + ": tensor '" + key + "' has shape " + Shape.toString(t.shape()) + ", the arguments need "
                    + Shape.toString(shape));
            return null;
        }
        if (t.dtype() == DType.I8 && !t.isQuantized()) return quantized(a, key, t);
        if (!t.dtype().isFloating() && !t.isQuantized()) {
            problem(a.label() + ": tensor '" + key + "' is " + t.dtype() + ", a floating-point type is needed");
            return null;
        }
        boundBytes += t.byteSize();
        if (t.isQuantized()) boundInt8 = true;
        return t;
    }

    /** The suffix of the F32 tensor that holds an I8 parameter's per-row scales: {@code fc1.weight_scale}. */
    public static final String SCALE_SUFFIX = "_scale";

    /**
     * An I8 parameter {@code key} with its scales {@code key_scale} (F32 or another floating type, one per row:
     * shape [rows]), as a {@link Tensor#quantized} tensor whose floats are q·scale; null after a problem.
     */
    private Tensor quantized(OpArgs a, String key, Tensor q) {
        String sk = key + SCALE_SUFFIX;
        claimed.add(sk);
        Tensor s = source.get(sk);
        long rows = q.rank() == 0 ? 0 : q.dim(0);
        if (s == null) {
            problem(a.label() + ": tensor '" + key + "' is I8 and needs its per-row scales '" + sk + "' (F32 of shape ["
                    + rows + "])");
            return null;
        }
        if (!s.dtype().isFloating() || s.isQuantized() || !Shape.equals(s.shape(), new long[]{rows})) {
            problem(a.label() + ": the scales '" + sk + "' of the I8 tensor '" + key + "' are " + s.dtype() + " "
                    + Shape.toString(s.shape()) + ", F32 of shape [" + rows + "] is needed");
            return null;
        }
        try {
            Tensor t = Tensor.quantized(q, s.toFloatArray());
            boundBytes += q.byteSize() + s.byteSize();
            boundInt8 = true;
            return t;
        } catch (IllegalArgumentException e) {
            problem(a.label() + ": the scales '" + sk + "' of the I8 tensor '" + key + "': " + e.getMessage());
            return null;
        }
    }

    /**
     * Throws IllegalArgumentException when {@code layers} layers of at least {@code tensorsPerLayer} tensors each
     * cannot be in the source, before any is looked up: a spec is bounded by what the file holds, not by what it
     * claims (a GRU of a million layers in a file with none took 20 s to list 4,000,000 missing tensors).
     */
    public void requireRoomFor(OpArgs a, String argument, long layers, int tensorsPerLayer) {
        long need = layers * tensorsPerLayer, have = source.names().size();
        if (need > have) {
            throw new IllegalArgumentException(argument + " " + layers + " needs at least " + need + " weight tensors; "
                    + source.source() + " holds " + have);
        }
    }

    /** A tensor of any shape and dtype used directly as a value ({@code get_attr}); null when there is none (the caller reports it). */
    public Tensor constant(String key) {
        claimed.add(key);
        Tensor t = source.get(key);
        if (t == null) return null;
        boundBytes += t.byteSize();
        return t;
    }

    /** Claims a tensor the op accepts but does not use (e.g. BatchNorm's {@code num_batches_tracked}), if present. */
    public void accept(OpArgs a, String suffix) {
        claimed.add(a.param(suffix));
    }

    /** Claims every tensor whose name starts with {@code prefix} without using it. */
    public void acceptPrefix(String prefix) {
        for (String n : source.names()) if (n.startsWith(prefix)) claimed.add(n);
    }

    /** Claims every tensor whose name has no dot: the parameters of a module whose state dict is the whole file. */
    public void acceptTopLevel() {
        for (String n : source.names()) if (n.indexOf('.') < 0) claimed.add(n);
    }

    /** Records a problem found by an op while binding. */
    public void problem(String message) {
        if (problems.size() >= MAX_PROBLEMS) unlisted++;
        else problems.add(message);
    }

    /** True when a problem has been recorded. */
    public boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Problems so far, plus one for each tensor no op claimed (at most {@link #MAX_PROBLEMS} in all; call once). */
    public List<String> finish() {
        List<String> out = new ArrayList<>(problems);
        List<String> unexpected = new ArrayList<>();
        for (String n : source.names()) if (!claimed.contains(n)) unexpected.add(n);
        unexpected.sort(null);
        for (String n : unexpected) {
            if (out.size() >= MAX_PROBLEMS) unlisted++;
            else out.add("unexpected tensor '" + n + "' (no node uses it)");
        }
        return out;
    }

    /** Problems counted but not kept (past {@link #MAX_PROBLEMS}); complete after {@link #finish}. */
    public long unlisted() {
        return unlisted;
    }

    /** Bytes of the weight tensors bound so far (as stored in the source). */
    public long boundBytes() {
        return boundBytes;
    }

    /** Whether some weight bound so far is int8 with scales ({@link Tensor#isQuantized()}). */
    public boolean boundInt8() {
        return boundInt8;
    }
}
