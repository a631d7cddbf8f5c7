package dev.isthmus.bench.kernels;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.vector.Epilogue;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.kernels.vector.PackedMatrix;
import org.openjdk.jmh.annotations.AuxCounters;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The packed GEMM, C (m × n) = A (m × k) · Bᵀ with B packed once (a Linear layer's weight), A packed per call (or read
 * in place for m ≤ 32). Reported as {@code gflop} per second (the auxiliary counter: 2·m·n·k / 1e9 per call).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar 'GemmBench' -p threads=1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class GemmBench {
    /** Counts floating-point work; JMH reports the rate, i.e. GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    /** Square shapes m = n = k. */
    @State(Scope.Benchmark)
    public static class Square {
        @Param({"64", "128", "256", "512", "1024", "2048"})
        public int size;
        @Param({"1"})
        public int threads;
        Operands op;

        @Setup(Level.Trial)
        public void setUp() {
            op = new Operands(size, size, size, threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            op.pool.close();
        }
    }

    /** Skinny shapes: batch-1 style m against large n = k. */
    @State(Scope.Benchmark)
    public static class Skinny {
        @Param({"1", "8", "32"})
        public int m;
        @Param({"1024", "4096"})
        public int nk;
        @Param({"1"})
        public int threads;
        Operands op;

        @Setup(Level.Trial)
        public void setUp() {
            op = new Operands(m, nk, nk, threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            op.pool.close();
        }
    }

    static final class Operands {
        final int m, n, k;
        final float[] a, c;
        final PackedMatrix b;
        final ComputePool pool;
        final double gflop;

        Operands(int m, int n, int k, int threads) {
            this.m = m;
            this.n = n;
            this.k = k;
            SplittableRandom r = new SplittableRandom(1);
            a = new float[m * k];
            float[] w = new float[n * k];
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble(-1, 1);
            b = PackedMatrix.forB(w, n, k);
            c = new float[m * n];
            pool = new ComputePool(threads);
            gflop = 2.0 * m * n * k / 1e9;
        }

        float[] run() {
            PackedGemm.multiply(a, 0, k, m, b, c, 0, n, Epilogue.NONE, pool);
            return c;
        }
    }

    @Benchmark
    public float[] square(Square s, Flops f) {
        f.gflop += s.op.gflop;
        return s.op.run();
    }

    @Benchmark
    public float[] skinny(Skinny s, Flops f) {
        f.gflop += s.op.gflop;
        return s.op.run();
    }
}
