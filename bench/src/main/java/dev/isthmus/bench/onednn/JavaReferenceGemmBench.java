package dev.isthmus.bench.onednn;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Gemm;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The engine's scalar reference GEMM ({@link Gemm#matmulTransB}: row-by-row dot products, double accumulation), one
 * thread, at the sizes of {@link OneDnnGemmBench}: the baseline every fast kernel is checked against. 2048 is left
 * out: one call takes ~10 s here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class JavaReferenceGemmBench {
    @Param({"256", "512", "1024"})
    public int n;

    private float[] a, bt, c;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(n);
        a = new float[n * n];
        bt = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextFloat() - 0.5f;
            bt[i] = r.nextFloat() - 0.5f;
        }
    }

    @Benchmark
    public float[] reference() {
        Gemm.matmulTransB(a, 0, bt, 0, null, 0, c, 0, n, n, n, Activation.NONE);
        return c;
    }
}
