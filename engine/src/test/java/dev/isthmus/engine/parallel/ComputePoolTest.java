package dev.isthmus.engine.parallel;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputePoolTest {
    /**
     * The split rule; and the tests run with the threshold at 1 (the parent pom's isthmus.jvm.flags), or the kernel
     * tests comparing 1, 2 and 3 threads on small shapes would compare the one-thread code with itself.
     */
    @Test
    void splitsOnlyWorkAboveTheThresholdOnMoreThanOneThread() {
        assertEquals(1, ComputePool.MIN_PARALLEL_FMAS, "tests run with -Disthmus.parallel.minFmas=1");
        try (ComputePool one = new ComputePool(1); ComputePool two = new ComputePool(2)) {
            assertTrue(ComputePool.splits(two, 1));
            assertFalse(ComputePool.splits(two, 0));
            assertFalse(ComputePool.splits(one, Long.MAX_VALUE));
            assertFalse(ComputePool.splits(null, Long.MAX_VALUE));
        }
    }

    /** Every index runs exactly once, for task counts around the thread count, many sections in a row. */
    @Test
    void runsEveryTaskOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            try (ComputePool pool = new ComputePool(threads)) {
                for (int round = 0; round < 300; round++) {
                    int tasks = round % 9;
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, tasks));
                    pool.parallelFor(tasks, hits::incrementAndGet);
                    for (int i = 0; i < tasks; i++) assertEquals(1, hits.get(i), "threads " + threads + ", task " + i);
                }
            }
        }
    }

    /** Work is shared: with 3 threads and slow tasks, more than one thread runs tasks. */
    @Test
    void sharesTheWork() {
        try (ComputePool pool = new ComputePool(3)) {
            java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            AtomicInteger done = new AtomicInteger();
            pool.parallelFor(12, i -> {
                seen.add(Thread.currentThread());
                long end = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < end) Thread.onSpinWait();
                done.incrementAndGet();
            });
            assertEquals(12, done.get(), "returned before every task had finished");
            assertTrue(seen.size() > 1, "only " + seen);
        }
    }

    /** Workers that have parked (idle longer than the spin, or at once in a pool that does not spin) still wake for
     * the next section, and share its work. */
    @Test
    void wakesParkedWorkers() throws InterruptedException {
        for (boolean spin : new boolean[]{true, false}) {
            try (ComputePool pool = new ComputePool(2, spin)) {
                for (int round = 0; round < 5; round++) {
                    Thread.sleep(ComputePool.SPIN_NANOS / 1_000_000 + 5);
                    AtomicInteger sum = new AtomicInteger();
                    java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
                    // each task waits (up to 2 s in all) for the parked worker to join: on a busy machine its wake-up
                    // can take longer than a few short tasks, and the question is whether it wakes, not how fast
                    long deadline = System.nanoTime() + 2_000_000_000L;
                    pool.parallelFor(8, i -> {
                        seen.add(Thread.currentThread());
                        while (seen.size() < 2 && System.nanoTime() < deadline) Thread.onSpinWait();
                        sum.addAndGet(i);
                    });
                    assertEquals(8 * 7 / 2, sum.get());
                    assertEquals(2, seen.size(), "spin " + spin + ": " + seen);
                }
            }
        }
    }

    @Test
    void nestedCallsRunOnTheCallingTask() {
        try (ComputePool pool = new ComputePool(2)) {
            AtomicInteger inner = new AtomicInteger();
            pool.parallelFor(4, i -> {
                Thread t = Thread.currentThread();
                pool.parallelFor(5, j -> {
                    assertSame(t, Thread.currentThread());
                    inner.incrementAndGet();
                });
            });
            assertEquals(20, inner.get());
        }
    }

    /** A task's exception reaches the caller after the section; the pool keeps working. */
    @Test
    void rethrowsAndRecovers() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int bad : new int[]{0, 5, 11}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(12, i -> {
                    if (i == bad) throw new IllegalArgumentException("task " + i);
                }));
                assertEquals("task " + bad, e.getMessage());
                AtomicInteger n = new AtomicInteger();
                pool.parallelFor(12, i -> n.incrementAndGet());
                assertEquals(12, n.get());
            }
        }
    }

    /** Several threads calling one pool at once: every call completes with every one of its tasks run once. */
    @Test
    void concurrentCallers() throws Exception {
        try (ComputePool pool = new ComputePool(2)) {
            int callers = 4;
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread[] ts = new Thread[callers];
            for (int c = 0; c < callers; c++) {
                ts[c] = new Thread(() -> {
                    try {
                        start.await();
                        for (int round = 0; round < 500; round++) {
                            int tasks = 1 + round % 7;
                            AtomicIntegerArray hits = new AtomicIntegerArray(tasks);
                            pool.parallelFor(tasks, hits::incrementAndGet);
                            for (int i = 0; i < tasks; i++) if (hits.get(i) != 1) throw new AssertionError("task " + i + ": " + hits.get(i));
                        }
                    } catch (Throwable t) {
                        failed.compareAndSet(null, t);
                    }
                });
                ts[c].start();
            }
            start.countDown();
            for (Thread t : ts) t.join(60_000);
            if (failed.get() != null) throw new AssertionError(failed.get());
        }
    }

    @Test
    void closedPoolRunsOnTheCaller() {
        ComputePool pool = new ComputePool(3);
        pool.close();
        Thread me = Thread.currentThread();
        AtomicInteger n = new AtomicInteger();
        pool.parallelFor(6, i -> {
            assertSame(me, Thread.currentThread());
            n.incrementAndGet();
        });
        assertEquals(6, n.get());
    }

    /** A section allocates nothing on the calling thread once warm. */
    @Test
    void sectionsDoNotAllocate() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (ComputePool pool = new ComputePool(2)) {
            float[] out = new float[8];
            IntConsumer task = i -> out[i] += 1;
            for (int i = 0; i < 20_000; i++) pool.parallelFor(8, task);
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) pool.parallelFor(8, task);
            long bytes = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(bytes < 10_000, bytes + " bytes for 10,000 sections");
        }
    }
}
