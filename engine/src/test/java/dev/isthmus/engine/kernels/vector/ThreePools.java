package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Kernel tests that compare 1, 2 and 3 threads: one pool of each size for the test class. */
public abstract class ThreePools {
    protected static ComputePool pool1, pool2, pool3;

    @BeforeAll
    public static void pools() {
        pool1 = new ComputePool(1);
        pool2 = new ComputePool(2);
        pool3 = new ComputePool(3);
    }

    @AfterAll
    public static void close() {
        pool1.close();
        pool2.close();
        pool3.close();
    }
}
