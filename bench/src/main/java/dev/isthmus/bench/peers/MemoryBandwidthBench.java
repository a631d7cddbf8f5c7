package dev.isthmus.bench.peers;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The other physical limit: how many bytes one core moves per second, STREAM-style, with the Vector API at the
 * preferred width. {@code copy} reads one array and writes another of the same size (2 × {@code kib} KiB per call, like
 * a layer reading its input and writing its output); {@code read} sums one array with 4 independent accumulators
 * ({@code kib} KiB per call). GB/s = bytes per call ÷ the average time per call; {@code bench/make_results.py} does
 * the division from {@code kib}.
 *
 * <p>{@code kib} is the size of one array: 256 (both arrays in the 1 MiB L2 of a core), 4096 (8 MiB: in the 32 MiB
 * L3, out of L2) and 262144 (256 MiB: main memory). The activations of one convolution layer of the vision models
 * (input plus output, a few MB at most at batch 1) fit in L3, so the L3 figure is their nearer limit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class MemoryBandwidthBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** KiB per array. */
    @Param({"256", "4096", "262144"})
    public int kib;

    private float[] a;
    private float[] b;

    @Setup
    public void fill() {
        int n = kib * 256;   // floats
        a = new float[n];
        b = new float[n];
        for (int i = 0; i < n; i++) a[i] = (i & 1023) * 1e-3f;
        Arrays.fill(b, 1f);
    }

    /** b = a: reads and writes {@code kib} KiB each. */
    @Benchmark
    public float[] copy() {
        float[] x = a, y = b;
        int n = x.length, step = S.length();
        for (int i = 0; i < n; i += step) FloatVector.fromArray(S, x, i).intoArray(y, i);
        return y;
    }

    /** The sum of a: reads {@code kib} KiB. */
    @Benchmark
    public float read() {
        float[] x = a;
        int n = x.length, step = S.length();
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < n; i += 4 * step) {
            s0 = s0.add(FloatVector.fromArray(S, x, i));
            s1 = s1.add(FloatVector.fromArray(S, x, i + step));
            s2 = s2.add(FloatVector.fromArray(S, x, i + 2 * step));
            s3 = s3.add(FloatVector.fromArray(S, x, i + 3 * step));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    }
}
