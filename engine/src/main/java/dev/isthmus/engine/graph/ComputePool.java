package dev.isthmus.engine.graph;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The threads a model computes with: owned by the model (never a global or common pool), sized by the caller.
 * {@link #parallelFor} hands out task indices to the pool's workers and the calling thread; the split of work into
 * tasks is the kernel's and never depends on the thread count, so results are bitwise identical for any count.
 */
public final class ComputePool implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final ThreadLocal<ComputePool> CURRENT = new ThreadLocal<>();

    private final int threads;
    private final ExecutorService workers;

    /** A pool of {@code threads} threads in all: the caller plus {@code threads − 1} daemon workers. */
    public ComputePool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
        if (threads == 1) {
            workers = null;
        } else {
            int id = POOLS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            ThreadFactory f = r -> {
                Thread t = new Thread(r, "isthmus-" + id + "-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            workers = Executors.newFixedThreadPool(threads - 1, f);
        }
    }

    /** A single-threaded pool: everything runs on the caller. */
    public static ComputePool single() {
        return new ComputePool(1);
    }

    /** The default thread count: the machine's available cores. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task.accept(i)} for every i in [0, tasks) and returns when all are done. Tasks must write disjoint
     * outputs. A call from inside a task of the same pool runs sequentially (no nested fan-out, no deadlock).
     */
    public void parallelFor(int tasks, IntConsumer task) {
        if (tasks <= 0) return;
        if (workers == null || tasks == 1 || CURRENT.get() == this) {
            for (int i = 0; i < tasks; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            ComputePool prev = CURRENT.get();
            CURRENT.set(this);
            try {
                for (int i; (i = next.getAndIncrement()) < tasks; ) task.accept(i);
            } finally {
                CURRENT.set(prev);
            }
        };
        int helpers = Math.min(threads - 1, tasks - 1);
        Future<?>[] fs = new Future<?>[helpers];
        for (int h = 0; h < helpers; h++) fs[h] = workers.submit(drain);
        Throwable failure = null;
        try {
            drain.run();
        } catch (Throwable t) {
            failure = t;
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) failure = e.getCause();
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error er) throw er;
        if (failure != null) throw new IllegalStateException(failure);
    }

    /** Stops the workers. */
    @Override
    public void close() {
        if (workers != null) workers.shutdownNow();
    }
}
