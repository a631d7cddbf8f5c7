package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.Conv;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.ir.ops.Pool;
import dev.isthmus.engine.ir.ops.Products;
import dev.isthmus.engine.ir.ops.Recurrent;
import dev.isthmus.engine.ir.ops.TransformerEncoder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * oneDNN for one model: a thread count and the layers compiled with it (the graph nodes it claimed, see
 * {@link #compile}). Closing it (the model does, with itself) closes every layer it compiled, freeing their native
 * memory (primitives, descriptors, memory objects, packed weights, scratchpads) at that moment; a layer still running
 * finishes first and frees after. What stays for the life of the process: the library, one CPU engine, and oneDNN's
 * primitive cache (compiled kernels of recently created primitives, at most 1024 by default;
 * {@code ONEDNN_PRIMITIVE_CACHE_CAPACITY} sets it), so that loading the same model again is fast and costs no memory.
 *
 * <h2>Threads</h2>
 * oneDNN runs its primitives on OpenMP threads (the bundled build uses GNU libgomp). {@link #open(int) open(n)} makes
 * every oneDNN call of this backend use n threads: before creating or running a primitive, the calling thread's
 * OpenMP thread count is set to n with {@code omp_set_num_threads} (found in the libgomp that libdnnl itself
 * loaded). {@code OMP_NUM_THREADS} only sets the initial value and is then overridden. A model run is sequential
 * node by node, and oneDNN layers never use the model's Java {@code ComputePool}; so while a oneDNN layer runs the
 * Java workers are idle (a model with nodes on a backend never lets them spin), and while a Java node runs OpenMP's
 * workers are idle (after a short spin): never more than n busy threads per concurrent {@code Model.run}. To serve
 * several requests in parallel, give each model fewer threads (total = concurrent runs × n); OpenMP keeps a separate
 * team per calling thread. Set {@code OMP_WAIT_POLICY=PASSIVE} in the environment to make idle OpenMP workers sleep
 * at once instead of spinning (libgomp reads it at process start).
 */
public final class OneDnnBackend implements Backend {
    /** The name users select this backend by ({@code --backend onednn}). */
    public static final String NAME = "onednn";

    /**
     * The ops (by {@link dev.isthmus.engine.ir.Op#name()}) this backend may claim in an F32 model; {@link #compile}
     * still declines the argument combinations and fused epilogues it cannot run exactly. In a model with int8 weights
     * it also claims {@code TransformerEncoder}, {@code TransformerEncoderLayer} and {@code LSTM} (see {@link #compile}).
     */
    public static final Set<String> OPS = Set.of("Conv1d", "Conv2d", "Linear", "GRU", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d");

    /** Plans (primitives for one input shape) kept per layer; more shapes than this evict the least recently used. */
    static final int PLANS_PER_LAYER = Integer.getInteger("isthmus.onednn.plansPerLayer", 16);

    private final LoadedLibrary lib;
    private final int threads;
    final MemorySegment engine;
    /** Counts the open layers (plus the backend's own reference until close), so none registers after close. */
    private final Shared life;
    private final Set<OneDnnLayerBase> layers = ConcurrentHashMap.newKeySet();
    /** The buffers of the int8 products during a call, shared by all of them (see {@link Int8Staging}). */
    final Int8Staging.Pool int8Staging = new Int8Staging.Pool();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OneDnnBackend(LoadedLibrary lib, int threads) {
        this.lib = lib;
        this.threads = threads;
        this.engine = lib.engine();
        life = new Shared() {
            @Override
            protected void free() {
                // nothing native of its own: the layers freed theirs; the engine is the process's
            }
        };
    }

    /**
     * A backend whose layers run with {@code threads} OpenMP threads.
     *
     * @throws OneDnnUnavailableException when oneDNN cannot be loaded, saying why (see {@link OneDnn#probe()})
     */
    public static OneDnnBackend open(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        return new OneDnnBackend(LoadedLibrary.require(), threads);
    }

    public int threads() {
        return threads;
    }

    /** The loaded library's version, ISA and location. */
    public OneDnnStatus status() {
        return lib.info;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The node on oneDNN, or null to leave it to the Java kernels. Claimed: {@code Conv2d} and {@code Conv1d} (as 2-D
     * with height 1) with no epilogue or a fused ReLU; {@code Linear} with at least one input and one output feature,
     * with no epilogue or a fused ReLU; {@code GRU} with every argument (an initial state h_0 too); max and average
     * pooling, 1-D and 2-D, with every argument (the rare shapes oneDNN's averaging cannot match run on the op's Java
     * kernel inside the layer); with int8 weights (a quantized model), a {@code Linear} with no epilogue, a ReLU or a
     * GELU (and a fused residual), and {@code TransformerEncoder} / {@code TransformerEncoderLayer} whose four projections
     * are all int8, computed in int8 ({@link OneDnnInt8Linear}), and an {@code LSTM} without a projection whose weights are
     * int8 (its input projections in int8, {@link #int8Recurrent}). Declined: a fused residual, a fused max pooling, any
     * other fused activation, other LSTMs and RNN, and every other op. The op's arguments were checked when it was built; its weights are copied to native
     * memory here. The layer belongs to this backend and is closed with it.
     *
     * @throws IllegalStateException when the backend is closed
     */
    @Override
    public Executable compile(Node node) {
        if (closed.get()) throw new IllegalStateException("the oneDNN backend is closed");
        String label = node.label();
        return switch (node.op()) {
            case TransformerEncoder e when e.quantizedInt8() -> int8Encoder(label, e);
            case Linear l when OneDnnInt8Linear.takes(l.weight()) && int8Epilogue(l.activation()) ->
                    new OneDnnInt8Linear(this, label, l.weight(), l.biasFloats(), l.activation(), l.hasResidual());
            case Conv c when !c.hasResidual() && !c.hasMaxPool2() && plainOrRelu(c.activation()) -> new OneDnnConv2d(this, label, c);
            case Linear l when !l.hasResidual() && plainOrRelu(l.activation()) && l.inFeatures() > 0 && l.outFeatures() > 0 ->
                    new OneDnnLinear(this, label, l);
            case Recurrent r when r.cell() == Recurrent.Cell.GRU -> new OneDnnGru(this, label, r);
            case Recurrent r when r.quantizedInt8() -> int8Recurrent(label, r);
            case Pool p -> new OneDnnPool2d(this, label, p);
            default -> null;
        };
    }

    /**
     * A Transformer encoder whose projections are int8: the four products of each layer on oneDNN's int8 matmul
     * ({@link OneDnnInt8Linear}), the attention, LayerNorms and the rest on the Java kernels. Each product is a layer
     * of this backend (closed with it).
     */
    private Executable int8Encoder(String label, TransformerEncoder e) {
        return withInt8Products(label, products -> e.compile(KernelProvider.get(), products));
    }

    /**
     * A GRU or an LSTM (no projection) whose weights are int8 ({@link Recurrent#quantizedInt8()}): the input
     * projections of each layer and direction — one product over all the steps — on oneDNN's int8 matmul
     * ({@link OneDnnInt8Linear}), the steps (W_hh·h per step, a matrix-vector product, and the gates) on the Java
     * weight-only kernels. Each product is a layer of this backend (closed with it).
     */
    Executable int8Recurrent(String label, Recurrent r) {
        return withInt8Products(label, products -> r.compile(KernelProvider.get(), products));
    }

    /** What {@code build} makes with int8 products on oneDNN named after {@code label}; the products are closed if it fails. */
    private Executable withInt8Products(String label, Function<Products, Executable> build) {
        List<OneDnnInt8Linear> made = new ArrayList<>();
        try {
            return build.apply((name, weight, bias, act) -> {
                OneDnnInt8Linear l = new OneDnnInt8Linear(this, label + "." + name, weight, bias, act);
                made.add(l);
                return l;
            });
        } catch (RuntimeException ex) {
            for (OneDnnInt8Linear l : made) l.close();
            throw ex;
        }
    }

    /** The activations an int8 product applies as it copies its result out ({@link KernelProvider#dequantizeRows}). */
    private static boolean int8Epilogue(Activation a) {
        return a == Activation.NONE || a == Activation.RELU || a == Activation.GELU;
    }

    /** The epilogues a oneDNN convolution or matmul runs exactly: none, or a ReLU post-op. */
    private static boolean plainOrRelu(Activation a) {
        return a == Activation.NONE || a == Activation.RELU;
    }

    /** Called by a layer's constructor once it owns native memory. */
    void register(OneDnnLayerBase layer) {
        if (!life.retain()) throw new IllegalStateException("the oneDNN backend is closed");
        layers.add(layer);
        if (closed.get()) {
            // close() ran concurrently and may have missed this layer
            layer.close();
        }
    }

    /** Called once a layer has freed its native memory. */
    void unregister(OneDnnLayerBase layer) {
        if (layers.remove(layer)) life.release();
    }

    /** The layers compiled and not yet closed. */
    public int openLayers() {
        return layers.size();
    }

    /** The layers compiled and not yet closed, for tests. */
    List<OneDnnLayerBase> layers() {
        return List.copyOf(layers);
    }

    /** Sets the calling thread's OpenMP thread count to this backend's; called before each oneDNN create or run. */
    void useThreads() {
        lib.useThreads(threads);
    }

    /** Copies {@code src} (layout {@code srcMd}) into {@code dst} (layout {@code dstMd}) with a reorder primitive. */
    void reorder(String what, MemorySegment srcMd, MemorySegment src, MemorySegment dstMd, MemorySegment dst) {
        useThreads();
        Primitive p;
        try (Dnnl.Scope s = new Dnnl.Scope()) {
            MemorySegment slot = s.slot();
            Dnnl.check(dnnl_h.dnnl_reorder_primitive_desc_create(slot, srcMd, engine, dstMd, engine, s.attr()),
                    "dnnl_reorder_primitive_desc_create(" + what + ")");
            p = new Primitive("reorder " + what, Dnnl.out(slot));
        }
        try (p; Exec e = new Exec(engine, p, dnnl_h.DNNL_ARG_FROM(), dnnl_h.DNNL_ARG_TO())) {
            e.run(src, dst);
        }
    }

    /**
     * oneDNN's single-precision GEMM, row-major: C = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ, on this
     * backend's threads. Segments must be native and large enough for their leading dimensions.
     */
    public void sgemm(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a, long lda,
                      MemorySegment b, long ldb, float beta, MemorySegment c, long ldc) {
        if (closed.get()) throw new IllegalStateException("the oneDNN backend is closed");
        if (!a.isNative() || !b.isNative() || !c.isNative()) throw new IllegalArgumentException("sgemm needs native segments");
        long aNeed = transA ? (k - 1) * lda + m : (m - 1) * lda + k;
        long bNeed = transB ? (n - 1) * ldb + k : (k - 1) * ldb + n;
        long cNeed = (m - 1) * ldc + n;
        if (m > 0 && n > 0 && k > 0 && (a.byteSize() < aNeed * 4 || b.byteSize() < bNeed * 4 || c.byteSize() < cNeed * 4)) {
            throw new IllegalArgumentException("sgemm: a segment is smaller than its matrix");
        }
        useThreads();
        Dnnl.check(dnnl_h.dnnl_sgemm((byte) (transA ? 'T' : 'N'), (byte) (transB ? 'T' : 'N'), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
                "dnnl_sgemm");
    }

    /** Closes every layer compiled by this backend; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<OneDnnLayerBase> all = new ArrayList<>(layers);
        for (OneDnnLayerBase l : all) l.close();
        int8Staging.close();
        life.release();
    }
}
