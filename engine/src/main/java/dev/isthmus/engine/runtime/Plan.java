package dev.isthmus.engine.runtime;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model planned for one set of input shapes: every value's concrete type, every size value's number, and each
 * tensor's place in one of two buffers (floats for F32, longs for I64 and BOOL), assigned by liveness. A value's
 * memory is reused once its last reader has run; views share their input's memory; an elementwise node writes its
 * result over an input that dies there; constants ({@code get_attr}) get memory of their own, filled once. Running a
 * plan allocates nothing: inputs are copied into their slots, nodes read and write slices of the buffers, and the
 * results are views of them, valid until the plan runs again.
 */
final class Plan {
    /** Elements past the last tensor of a buffer (at least one vector of the widest species). */
    static final int BUFFER_SLACK = 64;
    /** Alignment of every slot, in elements (64 bytes of floats). */
    private static final int ALIGN = 16;

    final long[][] inputShapes;
    final boolean[] absent;
    private final float[] buf;
    private final long[] ints;
    private final Executable[] execs;
    private final Frame[] frames;
    private final int[] inputSlots;
    private final boolean[] inputIsInt;
    private final Map<String, Tensor> outputs;

    private Plan(long[][] inputShapes, boolean[] absent, float[] buf, long[] ints, Executable[] execs, Frame[] frames,
                 int[] inputSlots, boolean[] inputIsInt, Map<String, Tensor> outputs) {
        this.inputShapes = inputShapes;
        this.absent = absent;
        this.buf = buf;
        this.ints = ints;
        this.execs = execs;
        this.frames = frames;
        this.inputSlots = inputSlots;
        this.inputIsInt = inputIsInt;
        this.outputs = outputs;
    }

    /** Bytes of the plan's buffers. */
    long bytes() {
        return (long) buf.length * Float.BYTES + (long) ints.length * Long.BYTES;
    }

    /** True when the inputs have the shapes (and the same optional inputs are left out) this plan was made for. */
    boolean matches(Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t == null) {
                if (!absent[i]) return false;
                continue;
            }
            if (absent[i]) return false;
            long[] want = inputShapes[i];
            if (t.rank() != want.length) return false;
            for (int d = 0; d < want.length; d++) if (t.dim(d) != want[d]) return false;
        }
        return true;
    }

    /** Runs the plan; the results are views of the plan's buffers. */
    Map<String, Tensor> run(Tensor[] inputs) {
        return run(inputs, null);
    }

    /** Runs the plan, adding each node's time in nanoseconds to {@code nanos[node]} when it is not null. */
    Map<String, Tensor> run(Tensor[] inputs, long[] nanos) {
        for (int i = 0; i < inputs.length; i++) {
            int slot = inputSlots[i];
            if (slot < 0) continue;
            Tensor t = inputs[i];
            int n = (int) Shape.numel(inputShapes[i]);
            if (inputIsInt[i]) {
                if (t == null) Arrays.fill(ints, slot, slot + n, 0L);
                else if (t.dtype() == DType.I64) MemorySegment.copy(t.segment(), Tensor.I64_LE, 0, ints, slot, n);
                else for (int k = 0; k < n; k++) ints[slot + k] = t.getLong(k);
            } else {
                // a bulk copy from any F32 segment, heap or native (asking for the heap array would allocate an Optional)
                if (t == null) Arrays.fill(buf, slot, slot + n, 0f);
                else if (t.dtype() == DType.F32) MemorySegment.copy(t.segment(), Tensor.F32_LE, 0, buf, slot, n);
                else for (int k = 0; k < n; k++) buf[slot + k] = t.getFloat(k);
            }
        }
        if (nanos == null) {
            for (int s = 0; s < execs.length; s++) {
                if (execs[s] != Executable.NOTHING) execs[s].run(frames[s]);
            }
        } else {
            for (int s = 0; s < execs.length; s++) {
                long t0 = System.nanoTime();
                if (execs[s] != Executable.NOTHING) execs[s].run(frames[s]);
                nanos[s] += System.nanoTime() - t0;
            }
        }
        return outputs;
    }

    /** Where a tensor value lives. */
    private record Slot(boolean isInt, int offset) {
    }

    /**
     * Plans {@code model} for these inputs (null: an optional input left out, then zeros of the shape its spec's
     * {@code default} names).
     */
    static Plan build(Model model, Tensor[] in, ComputePool pool) {
        List<InputSpec> specs = model.inputs();
        List<Value> inputValues = model.graph().inputs();
        long[][] shapes = new long[in.length][];
        boolean[] absent = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i] != null) shapes[i] = in[i].shape();
        }
        for (int i = 0; i < in.length; i++) {
            if (in[i] != null) continue;
            absent[i] = true;
            shapes[i] = defaultShape(specs, i, shapes);
        }
        // concrete types, in run order
        Map<Value, ValueType> type = new IdentityHashMap<>();
        for (int i = 0; i < in.length; i++) {
            type.put(inputValues.get(i), ValueType.tensor(inputValues.get(i).type().dtype(), shapes[i]));
        }
        List<Model.Step> steps = model.steps();
        for (Model.Step s : steps) {
            Node n = s.node();
            List<ValueType> ins = new ArrayList<>();
            for (Value v : n.inputs()) ins.add(type.get(v));
            List<ValueType> outs;
            try {
                outs = n.op().infer(ins);
            } catch (IllegalArgumentException | ArithmeticException e) {
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < ins.size(); k++) {
                    b.append(k == 0 ? "" : ", ").append('\'').append(n.input(k).name()).append("' ").append(ins.get(k));
                }
                throw new InvalidInputException(n.label() + ": input " + b + ": " + e.getMessage());
            }
            for (int k = 0; k < n.outputs().size(); k++) {
                ValueType t = outs.get(k);
                if (t.isTensor() && !t.isConcrete()) throw new InvalidInputException(n.label() + ": the shape of its result " + t + " is not known");
                type.put(n.output(k), t);
            }
        }
        // liveness: the value owning each tensor's memory (views share their input's), and its last reader
        Map<Value, Value> owner = new IdentityHashMap<>();
        Map<Value, Integer> ownerLast = new IdentityHashMap<>();
        for (Value v : inputValues) owner.put(v, v);
        for (int si = 0; si < steps.size(); si++) {
            Node n = steps.get(si).node();
            for (Value v : n.inputs()) {
                if (!type.get(v).isTensor()) continue;
                ownerLast.merge(owner.get(v), si, Math::max);
            }
            for (int k = 0; k < n.outputs().size(); k++) {
                Value o = n.output(k);
                if (!type.get(o).isTensor()) continue;
                owner.put(o, k == 0 && n.op().isView() ? owner.get(n.input(0)) : o);
            }
        }
        for (Value v : model.graph().outputs()) ownerLast.put(owner.get(v), Integer.MAX_VALUE);
        Slots floats = new Slots(), longs = new Slots();
        Map<Value, Slot> slot = new IdentityHashMap<>();
        Map<Value, Boolean> pinned = new IdentityHashMap<>();
        int[] inputSlots = new int[in.length];
        boolean[] inputIsInt = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            Value v = inputValues.get(i);
            ValueType t = type.get(v);
            boolean isInt = t.dtype() != DType.F32;
            inputIsInt[i] = isInt;
            if (!ownerLast.containsKey(v)) { // no node reads it
                inputSlots[i] = -1;
                continue;
            }
            int off = (isInt ? longs : floats).take(t.numel());
            slot.put(v, new Slot(isInt, off));
            inputSlots[i] = off;
        }
        // constants first: filled once when the plan is made, their memory is theirs for the whole run
        List<Object[]> constants = new ArrayList<>(); // [Tensor, Slot]
        for (Model.Step s : steps) {
            Node n = s.node();
            if (n.op().constant() == null || !type.get(n.output(0)).isTensor()) continue;
            Value o = n.output(0);
            ValueType t = type.get(o);
            boolean isInt = t.dtype() != DType.F32;
            Slot sl = new Slot(isInt, (isInt ? longs : floats).take(t.numel()));
            slot.put(o, sl);
            pinned.put(o, true);
            constants.add(new Object[]{n.op().constant(), sl});
        }
        int[][] stepIn = new int[steps.size()][], stepOut = new int[steps.size()][];
        int[] stepScratch = new int[steps.size()], stepScratchSize = new int[steps.size()];
        for (int si = 0; si < steps.size(); si++) {
            Model.Step s = steps.get(si);
            Node n = s.node();
            Op op = n.op();
            int[] inOff = new int[n.inputs().size()];
            for (int k = 0; k < inOff.length; k++) {
                Value v = n.input(k);
                inOff[k] = type.get(v).isTensor() ? slot.get(owner.get(v)).offset() : -1;
            }
            int[] outOff = new int[n.outputs().size()];
            Value takenOver = null;
            for (int k = 0; k < outOff.length; k++) {
                Value o = n.output(k);
                ValueType t = type.get(o);
                if (!t.isTensor()) {
                    outOff[k] = -1;
                    continue;
                }
                boolean isInt = t.dtype() != DType.F32;
                if (k == 0 && op.isView()) {
                    outOff[k] = inOff[0];
                    continue;
                }
                if (k == 0 && op.constant() != null) {
                    outOff[k] = slot.get(o).offset();
                    continue;
                }
                if (k == 0) {
                    for (int i = 0; i < n.inputs().size() && takenOver == null; i++) {
                        Value x = n.input(i);
                        ValueType xt = type.get(x);
                        if (!op.mayOverwrite(i) || !xt.isTensor()) continue;
                        Value ow = owner.get(x);
                        if (pinned.containsKey(ow) || ownerLast.getOrDefault(ow, -1) != si) continue;
                        if ((xt.dtype() != DType.F32) != isInt || type.get(ow).numel() != t.numel() || xt.numel() != t.numel()) continue;
                        // the same memory read as another operand that the kernel does not read element by element
                        // (a Linear's input that is also its residual) must stay as it is until the node is done
                        boolean readElsewhere = false;
                        for (int j = 0; j < n.inputs().size(); j++) {
                            if (j != i && !op.mayOverwrite(j) && type.get(n.input(j)).isTensor() && owner.get(n.input(j)) == ow) readElsewhere = true;
                        }
                        if (readElsewhere) continue;
                        takenOver = ow;
                    }
                    if (takenOver != null) {
                        Slot sl = slot.get(takenOver);
                        slot.put(o, sl);
                        outOff[k] = sl.offset();
                        continue;
                    }
                }
                int off = (isInt ? longs : floats).take(t.numel());
                slot.put(o, new Slot(isInt, off));
                outOff[k] = off;
            }
            long[][] inShapes = shapesOf(n.inputs(), type), outShapes = shapesOf(n.outputs(), type);
            long scratch = s.exec().scratchFloats(inShapes, outShapes);
            stepScratchSize[si] = Math.toIntExact(scratch);
            stepScratch[si] = scratch > 0 ? floats.take(scratch) : 0;
            if (scratch > 0) floats.give(stepScratch[si], scratch);
            // free what dies here (not what this node's result took over)
            for (Value v : n.inputs()) release(owner.get(v), si, takenOver, type, ownerLast, slot, pinned, floats, longs);
            for (Value v : n.outputs()) if (type.get(v).isTensor()) release(owner.get(v), si, null, type, ownerLast, slot, pinned, floats, longs);
            stepIn[si] = inOff;
            stepOut[si] = outOff;
        }
        // slack past the last tensor: a vector access with a partial mask near an array's end takes the Vector API's
        // per-lane range check (slow), anywhere else a single bounds test
        float[] buf = new float[Math.toIntExact(floats.end + BUFFER_SLACK)];
        long[] ints = new long[Math.toIntExact(longs.end + (longs.end > 0 ? BUFFER_SLACK : 0))];
        for (Object[] c : constants) {
            Tensor t = (Tensor) c[0];
            Slot sl = (Slot) c[1];
            int n = Math.toIntExact(t.numel());
            if (sl.isInt()) for (int k = 0; k < n; k++) ints[sl.offset() + k] = t.getLong(k);
            else for (int k = 0; k < n; k++) buf[sl.offset() + k] = t.getFloat(k);
        }
        Executable[] execs = new Executable[steps.size()];
        Frame[] frames = new Frame[steps.size()];
        for (int si = 0; si < steps.size(); si++) {
            Model.Step s = steps.get(si);
            Node n = s.node();
            execs[si] = s.exec();
            DType[] inTypes = new DType[n.inputs().size()];
            double[] scalars = new double[n.inputs().size()];
            for (int k = 0; k < inTypes.length; k++) {
                ValueType t = type.get(n.input(k));
                inTypes[k] = t.dtype();
                scalars[k] = t.isScalar() && t.scalar() != null ? t.scalar().doubleValue() : Double.NaN;
            }
            DType[] outTypes = new DType[n.outputs().size()];
            for (int k = 0; k < outTypes.length; k++) outTypes[k] = type.get(n.output(k)).dtype();
            frames[si] = new Frame(buf, ints, stepIn[si], shapesOf(n.inputs(), type), inTypes, scalars, stepOut[si],
                    shapesOf(n.outputs(), type), outTypes, stepScratch[si], stepScratchSize[si], pool);
            execs[si].prepare(frames[si]);
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        MemorySegment fseg = MemorySegment.ofArray(buf), lseg = MemorySegment.ofArray(ints);
        List<String> names = model.outputNames();
        for (int i = 0; i < names.size(); i++) {
            Value v = model.graph().outputs().get(i);
            ValueType t = type.get(v);
            Slot sl = slot.get(owner.get(v));
            long n = t.numel();
            outputs.put(names.get(i), sl.isInt()
                    ? Tensor.wrap(DType.I64, t.shape(), lseg.asSlice((long) sl.offset() * Long.BYTES, n * Long.BYTES))
                    : Tensor.wrap(DType.F32, t.shape(), fseg.asSlice((long) sl.offset() * Float.BYTES, n * Float.BYTES)));
        }
        long[][] key = new long[shapes.length][];
        for (int i = 0; i < shapes.length; i++) key[i] = shapes[i].clone();
        return new Plan(key, absent, buf, ints, execs, frames, inputSlots, inputIsInt, Collections.unmodifiableMap(outputs));
    }

    /** The shape an optional input left out takes: its spec's {@code "default": {"zeros_like": NAME}}. */
    private static long[] defaultShape(List<InputSpec> specs, int i, long[][] given) {
        InputSpec in = specs.get(i);
        Object d = in.extras().get("default");
        if (d instanceof Map<?, ?> m && m.get("zeros_like") instanceof String like) {
            for (int k = 0; k < specs.size(); k++) {
                if (specs.get(k).name().equals(like) && given[k] != null) return given[k].clone();
            }
            throw new InvalidInputException("input '" + in.name() + "' was left out and its default takes the shape of '" + like
                    + "', which was left out too");
        }
        throw new InvalidInputException("missing input '" + in.name() + "' (" + in + "): it is optional but the spec gives no default");
    }

    private static long[][] shapesOf(List<Value> vs, Map<Value, ValueType> type) {
        long[][] out = new long[vs.size()][];
        for (int i = 0; i < out.length; i++) {
            ValueType t = type.get(vs.get(i));
            out[i] = t.isTensor() ? t.shape() : new long[0];
        }
        return out;
    }

    private static void release(Value ow, int step, Value takenOver, Map<Value, ValueType> type, Map<Value, Integer> ownerLast,
                                Map<Value, Slot> slot, Map<Value, Boolean> pinned, Slots floats, Slots longs) {
        if (ow == null || ow == takenOver || pinned.containsKey(ow)) return;
        Slot sl = slot.get(ow);
        if (sl == null) return;
        int last = ownerLast.getOrDefault(ow, -1);
        if (last == step || last == -1) {
            (sl.isInt() ? longs : floats).give(sl.offset(), type.get(ow).numel());
            ownerLast.put(ow, Integer.MIN_VALUE); // freed once
            slot.put(ow, new Slot(sl.isInt(), sl.offset()));
        }
    }

    /** First-fit allocation of aligned ranges of one buffer; the buffer grows at the end. */
    private static final class Slots {
        long end;
        private final List<long[]> free = new ArrayList<>(); // [offset, size], sorted by offset

        int take(long n) {
            long size = Math.max(ALIGN, (n + ALIGN - 1) / ALIGN * ALIGN);
            for (int i = 0; i < free.size(); i++) {
                long[] f = free.get(i);
                if (f[1] >= size) {
                    long off = f[0];
                    f[0] += size;
                    f[1] -= size;
                    if (f[1] == 0) free.remove(i);
                    return Math.toIntExact(off);
                }
            }
            // extend: a free range touching the end grows into the new space
            if (!free.isEmpty() && free.get(free.size() - 1)[0] + free.get(free.size() - 1)[1] == end) {
                long[] last = free.remove(free.size() - 1);
                end = last[0] + size;
                checkSize();
                return Math.toIntExact(last[0]);
            }
            long off = end;
            end += size;
            checkSize();
            return Math.toIntExact(off);
        }

        private void checkSize() {
            if (end > Integer.MAX_VALUE - 1024) throw new InvalidInputException("the plan needs more than 2^31 elements of memory");
        }

        void give(long off, long n) {
            long size = Math.max(ALIGN, (n + ALIGN - 1) / ALIGN * ALIGN);
            int i = 0;
            while (i < free.size() && free.get(i)[0] < off) i++;
            free.add(i, new long[]{off, size});
            if (i + 1 < free.size() && free.get(i)[0] + free.get(i)[1] == free.get(i + 1)[0]) {
                free.get(i)[1] += free.remove(i + 1)[1];
            }
            if (i > 0 && free.get(i - 1)[0] + free.get(i - 1)[1] == free.get(i)[0]) {
                free.get(i - 1)[1] += free.remove(i)[1];
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Plan[");
        for (long[] s : inputShapes) b.append(Arrays.toString(s));
        return b.append(", ").append(bytes()).append(" bytes]").toString();
    }
}
