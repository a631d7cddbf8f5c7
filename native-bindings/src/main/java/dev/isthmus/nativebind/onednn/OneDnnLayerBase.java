package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.tensor.Shape;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** What every oneDNN layer shares: its life cycle (pinned while running, freed once on close) and frame staging. */
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

    /**
     * Builds the plan (primitives, weights reordered into the layout they want, one workspace) for {@code key} now,
     * when the engine makes a plan for a shape, rather than at the first run.
     */
    final <K, W extends AutoCloseable, P extends Plan<W>> void warm(PlanCache<K, P> plans, K key, Function<K, P> factory) {
        enter();
        try {
            P p = plans.acquire(key, factory);
            try {
                p.give(p.take());
            } finally {
                p.release();
            }
        } finally {
            exit();
        }
    }

    /**
     * The run of a single-primitive layer: takes the plan for {@code key} and one of its workspaces, copies input 0 of
     * the frame into the staging source, runs the primitive, and copies the result to output 0.
     */
    final <K, P extends Plan<StagedWorkspace>> void runStaged(PlanCache<K, P> plans, K key, Function<K, P> factory, Frame f) {
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

    /** The rows of a matrix product over an input of shape {@code s}: every dimension but the last. */
    static int rows(long[] s) {
        return Math.toIntExact(Shape.prod(s, 0, s.length - 1));
    }

    /** Copies input {@code i} of a frame into native memory (native code cannot hold a pointer into the Java heap). */
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

    /** Frees the plans and weights; runs once, when no run is going on. */
    abstract void freeNative();

    /** Plans (input shapes) cached now. */
    abstract int cachedPlans();

    @Override
    public String toString() {
        return "oneDNN " + label;
    }
}
