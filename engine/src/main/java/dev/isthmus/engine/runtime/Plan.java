package dev.isthmus.engine.runtime;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model planned for one set of input shapes: every value's shape, and its place in one buffer, assigned by
 * liveness (a value's memory is reused once its last reader has run; views share their input's memory). Running a
 * plan allocates nothing: inputs are copied into their slots, layers read and write slices of the buffer, and the
 * results are views of it, valid until the plan runs again.
 */
final class Plan {
    /** Floats past the last tensor of a plan's buffer (at least one vector of the widest species). */
    static final int BUFFER_SLACK = 64;
    /** Alignment of every slot, in floats (64 bytes). */
    private static final int ALIGN = 16;

    final long[][] inputShapes;
    private final float[] buf;
    private final Layer[] layers;
    private final Frame[] frames;
    private final int[] inputSlots;
    private final Tensor[][] rawTargets; // per model input: the frames' raw arrays to refresh
    private final int[][] rawIndex;
    private final Map<String, Tensor> outputs;

    private Plan(long[][] inputShapes, float[] buf, Layer[] layers, Frame[] frames, int[] inputSlots, Tensor[][] rawTargets,
                 int[][] rawIndex, Map<String, Tensor> outputs) {
        this.inputShapes = inputShapes;
        this.buf = buf;
        this.layers = layers;
        this.frames = frames;
        this.inputSlots = inputSlots;
        this.rawTargets = rawTargets;
        this.rawIndex = rawIndex;
        this.outputs = outputs;
    }

    /** Bytes of the plan's buffer. */
    long bytes() {
        return (long) buf.length * Float.BYTES;
    }

    /** True when every input has the shape this plan was made for. */
    boolean matches(List<InputSpec> specs, Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            long[] want = inputShapes[i];
            Tensor t = inputs[i];
            if (t == null) return false;
            if (t.rank() != want.length) return false;
            for (int d = 0; d < want.length; d++) if (t.dim(d) != want[d]) return false;
        }
        return true;
    }

    /** Runs the plan; the results are views of the plan's buffer. */
    Map<String, Tensor> run(Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (inputSlots[i] >= 0) {
                float[] heap = t.heapFloats();
                int n = Math.toIntExact(t.numel());
                if (heap != null) {
                    System.arraycopy(heap, 0, buf, inputSlots[i], n);
                } else if (t.dtype() == DType.F32) {
                    MemorySegment.copy(t.segment(), Tensor.F32_LE, 0, buf, inputSlots[i], n);
                } else {
                    for (int k = 0; k < n; k++) buf[inputSlots[i] + k] = t.getFloat(k);
                }
            }
            Tensor[] targets = rawTargets[i];
            for (int k = 0; k < targets.length; k++) frames[rawIndex[i][2 * k]].raw[rawIndex[i][2 * k + 1]] = t;
        }
        for (int s = 0; s < layers.length; s++) layers[s].run(frames[s]);
        return outputs;
    }

    /** Plans {@code model} for inputs of these shapes; null when a layer has no planned path. */
    static Plan build(Model model, long[][] shapes, ComputePool pool) {
        List<Model.Step> steps = model.steps();
        for (Model.Step s : steps) if (!s.layer().isPlanned()) return null;
        List<InputSpec> specs = model.inputs();
        Map<String, long[]> shape = new HashMap<>();
        Map<String, Boolean> isFloat = new HashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            shape.put(specs.get(i).name(), shapes[i]);
            isFloat.put(specs.get(i).name(), specs.get(i).dtype().isFloating());
        }
        // concrete shapes and last uses
        Map<String, Integer> lastUse = new HashMap<>();
        List<List<long[]>> outShapes = new ArrayList<>();
        for (int si = 0; si < steps.size(); si++) {
            Model.Step s = steps.get(si);
            List<long[]> ins = new ArrayList<>();
            for (String v : s.inputs()) {
                ins.add(shape.get(v));
                lastUse.put(v, si);
            }
            List<long[]> outs;
            try {
                outs = s.layer().outputShapes(ins);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(s.node().label() + ": " + e.getMessage());
            }
            outShapes.add(outs);
            for (int k = 0; k < s.outputs().size(); k++) {
                shape.put(s.outputs().get(k), outs.get(k));
                isFloat.put(s.outputs().get(k), true);
            }
        }
        for (String o : model.outputValues()) lastUse.put(o, Integer.MAX_VALUE);
        Slots slots = new Slots();
        Map<String, Integer> slotOf = new HashMap<>();
        Map<String, String> aliasOf = new HashMap<>(); // view value → the value owning the memory
        int[] inputSlots = new int[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            String n = specs.get(i).name();
            inputSlots[i] = isFloat.get(n) ? slots.take(Shape.numel(shapes[i])) : -1;
            if (inputSlots[i] >= 0) slotOf.put(n, inputSlots[i]);
        }
        // owners stay live while any of their views is live
        Map<String, Integer> ownerLast = new HashMap<>(lastUse);
        for (Model.Step s : steps) {
            if (s.layer().isView()) {
                String owner = aliasOf.getOrDefault(s.inputs().get(0), s.inputs().get(0));
                aliasOf.put(s.outputs().get(0), owner);
                ownerLast.merge(owner, lastUse.getOrDefault(s.outputs().get(0), -1), Math::max);
            }
        }
        int[][] stepIn = new int[steps.size()][];
        int[][] stepOut = new int[steps.size()][];
        int[] stepScratch = new int[steps.size()];
        int[] stepScratchSize = new int[steps.size()];
        for (int si = 0; si < steps.size(); si++) {
            Model.Step s = steps.get(si);
            int[] in = new int[s.inputs().size()];
            for (int k = 0; k < in.length; k++) {
                String v = s.inputs().get(k);
                in[k] = isFloat.get(v) ? slotOf.get(aliasOf.getOrDefault(v, v)) : -1;
            }
            int[] out = new int[s.outputs().size()];
            for (int k = 0; k < out.length; k++) {
                String v = s.outputs().get(k);
                if (k == 0 && s.layer().isView()) {
                    out[k] = in[0];
                } else {
                    out[k] = slots.take(Shape.numel(outShapes.get(si).get(k)));
                    slotOf.put(v, out[k]);
                }
            }
            List<long[]> ins = new ArrayList<>();
            for (String v : s.inputs()) ins.add(shape.get(v));
            long scratch = s.layer().scratchFloats(ins);
            stepScratchSize[si] = Math.toIntExact(scratch);
            stepScratch[si] = scratch > 0 ? slots.take(scratch) : 0;
            if (scratch > 0) slots.give(stepScratch[si], scratch);
            // free what dies here: owners whose last reader (including views) is this step
            for (String v : s.inputs()) freeIfDead(v, si, aliasOf, ownerLast, slotOf, shape, slots);
            for (String v : s.outputs()) freeIfDead(v, si, aliasOf, ownerLast, slotOf, shape, slots);
            stepIn[si] = in;
            stepOut[si] = out;
        }
        // slack past the last tensor: a vector access with a partial mask near an array's end takes the Vector API's
        // per-lane range check (slow: it was a fifth of the seed CNN's pooling), anywhere else a single bounds test
        float[] buf = new float[Math.toIntExact(slots.end + BUFFER_SLACK)];
        Layer[] layers = new Layer[steps.size()];
        Frame[] frames = new Frame[steps.size()];
        for (int si = 0; si < steps.size(); si++) {
            Model.Step s = steps.get(si);
            layers[si] = s.layer();
            long[][] inShape = s.inputs().stream().map(shape::get).toArray(long[][]::new);
            long[][] outShape = outShapes.get(si).toArray(long[][]::new);
            frames[si] = new Frame(buf, stepIn[si], inShape, new Tensor[stepIn[si].length], stepOut[si], outShape, stepScratch[si],
                    stepScratchSize[si], pool);
        }
        // where each non-float model input must be handed over
        Tensor[][] rawTargets = new Tensor[specs.size()][];
        int[][] rawIndex = new int[specs.size()][];
        for (int i = 0; i < specs.size(); i++) {
            String n = specs.get(i).name();
            List<int[]> places = new ArrayList<>();
            if (!isFloat.get(n)) {
                for (int si = 0; si < steps.size(); si++) {
                    List<String> ins = steps.get(si).inputs();
                    for (int k = 0; k < ins.size(); k++) if (ins.get(k).equals(n)) places.add(new int[]{si, k});
                }
            }
            rawTargets[i] = new Tensor[places.size()];
            rawIndex[i] = new int[places.size() * 2];
            for (int k = 0; k < places.size(); k++) {
                rawIndex[i][2 * k] = places.get(k)[0];
                rawIndex[i][2 * k + 1] = places.get(k)[1];
            }
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        MemorySegment whole = MemorySegment.ofArray(buf);
        List<String> names = model.outputNames();
        for (int i = 0; i < names.size(); i++) {
            String v = model.outputValues().get(i);
            long[] s = shape.get(v);
            int off = slotOf.get(aliasOf.getOrDefault(v, v));
            outputs.put(names.get(i), Tensor.wrap(DType.F32, s, whole.asSlice((long) off * Float.BYTES, Shape.numel(s) * Float.BYTES)));
        }
        long[][] key = new long[shapes.length][];
        for (int i = 0; i < shapes.length; i++) key[i] = shapes[i].clone();
        return new Plan(key, buf, layers, frames, inputSlots, rawTargets, rawIndex, Collections.unmodifiableMap(outputs));
    }

    private static void freeIfDead(String v, int step, Map<String, String> aliasOf, Map<String, Integer> ownerLast,
                                   Map<String, Integer> slotOf, Map<String, long[]> shape, Slots slots) {
        if (aliasOf.containsKey(v)) return; // a view: its owner decides
        Integer last = ownerLast.get(v);
        Integer slot = slotOf.get(v);
        if (slot != null && (last == null || last == step)) {
            slots.give(slot, Shape.numel(shape.get(v)));
            slotOf.put(v, slot); // keep the offset for views resolved later in this step's bookkeeping
            ownerLast.put(v, -1);
        }
    }

    /** First-fit allocation of aligned float ranges; the buffer grows at the end. */
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
                return Math.toIntExact(last[0]);
            }
            long off = end;
            end += size;
            if (end > Integer.MAX_VALUE - 16) throw new InvalidInputException("the plan needs more than 2^31 floats of memory");
            return Math.toIntExact(off);
        }

        void give(long off, long n) {
            long size = Math.max(ALIGN, (n + ALIGN - 1) / ALIGN * ALIGN);
            int i = 0;
            while (i < free.size() && free.get(i)[0] < off) i++;
            free.add(i, new long[]{off, size});
            // merge neighbours
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
