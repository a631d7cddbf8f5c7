package dev.isthmus.engine.kernels;

import java.util.Arrays;

/**
 * A reusable per-thread work buffer for one call site of a kernel, so that a kernel allocates nothing on the heap in
 * steady state: the first call on a thread allocates, later calls reuse the buffer and grow it (and keep the larger
 * one) only when a call needs more. Pool workers are threads too, so each worker has its own buffer.
 *
 * <p>Rules for callers:
 * <ul>
 * <li>One {@code Scratch} per call site ({@code static final}), so two buffers live at the same time never share
 * an array. A site's buffer must not be asked for again on the same thread while it is still in use (no recursion
 * through the same site).</li>
 * <li>The array may be longer than asked for and holds whatever the previous call on this thread left: never use
 * {@code .length}, and zero (or fill) every region that is read before it is written — {@link #zeroed} does.</li>
 * <li>The buffer may be handed to other threads for the duration of a call (e.g. a GEMM's packed operand read by
 * the pool's workers) as long as the owning thread does not reuse it before they are done.</li>
 * </ul>
 * A buffer stays reachable from its thread for as long as the thread lives; that is the point. {@link #release}
 * drops the calling thread's buffer.
 */
public final class Scratch {
    private static final float[] EMPTY = new float[0];
    /** Sizes are rounded up to this many floats (64 bytes), so that slightly growing shapes do not reallocate. */
    private static final int ROUND = 16;
    /** Floats past what was asked for: a vector access with a partial mask near an array's end takes the Vector
     * API's slow per-lane range check, anywhere else a single bounds test. */
    private static final int SLACK = 64;

    /** Bytes of every thread's float buffers of every site (a buffer counts from its allocation until released). */
    private static final java.util.concurrent.atomic.AtomicLong HELD = new java.util.concurrent.atomic.AtomicLong();

    private final ThreadLocal<float[]> local = new ThreadLocal<>();

    /** A buffer of at least {@code n} floats with unspecified contents. */
    public float[] floats(int n) {
        float[] a = local.get();
        if (a == null || a.length < n) {
            float[] old = a;
            a = n == 0 ? EMPTY : new float[roundUp(n)];
            HELD.addAndGet(4L * (a.length - (old == null ? 0 : old.length)));
            local.set(a);
        }
        return a;
    }

    /**
     * Bytes the kernels' per-thread float buffers hold now, all sites and threads together (buffers of threads that
     * ended without {@link #release} still count: an upper bound), for {@code --verbose}.
     */
    public static long heldBytes() {
        return HELD.get();
    }

    /** A buffer of at least {@code n} floats whose first {@code n} are 0. */
    public float[] zeroed(int n) {
        float[] a = floats(n);
        Arrays.fill(a, 0, n, 0f);
        return a;
    }

    /** A buffer of at least {@code n} floats whose first {@code n} are {@code value}. */
    public float[] filled(int n, float value) {
        float[] a = floats(n);
        Arrays.fill(a, 0, n, value);
        return a;
    }

    /** Drops the calling thread's buffer (the next call allocates again). */
    public void release() {
        float[] a = local.get();
        if (a != null) HELD.addAndGet(-4L * a.length);
        local.remove();
    }

    private static int roundUp(int n) {
        if (n < 0) throw new NegativeArraySizeException(Integer.toString(n));
        long r = ((long) n + SLACK + ROUND - 1) / ROUND * ROUND;
        return r > Integer.MAX_VALUE - 8 ? n : (int) r;
    }

    /** The same for {@code int[]} buffers. */
    public static final class Ints {
        private static final int[] EMPTY = new int[0];
        private final ThreadLocal<int[]> local = new ThreadLocal<>();

        /** A buffer of at least {@code n} ints with unspecified contents. */
        public int[] ints(int n) {
            int[] a = local.get();
            if (a == null || a.length < n) {
                a = n == 0 ? EMPTY : new int[roundUp(n)];
                local.set(a);
            }
            return a;
        }

        /** Drops the calling thread's buffer. */
        public void release() {
            local.remove();
        }
    }
}
