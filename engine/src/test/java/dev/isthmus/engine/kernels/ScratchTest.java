package dev.isthmus.engine.kernels;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScratchTest {
    @Test
    void growsKeepsTheLargestAndIsPerThread() throws InterruptedException {
        Scratch s = new Scratch();
        float[] a = s.floats(100);
        assertTrue(a.length >= 100);
        a[3] = 7f;
        assertSame(a, s.floats(10), "a smaller request reuses the buffer");
        assertEquals(7f, s.floats(10)[3], "contents are left as they were");
        float[] b = s.floats(1000);
        assertTrue(b.length >= 1000);
        assertSame(b, s.floats(100), "the larger buffer is kept");
        b[5] = 3f;
        float[] z = s.zeroed(6);
        for (int i = 0; i < 6; i++) assertEquals(0f, z[i]);
        float[] f = s.filled(4, -1f);
        for (int i = 0; i < 4; i++) assertEquals(-1f, f[i]);
        AtomicReference<float[]> other = new AtomicReference<>();
        Thread t = new Thread(() -> other.set(s.floats(100)));
        t.start();
        t.join();
        assertNotSame(b, other.get(), "each thread has its own buffer");
        s.release();
        assertNotSame(b, s.floats(100), "released");
        Scratch.Ints ints = new Scratch.Ints();
        int[] i1 = ints.ints(9);
        assertTrue(i1.length >= 9);
        assertSame(i1, ints.ints(3));
    }
}
