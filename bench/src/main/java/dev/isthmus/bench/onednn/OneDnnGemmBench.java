package dev.isthmus.bench.onednn;

import dev.isthmus.nativebind.onednn.OneDnnBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * oneDNN's {@code dnnl_sgemm} through FFM: C = A·B, square n×n, row-major, native segments, on the backend's OpenMP
 * threads. GFLOP/s = 2n³ / time. Before timing, a few entries of C are checked against double-precision dot products.
 * The Java peer at the same sizes is {@link JavaReferenceGemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class OneDnnGemmBench {
    @Param({"256", "512", "1024", "2048"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    private OneDnnBackend backend;
    private Arena arena;
    private MemorySegment a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        backend = OneDnnBackend.open(threads);
        arena = Arena.ofShared();
        long count = (long) n * n;
        a = arena.allocate(ValueLayout.JAVA_FLOAT, count);
        b = arena.allocate(ValueLayout.JAVA_FLOAT, count);
        c = arena.allocate(ValueLayout.JAVA_FLOAT, count);
        Random r = new Random(n);
        for (long i = 0; i < count; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - 0.5f);
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - 0.5f);
        }
        sgemm();
        for (int probe = 0; probe < 16; probe++) {
            int i = r.nextInt(n), j = r.nextInt(n);
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += (double) a.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + k) * b.getAtIndex(ValueLayout.JAVA_FLOAT, (long) k * n + j);
            }
            float got = c.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j);
            if (Math.abs(got - s) > 1e-3 * Math.max(1, Math.abs(s))) {
                throw new IllegalStateException("dnnl_sgemm C[" + i + "][" + j + "] = " + got + ", expected " + s);
            }
        }
    }

    @Benchmark
    public MemorySegment sgemm() {
        backend.sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        return c;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        arena.close();
    }
}
