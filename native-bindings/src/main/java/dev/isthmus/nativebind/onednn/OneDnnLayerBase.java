package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** What every oneDNN layer shares: its life cycle (pinned while running, freed once on close) and tensor staging. */
abstract class OneDnnLayerBase implements OneDnnLayer {
    final OneDnnBackend backend;
    final String label;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String implementation = "not prepared yet";
    private final Shared life = new Shared() {
        @Override
        protected void free() {
            try {
                freeNative();
            } finally {
                backend.unregister(OneDnnLayerBase.this);
            }
        }
    };

    OneDnnLayerBase(OneDnnBackend backend, String label) {
        this.backend = backend;
        this.label = label;
    }

    /**
     * Registers with the backend; the subclass constructor calls this last, once it owns native memory (freed again
     * here when the backend was closed meanwhile).
     */
    final void registered() {
        try {
            backend.register(this);
        } catch (IllegalStateException e) {
            freeNative();
            throw e;
        }
    }

    /**
     * Pins the layer for one call (a concurrent {@link #close()} defers freeing until {@link #exit()}) and sets the
     * calling thread's OpenMP thread count. Every enter is paired with an exit in a finally block.
     */
    final void enter() {
        if (!life.retain()) throw new IllegalStateException(label + ": the oneDNN layer is closed");
        try {
            backend.useThreads();
        } catch (RuntimeException e) {
            life.release();
            throw e;
        }
    }

    final void exit() {
        life.release();
    }

    /** The planned path has inputs and results in the session's float[]; these copy them to and from native memory. */
    @Override
    public final boolean isPlanned() {
        return true;
    }

    /**
     * The planned path of a single-primitive layer: takes the plan for {@code key} and one of its workspaces, copies
     * input 0 of the frame into the staging source, runs the primitive, and copies the result to output 0.
     */
    final <K, P extends Plan<StagedWorkspace>> void runStaged(PlanCache<K, P> plans, K key, java.util.function.Function<K, P> factory,
                                                              Frame f) {
        enter();
        try {
            P p = plans.acquire(key, factory);
            try {
                StagedWorkspace ws = p.take();
                try {
                    load(f, 0, ws.src());
                    ws.exec().set(0, ws.src());
                    ws.exec().execute();
                    store(ws.dst(), f, 0);
                } finally {
                    p.give(ws);
                }
            } finally {
                p.release();
            }
        } finally {
            exit();
        }
    }

    /** Copies input {@code i} of a frame into native memory. */
    static void load(Frame f, int i, MemorySegment dst) {
        MemorySegment.copy(f.buf, f.in[i], dst, ValueLayout.JAVA_FLOAT, 0, f.inSize(i));
    }

    /** Copies a native result into result {@code i} of a frame. */
    static void store(MemorySegment src, Frame f, int i) {
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 0, f.buf, f.out[i], f.outSize(i));
    }

    final void implementation(String name) {
        implementation = name;
    }

    @Override
    public final String implementation() {
        return implementation;
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) life.release();
    }

    /** Frees the plans and weights; runs once, when no forward is running. */
    abstract void freeNative();

    /** The shapes with every unknown (-1) dimension taken as 1. */
    static List<long[]> concrete(List<long[]> shapes) {
        return shapes.stream().map(s -> {
            long[] c = s.clone();
            for (int i = 0; i < c.length; i++) if (c[i] < 0) c[i] = 1;
            return c;
        }).toList();
    }

    /**
     * The tensor's elements as a native F32 buffer: its own memory when it already is one (no copy), else a copy into
     * {@code staging} (heap arrays must be copied: native code cannot hold a pointer into the Java heap).
     */
    static MemorySegment source(Tensor t, MemorySegment staging) {
        MemorySegment s = t.segment();
        if (t.dtype() == DType.F32 && s.isNative() && (s.address() & 3) == 0) return s;
        long n = t.numel();
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(s, 0, staging, 0, n * Float.BYTES);
        } else {
            float[] f = t.toFloatArray();
            MemorySegment.copy(f, 0, staging, ValueLayout.JAVA_FLOAT, 0, f.length);
        }
        return staging;
    }

    /** {@code n} floats of a native result, as a new Java array (the result tensor's storage). */
    static float[] toHeap(MemorySegment s, long offsetFloats, int n) {
        float[] y = new float[n];
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, offsetFloats * Float.BYTES, y, 0, n);
        return y;
    }
}
