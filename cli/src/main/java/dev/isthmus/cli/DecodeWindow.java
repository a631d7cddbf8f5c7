package dev.isthmus.cli;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Decodes inputs on a few threads, at most {@code window} ahead of the consumer and in input order: what is held at
 * once is bounded by the window, not by the number of inputs (predict decoded a whole folder before printing, about
 * 1 MB per 224×224 image, and 16,000 small PNGs ran out of memory after 9,504 labels). A taken result is no longer
 * referenced here.
 */
final class DecodeWindow<S, T> implements AutoCloseable {
    private final List<S> inputs;
    private final Function<S, T> decode;
    private final int window;
    private final ExecutorService pool;
    private final ArrayDeque<Future<T>> ahead = new ArrayDeque<>();
    private int next;

    DecodeWindow(List<S> inputs, Function<S, T> decode, int threads, int window) {
        if (threads < 1 || window < 1) throw new IllegalArgumentException("threads and window must be ≥ 1");
        this.inputs = inputs;
        this.decode = decode;
        this.window = window;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "isthmus-decode");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    boolean hasNext() {
        return !ahead.isEmpty();
    }

    /** The next result in input order, waiting for its decoding; it stays next until {@link #take}. */
    T peek() throws InterruptedException {
        try {
            return ahead.getFirst().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Removes and returns the next result, and starts decoding one more input. */
    T take() throws InterruptedException {
        T t = peek();
        ahead.removeFirst();
        fill();
        return t;
    }

    private void fill() {
        while (ahead.size() < window && next < inputs.size()) {
            S s = inputs.get(next++);
            ahead.addLast(pool.submit(() -> decode.apply(s)));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
