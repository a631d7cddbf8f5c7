package dev.isthmus.engine.runtime;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Fusable;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.ops.ActivationLayer;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.graph.WeightSource;
import dev.isthmus.engine.ops.Ops;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loaded model: its spec, its layers with their weights bound, and the wiring between them. Building checks the
 * whole spec against the weights and the input shapes before anything runs and reports every problem at once.
 * A model is immutable and safe to {@link #run} from many threads at once.
 */
public final class Model implements AutoCloseable {
    /** The name of the model's result when the spec names no outputs. */
    public static final String DEFAULT_OUTPUT = "output";

    private final ModelSpec spec;
    private final String source;
    private final List<Step> steps;
    private final List<String> outputValues;
    private final List<String> outputNames;
    private final Map<String, long[]> outputShapes;
    private final long weightBytes;
    private final AutoCloseable owner;
    private final ComputePool pool;
    private final Backend backend;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ownerClosed = new AtomicBoolean();

    record Step(NodeSpec node, Layer layer, List<String> inputs, List<String> outputs, List<long[]> shapes, String engine) {
    }

    private final boolean planned;
    private final java.util.concurrent.ConcurrentLinkedQueue<Session> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** What {@link #nodes()} tells of one node: the values it reads and writes and the result shapes the spec implies. */
    public record NodeInfo(NodeSpec node, List<String> inputs, List<String> outputs, List<long[]> outputShapes, String engine) {
    }

    private Model(ModelSpec spec, String source, List<Step> steps, List<String> outputValues, List<String> outputNames,
                  Map<String, long[]> outputShapes, long weightBytes, AutoCloseable owner, ComputePool pool, Backend backend) {
        this.spec = spec;
        this.source = source;
        this.steps = steps;
        this.outputValues = outputValues;
        this.outputNames = outputNames;
        this.outputShapes = outputShapes;
        this.weightBytes = weightBytes;
        this.owner = owner;
        this.pool = pool;
        this.backend = backend;
        this.planned = steps.stream().allMatch(s -> s.layer().isPlanned());
    }

    List<Step> steps() {
        return steps;
    }

    List<String> outputValues() {
        return outputValues;
    }

    ComputePool pool() {
        return pool;
    }

    /**
     * A new session: working memory for one thread, reused across runs (see {@link Session}). Sessions are the
     * allocation-free way to run a model; {@link #run(Map)} uses a pool of them and copies the results out.
     */
    public Session newSession() {
        if (closed.get()) throw new IllegalStateException("model " + source + " is closed");
        return new Session(this);
    }

    /** True when every layer runs in planned memory (sessions then allocate nothing per run). */
    public boolean isPlanned() {
        return planned;
    }

    /**
     * Builds a model from a spec and its weights.
     *
     * @param owner closed with the model (e.g. the open weights file), or null
     * @throws ModelSpecException listing every problem: unknown ops or arguments, missing, unexpected or mis-shaped
     *                            tensors, undefined values, shapes that cannot flow through the graph
     */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner) {
        return build(spec, weights, owner, ComputePool.defaultThreads());
    }

    /** As {@link #build(ModelSpec, WeightSource, AutoCloseable)} with {@code threads} compute threads (the model owns them). */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads) {
        return build(spec, weights, owner, threads, null);
    }

    /**
     * As {@link #build(ModelSpec, WeightSource, AutoCloseable, int)}, with the nodes {@code backend} supports built by
     * it (null: the Java kernels for all). The model owns the backend and closes it with itself.
     */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads, Backend backend) {
        try {
            return buildWith(spec, weights, owner, threads, backend);
        } catch (RuntimeException e) {
            if (backend != null) backend.close();
            throw e;
        }
    }

    private static Model buildWith(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads, Backend backend) {
        String source = weights.source();
        List<String> problems = new ArrayList<>();
        WeightBinder binder = new WeightBinder(weights);
        Map<String, long[]> shapes = new HashMap<>();
        Map<String, DType> types = new HashMap<>();
        if (!ModelSpec.FORMAT.equals(spec.format())) {
            problems.add("format is '" + spec.format() + "', expected '" + ModelSpec.FORMAT + "'");
        }
        if (spec.inputs().isEmpty()) problems.add("the spec declares no inputs");
        for (InputSpec in : spec.inputs()) {
            if (shapes.containsKey(in.name())) problems.add("input '" + in.name() + "' is declared twice");
            shapes.put(in.name(), in.shape());
            types.put(in.name(), in.dtype());
        }
        if (spec.nodes().isEmpty()) problems.add("the spec has no nodes");
        List<Step> steps = new ArrayList<>();
        String prev = spec.inputs().isEmpty() ? null : spec.inputs().get(0).name();
        for (NodeSpec node : spec.nodes()) {
            List<String> ins = node.inputs().isEmpty() ? (prev == null ? List.of() : List.of(prev)) : node.inputs();
            boolean inputsKnown = true;
            for (String v : ins) {
                if (!shapes.containsKey(v)) {
                    problems.add(node.label() + ": input '" + v + "' is not defined before this node");
                    inputsKnown = false;
                } else if (shapes.get(v) == null) {
                    inputsKnown = false; // its producer failed; already reported
                }
            }
            Layer layer = null;
            String engine = "java";
            if (!Ops.isKnown(node.op())) {
                problems.add(node.label() + ": unknown op '" + node.op() + "' (known: " + String.join(", ", Ops.names()) + ")");
            } else {
                NodeArgs args = new NodeArgs(node);
                try {
                    if (backend != null && backend.supports(node.op())) layer = backend.create(args, binder);
                    if (layer != null) engine = backend.name();
                    else layer = Ops.create(args, binder);
                } catch (IllegalArgumentException e) {
                    problems.add(node.label() + ": " + e.getMessage());
                }
                List<String> unknown = args.unknown();
                if (!unknown.isEmpty()) {
                    problems.add(node.label() + ": unknown argument" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                            + " (not a constructor argument of torch.nn." + node.op() + ")");
                }
            }
            List<long[]> outShapes = null;
            if (layer != null && (ins.size() < layer.minInputs() || ins.size() > layer.maxInputs())) {
                problems.add(node.label() + ": takes " + layer.minInputs() + (layer.maxInputs() > layer.minInputs() ? "–" + layer.maxInputs() : "")
                        + " input(s), the spec gives " + ins.size());
            } else if (layer != null && inputsKnown && !ins.isEmpty()) {
                DType t0 = types.get(ins.get(0));
                if (layer.takesIntegerInput() && !t0.isInteger()) {
                    problems.add(node.label() + ": needs integer ids, input '" + ins.get(0) + "' is " + t0);
                } else if (!layer.takesIntegerInput() && !t0.isFloating()) {
                    problems.add(node.label() + ": needs a floating-point input, '" + ins.get(0) + "' is " + t0);
                } else {
                    List<long[]> inShapes = new ArrayList<>();
                    for (String v : ins) inShapes.add(shapes.get(v));
                    try {
                        outShapes = layer.outputShapes(inShapes);
                    } catch (IllegalArgumentException | ArithmeticException e) {
                        StringBuilder b = new StringBuilder();
                        for (String v : ins) b.append(b.isEmpty() ? "" : ", ").append("'").append(v).append("' ").append(Shape.toString(shapes.get(v)));
                        problems.add(node.label() + ": input " + b + ": " + e.getMessage());
                    }
                }
            }
            int results = outShapes != null ? outShapes.size() : Math.max(1, node.outputs().size());
            if (node.outputs().size() > results) {
                problems.add(node.label() + ": names " + node.outputs().size() + " outputs, the op has " + results);
            }
            List<String> outs = new ArrayList<>();
            for (int k = 0; k < results; k++) {
                String name = k < node.outputs().size() ? node.outputs().get(k) : "node" + node.index() + (k == 0 ? "" : ":" + k);
                if (shapes.containsKey(name) && k < node.outputs().size()) {
                    problems.add(node.label() + ": value '" + name + "' is already defined");
                }
                shapes.put(name, outShapes != null ? outShapes.get(k) : null);
                types.put(name, DType.F32);
                outs.add(name);
            }
            if (outShapes == null) for (String o : outs) shapes.put(o, null);
            List<long[]> outShapeList = new ArrayList<>();
            for (String o : outs) outShapeList.add(shapes.get(o));
            steps.add(new Step(node, layer, List.copyOf(ins), List.copyOf(outs), outShapeList, engine));
            prev = outs.get(0);
        }
        List<String> outputValues = new ArrayList<>();
        List<String> outputNames = new ArrayList<>();
        if (spec.outputs().isEmpty()) {
            if (prev != null) {
                outputValues.add(prev);
                outputNames.add(DEFAULT_OUTPUT);
            }
        } else {
            for (String o : spec.outputs()) {
                if (!shapes.containsKey(o)) problems.add("output '" + o + "' is not a value of the graph");
                outputValues.add(o);
                outputNames.add(o);
            }
        }
        problems.addAll(binder.finish());
        if (!problems.isEmpty()) throw new ModelSpecException(source, problems);
        fuse(steps, outputValues);
        for (Step s : steps) s.layer().trim();
        Map<String, long[]> outShapes = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.size(); i++) outShapes.put(outputNames.get(i), shapes.get(outputValues.get(i)));
        return new Model(spec, source, List.copyOf(steps), List.copyOf(outputValues), List.copyOf(outputNames), outShapes,
                binder.boundBytes(), owner, new ComputePool(threads, steps.stream().allMatch(s -> s.engine().equals("java"))),
                backend);
    }

    /**
     * Fusions at load: a {@link Fusable} layer absorbs the layers after it that read only its result (an activation
     * into the GEMM epilogue, a BatchNorm into the convolution's weights); those nodes become views of its memory.
     */
    private static void fuse(List<Step> steps, List<String> outputValues) {
        Map<String, Integer> readers = new HashMap<>();
        for (Step s : steps) for (String v : s.inputs()) readers.merge(v, 1, Integer::sum);
        for (int i = 0; i < steps.size(); i++) {
            Step a = steps.get(i);
            if (!(a.layer() instanceof Fusable f) || a.outputs().size() != 1) continue;
            String v = a.outputs().get(0);
            for (int k = i + 1; k < steps.size(); k++) {
                Step b = steps.get(k);
                if (b.inputs().size() != 1 || !b.inputs().get(0).equals(v) || b.outputs().size() != 1) break;
                if (readers.getOrDefault(v, 0) != 1 || outputValues.contains(v)) break;
                if (!f.fuse(b.layer())) break;
                steps.set(k, new Step(b.node(), new ActivationLayer(Activation.NONE), b.inputs(), b.outputs(), b.shapes(),
                        "fused into node " + a.node().index()));
                v = b.outputs().get(0);
            }
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Where the model was loaded from. */
    public String source() {
        return source;
    }

    public List<InputSpec> inputs() {
        return spec.inputs();
    }

    /** The names of the results of {@link #run}, in order. */
    public List<String> outputNames() {
        return outputNames;
    }

    /** The result shapes the spec's input shapes imply ({@code -1} = depends on the input). */
    public Map<String, long[]> outputShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        outputShapes.forEach((k, v) -> m.put(k, v == null ? null : v.clone()));
        return m;
    }

    /** The nodes in run order, with the shapes the spec's input shapes imply ({@code -1} = depends on the input). */
    public List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (Step s : steps) {
            List<long[]> sh = new ArrayList<>();
            for (long[] x : s.shapes()) sh.add(x.clone());
            out.add(new NodeInfo(s.node(), s.inputs(), s.outputs(), sh, s.engine()));
        }
        return out;
    }

    /** The class labels of the spec, or empty. */
    public List<String> labels() {
        return spec.labels();
    }

    /**
     * Bytes the layers hold beyond the mapped weights file: weights converted to float arrays and packed GEMM panels
     * (as the layers report them through {@link Layer#heldBytes()}).
     */
    public long heldBytes() {
        long b = 0;
        for (Step s : steps) b += s.layer().heldBytes();
        return b;
    }

    /** Bytes of the weights bound by the layers, as stored. */
    public long weightBytes() {
        return weightBytes;
    }

    /** Runs the model on one input. */
    public Map<String, Tensor> run(Tensor input) {
        if (spec.inputs().size() != 1) {
            throw new InvalidInputException("the model has " + spec.inputs().size() + " inputs; name them");
        }
        return run(Map.of(spec.inputs().get(0).name(), input));
    }

    /**
     * Runs the model. Inputs are checked against the spec: every input present, no unknown names, the declared rank,
     * every fixed dimension equal. Floating inputs of another precision convert to F32; integer inputs may be I32 or
     * I64 whatever the spec says.
     *
     * @return the results by output name, in {@link #outputNames()} order
     * @throws InvalidInputException for a missing, unknown or mis-shaped input
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed.get()) throw new IllegalStateException("model " + source + " is closed");
        if (!planned) return runUnplanned(checkedInputs(inputs, new Tensor[spec.inputs().size()]));
        Session s = idle.poll();
        if (s == null) s = new Session(this);
        try {
            Map<String, Tensor> views = s.run(inputs);
            Map<String, Tensor> out = new LinkedHashMap<>();
            views.forEach((k, v) -> out.put(k, Tensor.ofFloats(v.toFloatArray(), v.shape())));
            return out;
        } finally {
            idle.offer(s);
        }
    }

    /**
     * The inputs in spec order, checked: every input present, no unknown names, the declared rank, every fixed
     * dimension equal; floats of another precision converted to F32. Allocation-free for well-formed F32 inputs.
     */
    Tensor[] checkedInputs(Map<String, Tensor> inputs, Tensor[] ordered) {
        List<InputSpec> specs = spec.inputs();
        int found = 0;
        for (int i = 0; i < specs.size(); i++) {
            InputSpec in = specs.get(i);
            Tensor t = inputs.get(in.name());
            if (t == null && Boolean.TRUE.equals(in.extras().get("optional"))) {
                ordered[i] = null; // an optional input (e.g. BERT's token_type_ids): its layers take null as the default
                continue;
            }
            if (t == null) throw new InvalidInputException("missing input '" + in.name() + "' (" + in + ")");
            ordered[i] = checkInput(in, t);
            found++;
        }
        if (inputs.size() != found) {
            for (String name : inputs.keySet()) {
                if (spec.inputs().stream().noneMatch(i -> i.name().equals(name))) {
                    throw new InvalidInputException("unknown input '" + name + "'; the model's inputs are "
                            + spec.inputs().stream().map(InputSpec::name).toList());
                }
            }
        }
        return ordered;
    }

    /** Runs layer by layer with fresh memory for every result (layers without a planned path). */
    Map<String, Tensor> runUnplanned(Tensor[] in) {
        Map<String, Tensor> values = new HashMap<>();
        for (int i = 0; i < in.length; i++) values.put(spec.inputs().get(i).name(), in[i]);
        for (Step s : steps) {
            List<Tensor> args = new ArrayList<>(s.inputs().size());
            for (String v : s.inputs()) args.add(values.get(v));
            List<Tensor> res;
            try {
                res = s.layer().forward(args, pool);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(s.node().label() + ": " + e.getMessage());
            }
            for (int k = 0; k < s.outputs().size(); k++) values.put(s.outputs().get(k), res.get(k));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.size(); i++) out.put(outputNames.get(i), values.get(outputValues.get(i)));
        return out;
    }

    private static Tensor checkInput(InputSpec in, Tensor t) {
        long[] want = in.shapeView();
        boolean ok = want.length == t.rank();
        for (int i = 0; ok && i < want.length; i++) ok = want[i] < 0 || want[i] == t.dim(i);
        if (!ok) {
            throw new InvalidInputException("input '" + in.name() + "' has shape " + Shape.toString(t.shape()) + ", the model needs "
                    + Shape.toString(want) + " (? = any size)");
        }
        if (in.dtype().isFloating()) {
            if (!t.dtype().isFloating()) {
                throw new InvalidInputException("input '" + in.name() + "' is " + t.dtype() + ", the model needs " + in.dtype());
            }
            return t.dtype() == DType.F32 ? t : t.toF32(null);
        }
        if (in.dtype().isInteger() && !t.dtype().isInteger()) {
            throw new InvalidInputException("input '" + in.name() + "' is " + t.dtype() + ", the model needs integer ids (" + in.dtype() + ")");
        }
        return t;
    }

    /** The name of the backend building some of the layers, or {@code java} when the Java kernels run everything. */
    public String backendName() {
        return backend == null ? "java" : backend.name();
    }

    /** The number of compute threads. */
    public int threads() {
        return pool.threads();
    }

    /** Closes the model, its threads and what it owns (the weights file). Running a closed model throws IllegalStateException. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pool.close();
            if (backend != null) backend.close();
        }
        if (owner != null && !ownerClosed.getAndSet(true)) {
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + source + ": " + e.getMessage(), e);
            }
        }
    }
}
