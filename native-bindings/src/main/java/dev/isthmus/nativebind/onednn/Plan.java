package dev.isthmus.nativebind.onednn;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything a layer needs for one input shape: its primitives (created once, run by any number of threads) and a
 * pool of workspaces (streams, memory objects, scratchpads and staging buffers: one per concurrent caller, reused).
 */
abstract class Plan<W extends AutoCloseable> extends Shared {
    /** Idle workspaces kept per plan; more concurrent callers than this get a workspace that is freed after use. */
    static final int MAX_IDLE = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final ConcurrentLinkedDeque<W> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    W take() {
        W w = idle.pollFirst();
        if (w != null) {
            idleCount.decrementAndGet();
            return w;
        }
        return newWorkspace();
    }

    void give(W w) {
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offerFirst(w);
        } else {
            idleCount.decrementAndGet();
            closeQuietly(w);
        }
    }

    protected abstract W newWorkspace();

    /** Frees the primitives and whatever else the plan owns (not the workspaces: done here). */
    protected abstract void freePrimitives();

    @Override
    protected final void free() {
        for (W w; (w = idle.pollFirst()) != null; ) closeQuietly(w);
        freePrimitives();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
