package dev.isthmus.bench.kernels;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.vector.AttentionKernel;
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
 * Blocked self-attention alone (the QKV projection given), DistilBERT sizes: d = 768, 12 heads, batch 1, average
 * time per call (µs). GFLOP/s = 4·seq²·768 / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class AttentionBench {
    @Param({"128", "256", "512", "1024"})
    public int seqLen;
    @Param({"1"})
    public int threads;
    ComputePool pool;
    float[] qkv, out;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(2);
        pool = new ComputePool(threads);
        qkv = new float[seqLen * 3 * 768];
        for (int i = 0; i < qkv.length; i++) qkv[i] = (float) r.nextDouble(-1, 1);
        out = new float[seqLen * 768];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] selfAttention() {
        AttentionKernel.selfAttention(qkv, 1, seqLen, 768, 12, null, false, out, pool);
        return out;
    }
}
