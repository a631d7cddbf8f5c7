package dev.isthmus.engine.runtime;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.SpecLowering;
import dev.isthmus.engine.ir.Value;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.KernelWarmup;
import dev.isthmus.engine.ir.ops.Attention;
import dev.isthmus.engine.ir.ops.TransformerEncoder;
import dev.isthmus.engine.passes.Passes;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loaded model: its spec lowered into the graph IR, the fusion passes run, every node compiled once (on a backend
 * that claimed it, else on the Java kernels of {@link KernelProvider#get()}). Building checks the whole spec against
 * the weights and the input shapes before anything runs and reports every problem at once. A model is immutable and
 * safe to {@link #run} from many threads at once; {@link Session}s run it in planned memory.
 */
public final class Model implements AutoCloseable {
    /** The name of the model's result when the spec names no outputs. */
    public static final String DEFAULT_OUTPUT = SpecLowering.DEFAULT_OUTPUT;
    /** The {@link NodeInfo#backend()} of nodes on the Java kernels. */
    public static final String JAVA = "java";

    private final ModelSpec spec;
    private final String source;
    private final Graph graph;
    private final List<Step> steps;
    private final long weightBytes;
    private final AutoCloseable owner;
    private final ComputePool pool;
    private final Backend backend;
    private final boolean backendUsed;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ownerClosed = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Session> idle = new ConcurrentLinkedQueue<>();

    /**
     * A compiled node and where it runs: {@code backend} is the backend that compiled it, or null when it runs on the
     * Java kernels. The pool's spin decision is made from this, never from display text.
     */
    record Step(Node node, Executable exec, Backend backend) {
        /** {@link #JAVA} or the backend's name, for {@link NodeInfo#backend()}. */
        String where() {
            return backend == null ? JAVA : backend.placement(exec);
        }
    }

    /** What {@link #nodes()} tells of one node after the passes. */
    public record NodeInfo(String label, String op, String summary, List<String> inputs, List<String> outputs,
                           List<ValueType> outputTypes, String backend, List<String> absorbed) {
        /** The result shapes the declared input shapes imply ({@code -1} = depends on the input). */
        public List<long[]> outputShapes() {
            List<long[]> out = new ArrayList<>();
            for (ValueType t : outputTypes) out.add(t == null ? new long[0] : t.shape());
            return out;
        }
    }

    private Model(ModelSpec spec, String source, Graph graph, List<Step> steps, long weightBytes, AutoCloseable owner, int threads,
                  Backend backend) {
        this.spec = spec;
        this.source = source;
        this.graph = graph;
        this.steps = steps;
        this.weightBytes = weightBytes;
        this.owner = owner;
        this.backend = backend;
        this.backendUsed = usesBackend(steps);
        // a backend with threads of its own (oneDNN's OpenMP team spins between calls): the model's workers must not
        // spin beside it
        this.pool = new ComputePool(threads, !backendUsed);
    }

    /**
     * Builds a model from a spec and its weights with the default thread count and the Java kernels.
     *
     * @param owner closed with the model (e.g. the open weights file), or null
     * @throws ModelSpecException listing every problem
     */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner) {
        return build(spec, weights, owner, ComputePool.defaultThreads());
    }

    /** As {@link #build(ModelSpec, WeightSource, AutoCloseable)} with {@code threads} compute threads (the model owns them). */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads) {
        return build(spec, weights, owner, threads, null);
    }

    /**
     * As {@link #build(ModelSpec, WeightSource, AutoCloseable, int)}, with the nodes {@code backend} claims run by it
     * (null: the Java kernels for all). The model owns the backend and closes it with itself.
     */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads, Backend backend) {
        return build(spec, weights, owner, threads, backend, true);
    }

    /**
     * As {@link #build(ModelSpec, WeightSource, AutoCloseable, int, Backend)}; with {@code fuse} false the graph runs
     * as lowered, node by node (what the fusion passes are tested against).
     */
    public static Model build(ModelSpec spec, WeightSource weights, AutoCloseable owner, int threads, Backend backend, boolean fuse) {
        try {
            ComputePool.checkThreads(threads); // before the layers pack their weights
            SpecLowering.Lowered l = SpecLowering.lower(spec, weights);
            Graph g = l.graph();
            Passes.optimise(g, fuse);
            KernelProvider kernels = KernelProvider.get();
            // C2 compiles the kernels on tiny shapes on another thread while the layers pack their weights
            KernelWarmup warmup = KernelWarmup.start(kernels, families(g, l.weights().boundInt8()));
            List<Step> steps = new ArrayList<>();
            for (Node n : g.nodes()) {
                Executable e = backend == null ? null : backend.compile(n);
                steps.add(e != null ? new Step(n, e, backend) : new Step(n, n.op().compile(kernels), null));
                // the layer packed or copied what it runs on: the file's pages need not stay resident beside it
                weights.releasePages();
            }
            // the first run should find its kernels compiled: wait for the warm-up (it ran beside the packing)
            if (!warmup.await(KernelWarmup.MAX_WAIT_MILLIS)) warmup.stop();
            return new Model(spec, weights.source(), g, List.copyOf(steps), l.weights().boundBytes(), owner, threads, backend);
        } catch (RuntimeException e) {
            if (backend != null) backend.close();
            throw e;
        }
    }

    /**
     * The kernel families to warm for this graph (see {@link KernelWarmup.Family}): the encoder and the GEMM for a
     * Transformer (an encoder layer or attention), the int8 row kernels when some weight is int8 (a backend may
     * multiply it in int8), nothing otherwise.
     */
    static Set<KernelWarmup.Family> families(Graph g, boolean int8) {
        // the launcher's AOT training run (one model) records the profiles of every family's kernels
        if (Boolean.getBoolean("isthmus.warmup.all")) return EnumSet.allOf(KernelWarmup.Family.class);
        Set<KernelWarmup.Family> f = EnumSet.noneOf(KernelWarmup.Family.class);
        for (Node n : g.nodes()) {
            if (n.op() instanceof TransformerEncoder || n.op() instanceof Attention) {
                f.add(KernelWarmup.Family.ENCODER);
                f.add(KernelWarmup.Family.GEMM);
            }
        }
        if (int8) f.add(KernelWarmup.Family.INT8);
        return f;
    }

    List<Step> steps() {
        return steps;
    }

    /**
     * Whether some step runs on a backend. Such a backend has threads of its own (oneDNN's OpenMP team spins between
     * calls), so the model's workers must then park rather than spin beside them.
     */
    static boolean usesBackend(List<Step> steps) {
        for (Step s : steps) if (s.backend() != null) return true;
        return false;
    }

    Graph graph() {
        return graph;
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

    /**
     * Bytes the plan for these inputs' shapes takes (its one buffer: every intermediate value by liveness, and the
     * nodes' scratch), without running anything; what a session holds per input shape.
     */
    public long planBytes(Map<String, Tensor> inputs) {
        if (closed.get()) throw new IllegalStateException("model " + source + " is closed");
        return Plan.build(this, checkedInputs(inputs, new Tensor[spec.inputs().size()]), pool).bytes();
    }

    /** True: every model runs in planned memory (kept for callers that asked before every op had a planned path). */
    public boolean isPlanned() {
        return true;
    }

    /** True when some nodes run on a backend with threads of its own; the model's pool then never spins. */
    public boolean usesBackend() {
        return backendUsed;
    }

    /** True when the model's idle workers spin between parallel sections rather than park at once. */
    public boolean spins() {
        return pool.spins();
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
        return graph.outputNames();
    }

    /**
     * The name of the op computing result {@code i} after the passes ({@code softmax}, {@code Linear}, ...), or
     * {@code input} when a result is a model input.
     */
    public String outputOp(int i) {
        Node n = graph.outputs().get(i).producer();
        return n == null ? "input" : n.op().name();
    }

    /** The result shapes the spec's input shapes imply ({@code -1} = depends on the input). */
    public Map<String, long[]> outputShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < graph.outputs().size(); i++) {
            ValueType t = graph.outputs().get(i).type();
            m.put(graph.outputNames().get(i), t == null ? null : t.shape());
        }
        return m;
    }

    /** The nodes in run order after the fusion passes, with the types the declared input shapes imply. */
    public List<NodeInfo> nodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (Step s : steps) {
            Node n = s.node();
            List<ValueType> types = new ArrayList<>();
            for (Value v : n.outputs()) types.add(v.type());
            out.add(new NodeInfo(n.label(), n.op().name(), n.op().summary(), n.inputs().stream().map(Value::name).toList(),
                    n.outputs().stream().map(Value::name).toList(), types, s.where(), n.absorbed()));
        }
        return out;
    }

    /** The class labels of the spec, or empty. */
    public List<String> labels() {
        return spec.labels();
    }

    /** Bytes the compiled nodes hold beyond the mapped weights: packed panels and converted copies. */
    public long heldBytes() {
        long b = 0;
        for (Step s : steps) b += s.exec().heldBytes();
        return b;
    }

    /** Bytes of the weights bound by the nodes, as stored. */
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
     * Runs the model. Inputs are checked against the spec: every input present (optional ones may be left out), no
     * unknown names, the declared rank, every fixed dimension equal. Floating inputs of another precision convert to
     * F32; integer inputs may be I32 or I64 whatever the spec says.
     *
     * @return owned copies of the results by output name, in {@link #outputNames()} order
     * @throws InvalidInputException for a missing, unknown or mis-shaped input
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed.get()) throw new IllegalStateException("model " + source + " is closed");
        Session s = idle.poll();
        if (s == null) s = new Session(this);
        try {
            Map<String, Tensor> views = s.run(inputs);
            Map<String, Tensor> out = new LinkedHashMap<>();
            views.forEach((k, v) -> out.put(k, v.dtype() == DType.F32 ? Tensor.ofFloats(v.toFloatArray(), v.shape())
                    : Tensor.ofLongs(v.toLongArray(), v.shape())));
            return out;
        } finally {
            idle.offer(s);
        }
    }

    /**
     * The inputs in spec order, checked: every input present unless optional (then null), no unknown names, the
     * declared rank, every fixed dimension equal. Allocation-free for well-formed inputs.
     */
    Tensor[] checkedInputs(Map<String, Tensor> inputs, Tensor[] ordered) {
        List<InputSpec> specs = spec.inputs();
        int found = 0;
        for (int i = 0; i < specs.size(); i++) {
            InputSpec in = specs.get(i);
            Tensor t = inputs.get(in.name());
            if (t == null && Boolean.TRUE.equals(in.extras().get("optional"))) {
                ordered[i] = null;
                continue;
            }
            if (t == null) throw new InvalidInputException("missing input '" + in.name() + "' (" + in + ")");
            ordered[i] = checkInput(in, t);
            found++;
        }
        for (int i = 0; i < specs.size(); i++) {
            if (ordered[i] == null || !(specs.get(i).extras().get(InputSpec.SHAPE_OF) instanceof String other)) continue;
            for (int k = 0; k < specs.size(); k++) {
                if (specs.get(k).name().equals(other) && ordered[k] != null && !sameShape(ordered[i], ordered[k])) {
                    throw new InvalidInputException("input '" + specs.get(i).name() + "' has shape " + Shape.toString(ordered[i].shape())
                            + ", it must have the shape of '" + other + "', " + Shape.toString(ordered[k].shape()));
                }
            }
        }
        if (inputs.size() != found) {
            for (String name : inputs.keySet()) {
                if (specs.stream().noneMatch(i -> i.name().equals(name))) {
                    throw new InvalidInputException("unknown input '" + name + "'; the model's inputs are "
                            + specs.stream().map(InputSpec::name).toList());
                }
            }
        }
        return ordered;
    }

    private static boolean sameShape(Tensor a, Tensor b) {
        if (a.rank() != b.rank()) return false;
        for (int d = 0; d < a.rank(); d++) if (a.dim(d) != b.dim(d)) return false;
        return true;
    }

    private static Tensor checkInput(InputSpec in, Tensor t) {
        long[] want = in.shapeView();
        boolean ok = want.length == t.rank();
        for (int i = 0; ok && i < want.length; i++) ok = want[i] < 0 || want[i] == t.dim(i);
        if (!ok) {
            throw new InvalidInputException("input '" + in.name() + "' has shape " + Shape.toString(t.shape()) + ", the model needs "
                    + Shape.toString(want) + " (? = any size)");
        }
        if (in.extras().get(InputSpec.MAX_SHAPE) instanceof java.util.List<?> max) {
            for (int i = 0; i < Math.min(max.size(), want.length); i++) {
                if (max.get(i) instanceof Number m && m.longValue() >= 0 && t.dim(i) > m.longValue()) {
                    Object why = in.extras().get(InputSpec.MAX_REASON);
                    throw new InvalidInputException("input '" + in.name() + "' has shape " + Shape.toString(t.shape()) + ": dimension " + i
                            + " is at most " + m.longValue() + (why == null ? "" : " (" + why + ")"));
                }
            }
        }
        if (in.dtype().isFloating() && !t.dtype().isFloating()) {
            throw new InvalidInputException("input '" + in.name() + "' is " + t.dtype() + ", the model needs " + in.dtype());
        }
        if (in.dtype().isInteger() && !t.dtype().isInteger() && t.dtype() != DType.BOOL) {
            throw new InvalidInputException("input '" + in.name() + "' is " + t.dtype() + ", the model needs integer ids (" + in.dtype() + ")");
        }
        return t;
    }

    /** The name of the backend that runs some of the model's nodes, or {@code java} when the Java kernels run all. */
    public String backendName() {
        return backend == null || !backendUsed ? JAVA : backend.name();
    }

    /**
     * What the backend the model was built with claims and why (see {@link Backend#policy()}), or that the Java
     * kernels run everything.
     */
    public String backendPolicy() {
        return backend == null ? "the Java kernels run every node" : backend.policy();
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
