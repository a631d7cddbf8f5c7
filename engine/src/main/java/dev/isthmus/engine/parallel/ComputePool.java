package dev.isthmus.engine.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The threads a model computes with: owned by the model (never a global or common pool), sized by the caller.
 * {@link #parallelFor} hands out task indices to the pool's workers and the calling thread; the split of work into
 * tasks is the kernel's and never depends on the thread count, so results are bitwise identical for any count.
 *
 * <p>Workers wait for the next parallel section spinning for {@link #SPIN_NANOS} after their last one, then park
 * (unless the pool was made not to spin: {@link #ComputePool(int, boolean)}). A
 * model's sections come in quick succession (a GRU step every few microseconds), and waking a parked thread costs
 * tens of microseconds on a virtual machine whose idle vCPU the hypervisor halted (on 2 threads of a parking pool
 * the seed CNN's conv2 ran slower than on 1; bench/kernels-results.md). A section allocates nothing.
 *
 * <p>One section runs at a time: a thread that calls {@link #parallelFor} while another thread's section holds the
 * workers runs its tasks itself, on its own thread (same results, no waiting on the other section).
 */
public final class ComputePool implements AutoCloseable {
    /** How long an idle worker spins before it parks: long enough to bridge the gaps between the sections of a run. */
    static final long SPIN_NANOS = 200_000;

    /**
     * The least work, in multiply-adds, that a compute-bound kernel (convolution, matrix product, a recurrent step)
     * splits across threads: below it the call runs on the caller alone, the same code as on one thread. 2²² is about
     * 30 µs on one core. A section costs 1–2 µs of handing out and waiting, and on a virtual machine the second vCPU is
     * not always a whole core (a one-thread FMA loop ran at 210 GFLOP/s here, two threads together anywhere from 160
     * to 380): at 2¹⁸ the seed CNN at batch 1 ran slower on 2 threads than on 1, at 2²² it is not split and batch 32
     * keeps its gain (bench/kernels-results.md, "Measurements behind the kernels' constants").
     * {@code -Disthmus.parallel.minFmas=N} overrides it.
     */
    public static final long MIN_PARALLEL_FMAS = Long.getLong("isthmus.parallel.minFmas", 1L << 22);

    /**
     * The most threads a pool takes: far more than compute ever gains from, few enough that a mistyped count (a
     * hostile or mistaken {@code --threads 100000} spent 43 s creating threads, then ran out of memory) fails at once.
     */
    public static final int MAX_THREADS = 256;

    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final ThreadLocal<ComputePool> CURRENT = new ThreadLocal<>();

    private final int threads;
    private final long spinNanos;
    private final Worker[] workers;
    private final ReentrantLock section = new ReentrantLock();
    // the current section: written by the caller before it hands the section to its helpers through their volatile
    // tickets, and not again before every helper has finished it
    private IntConsumer task;
    private int tasks, sections;
    private final AtomicInteger next = new AtomicInteger();
    /** Workers of the current section that have not finished it. */
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    /** A pool of {@code threads} threads in all: the caller plus {@code threads − 1} daemon workers that spin between
     * sections (see the class comment). */
    public ComputePool(int threads) {
        this(threads, true);
    }

    /**
     * The same; with {@code spin} false an idle worker parks at once. For models that also run layers on another
     * runtime's threads (oneDNN's OpenMP team, which spins itself): a worker spinning beside that team takes its
     * core (the seed CNN on the oneDNN backend ran four times slower at batch 1 on 2 threads).
     */
    public ComputePool(int threads, boolean spin) {
        checkThreads(threads);
        this.threads = threads;
        this.spinNanos = spin ? SPIN_NANOS : 0;
        workers = new Worker[threads - 1];
        int id = threads > 1 ? POOLS.incrementAndGet() : 0;
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            Thread t = new Thread(workers[i], "isthmus-" + id + "-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i].thread = t;
        }
        for (Worker w : workers) w.thread.start();
    }

    /** Throws IllegalArgumentException unless 1 ≤ threads ≤ {@link #MAX_THREADS}: callers check before loading anything. */
    public static int checkThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        if (threads > MAX_THREADS) throw new IllegalArgumentException("threads must be ≤ " + MAX_THREADS + ", got " + threads);
        return threads;
    }

    /** A single-threaded pool: everything runs on the caller. */
    public static ComputePool single() {
        return new ComputePool(1);
    }

    /** The default thread count: the machine's available cores (at most {@link #MAX_THREADS}). */
    public static int defaultThreads() {
        return Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /**
     * True when a compute-bound call of {@code fmas} multiply-adds should be split into tasks for this pool's threads
     * (a pool of more than one thread and at least {@link #MIN_PARALLEL_FMAS} of work). Null means no pool.
     */
    public static boolean splits(ComputePool pool, long fmas) {
        return pool != null && pool.threads > 1 && fmas >= MIN_PARALLEL_FMAS;
    }

    /** True when idle workers spin between sections (see {@link #ComputePool(int, boolean)}). */
    public boolean spins() {
        return spinNanos > 0 && threads > 1;
    }

    /**
     * Runs {@code task.accept(i)} for every i in [0, tasks) and returns when all are done. Tasks must write disjoint
     * outputs. A call from inside a task of the same pool runs sequentially (no nested fan-out, no deadlock), as does
     * a call while another thread's call holds the workers. The first exception a task throws is rethrown here, after
     * every started task has finished.
     */
    public void parallelFor(int tasks, IntConsumer task) {
        if (tasks <= 0) return;
        if (workers.length == 0 || tasks == 1 || CURRENT.get() == this || !section.tryLock()) {
            for (int i = 0; i < tasks; i++) task.accept(i);
            return;
        }
        try {
            if (closed) { // the workers are gone (close() waits for a section in progress, then takes the lock)
                for (int i = 0; i < tasks; i++) task.accept(i);
                return;
            }
            int helpers = Math.min(workers.length, tasks - 1);
            this.task = task;
            this.tasks = tasks;
            next.set(0);
            failure.set(null);
            running.set(helpers);
            int no = ++sections;
            for (int h = 0; h < helpers; h++) {
                Worker w = workers[h];
                w.ticket = no; // volatile: publishes the fields above to this worker
                if (w.parked) LockSupport.unpark(w.thread); // parked is volatile too: it sees the ticket, or we see it parked
            }
            ComputePool outer = CURRENT.get(); // another pool's, when a task of that pool called this one
            CURRENT.set(this);
            try {
                drain(task, tasks);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                CURRENT.set(outer);
            }
            for (int spins = 0; running.get() > 0; spins++) {
                if (spins < 10_000) Thread.onSpinWait();
                else Thread.yield(); // a worker was descheduled: let it run
            }
            this.task = null; // no reference kept to the caller's task
            Throwable t = failure.getAndSet(null);
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error er) throw er;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            section.unlock();
        }
    }

    private void drain(IntConsumer task, int tasks) {
        for (int i; (i = next.getAndIncrement()) < tasks; ) task.accept(i);
    }

    /** Stops the workers, after a section in progress has finished; later calls run on the caller. */
    @Override
    public void close() {
        section.lock();
        try {
            closed = true;
        } finally {
            section.unlock();
        }
        for (Worker w : workers) LockSupport.unpark(w.thread);
    }

    private final class Worker implements Runnable {
        Thread thread;
        /** The last section handed to this worker (written by the caller, under the section lock). */
        volatile int ticket;
        volatile boolean parked;

        @Override
        public void run() {
            CURRENT.set(ComputePool.this);
            int seen = 0;
            while (true) {
                long idleSince = System.nanoTime();
                int t;
                while ((t = ticket) == seen && !closed) {
                    if (System.nanoTime() - idleSince < spinNanos) {
                        Thread.onSpinWait();
                    } else {
                        parked = true; // then re-check: a caller that writes the ticket after this sees parked
                        if (ticket == seen && !closed) LockSupport.park(this);
                        parked = false;
                    }
                }
                if (t == seen) return; // closed
                seen = t;
                try {
                    drain(task, tasks);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    running.decrementAndGet();
                }
            }
        }
    }
}
