package dev.isthmus.bench.peers;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The physical limit: FP32 FMA throughput of one core, measured with {@value #CHAINS} independent chains of vector
 * FMAs in registers (no memory traffic). The score is vector FMAs per nanosecond; GFLOP/s = score × (bits / 32) × 2.
 * With enough independent chains to cover the FMA latency (4 cycles × 2 pipes here) this reaches the core's FMA issue
 * rate, the same number a C loop with intrinsics gets (cross-checked when this was written; see bench/README.md).
 * 12 chains + 2 operands fit the 16 registers of AVX2; AVX-512 has 32.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FmaPeakBench {
    static final int CHAINS = 12;
    static final int STEPS = 4096;

    /** Vector width in bits: 128 (NEON, SSE), 256 (AVX2) or 512 (AVX-512); bench/run passes the widths the CPU has. */
    @Param({"256", "512"})
    public int bits;

    private float b = 0.999f;
    private float c = 1e-3f;

    @Setup
    public void check() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < bits) {
            throw new IllegalStateException("this CPU/JVM has no " + bits + "-bit vectors (preferred "
                    + FloatVector.SPECIES_PREFERRED.vectorBitSize() + ")");
        }
    }

    @Benchmark
    @OperationsPerInvocation(CHAINS * STEPS)
    public float fma() {
        return switch (bits) {
            case 512 -> chains512(b, c);
            case 256 -> chains256(b, c);
            default -> chains128(b, c);
        };
    }

    // One method per width, each with a constant species: a species passed as an argument would not be intrinsified
    // unless the call were inlined.
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;

    private static float chains128(float bb, float cc) {
        FloatVector vb = FloatVector.broadcast(S128, bb), vc = FloatVector.broadcast(S128, cc);
        FloatVector a0 = vb.mul(0.1f), a1 = vb.mul(0.2f), a2 = vb.mul(0.3f), a3 = vb.mul(0.4f);
        FloatVector a4 = vb.mul(0.5f), a5 = vb.mul(0.6f), a6 = vb.mul(0.7f), a7 = vb.mul(0.8f);
        FloatVector a8 = vb.mul(0.9f), a9 = vb.mul(1.0f), a10 = vb.mul(1.1f), a11 = vb.mul(1.2f);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(vb, vc); a1 = a1.fma(vb, vc); a2 = a2.fma(vb, vc); a3 = a3.fma(vb, vc);
            a4 = a4.fma(vb, vc); a5 = a5.fma(vb, vc); a6 = a6.fma(vb, vc); a7 = a7.fma(vb, vc);
            a8 = a8.fma(vb, vc); a9 = a9.fma(vb, vc); a10 = a10.fma(vb, vc); a11 = a11.fma(vb, vc);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static float chains256(float bb, float cc) {
        FloatVector vb = FloatVector.broadcast(S256, bb), vc = FloatVector.broadcast(S256, cc);
        FloatVector a0 = vb.mul(0.1f), a1 = vb.mul(0.2f), a2 = vb.mul(0.3f), a3 = vb.mul(0.4f);
        FloatVector a4 = vb.mul(0.5f), a5 = vb.mul(0.6f), a6 = vb.mul(0.7f), a7 = vb.mul(0.8f);
        FloatVector a8 = vb.mul(0.9f), a9 = vb.mul(1.0f), a10 = vb.mul(1.1f), a11 = vb.mul(1.2f);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(vb, vc); a1 = a1.fma(vb, vc); a2 = a2.fma(vb, vc); a3 = a3.fma(vb, vc);
            a4 = a4.fma(vb, vc); a5 = a5.fma(vb, vc); a6 = a6.fma(vb, vc); a7 = a7.fma(vb, vc);
            a8 = a8.fma(vb, vc); a9 = a9.fma(vb, vc); a10 = a10.fma(vb, vc); a11 = a11.fma(vb, vc);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static float chains512(float bb, float cc) {
        FloatVector vb = FloatVector.broadcast(S512, bb), vc = FloatVector.broadcast(S512, cc);
        FloatVector a0 = vb.mul(0.1f), a1 = vb.mul(0.2f), a2 = vb.mul(0.3f), a3 = vb.mul(0.4f);
        FloatVector a4 = vb.mul(0.5f), a5 = vb.mul(0.6f), a6 = vb.mul(0.7f), a7 = vb.mul(0.8f);
        FloatVector a8 = vb.mul(0.9f), a9 = vb.mul(1.0f), a10 = vb.mul(1.1f), a11 = vb.mul(1.2f);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(vb, vc); a1 = a1.fma(vb, vc); a2 = a2.fma(vb, vc); a3 = a3.fma(vb, vc);
            a4 = a4.fma(vb, vc); a5 = a5.fma(vb, vc); a6 = a6.fma(vb, vc); a7 = a7.fma(vb, vc);
            a8 = a8.fma(vb, vc); a9 = a9.fma(vb, vc); a10 = a10.fma(vb, vc); a11 = a11.fma(vb, vc);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
