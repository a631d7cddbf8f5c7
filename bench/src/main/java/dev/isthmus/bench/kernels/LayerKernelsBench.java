package dev.isthmus.bench.kernels;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;
import dev.isthmus.engine.kernels.vector.GruKernel;
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
 * The layer kernels at the seed models' sizes, average time per call (µs). GFLOP/s = flops / time: conv1 (1→32, 3×3,
 * 28×28) 0.45 MFLOP per image, conv2 (32→64, 3×3, 14×14) 7.2 MFLOP per image; a GRU layer of H = 256 over 50 steps
 * 2·50·batch·(3H·in + 3H·H) FLOP. Attention: {@link AttentionBench}. conv2 also runs forced on the Winograd path
 * and on the direct channels path (the class's pick before Winograd): {@code seedCnnConv2} times whichever path
 * {@link Conv2dKernel#path} picks (Winograd for conv2, whose 7.2 MFLOP it computes with 3.2 MFLOP of GEMMs). The
 * {@code Pooled} variants include the MaxPool2d(2) that the seed CNN fuses into each convolution.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class LayerKernelsBench {
    @Param({"1", "32"})
    public int batch;
    @Param({"1"})
    public int threads;

    ComputePool pool;
    Conv2dKernel conv1, conv2, conv2Winograd, conv2Channels;
    float[] image, conv1Out, conv2In, conv2Out;
    GruKernel gru0, gru1;
    float[] seq, gruOut0, gruOut1;

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-0.5, 0.5);
        return a;
    }

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom r = new SplittableRandom(1);
        pool = new ComputePool(threads);
        conv1 = new Conv2dKernel(random(r, 32 * 9), random(r, 32), 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] w2 = random(r, 64 * 32 * 9), b2 = random(r, 64);
        conv2 = new Conv2dKernel(w2, b2, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        conv2Winograd = new Conv2dKernel(w2, b2, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, Conv2dKernel.Path.WINOGRAD);
        conv2Channels = new Conv2dKernel(w2, b2, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, Conv2dKernel.Path.CHANNELS);
        image = random(r, batch * 28 * 28);
        conv1Out = new float[batch * 32 * 28 * 28];
        conv2In = random(r, batch * 32 * 14 * 14);
        conv2Out = new float[batch * 64 * 14 * 14];
        int h = 256;
        gru0 = new GruKernel(100, h, 1, new float[][]{random(r, 3 * h * 100)}, new float[][]{random(r, 3 * h * h)},
                new float[][]{random(r, 3 * h)}, new float[][]{random(r, 3 * h)});
        gru1 = new GruKernel(h, h, 1, new float[][]{random(r, 3 * h * h)}, new float[][]{random(r, 3 * h * h)},
                new float[][]{random(r, 3 * h)}, new float[][]{random(r, 3 * h)});
        seq = random(r, 50 * batch * 100);
        gruOut0 = new float[50 * batch * h];
        gruOut1 = new float[50 * batch * h];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] seedCnnConv1() {
        conv1.forward(image, batch, 28, 28, conv1Out, 28, 28, Activation.RELU, pool);
        return conv1Out;
    }

    @Benchmark
    public float[] seedCnnConv2() {
        return conv2On(conv2);
    }

    /** conv1 + ReLU + MaxPool2d(2) fused, as the seed CNN runs it: 14×14 pooled output. */
    @Benchmark
    public float[] seedCnnConv1Pooled() {
        conv1.forward(image, 0, batch, 28, 28, conv1Out, 0, 28, 28, Activation.RELU, true, pool);
        return conv1Out;
    }

    /** conv2 + ReLU + MaxPool2d(2) fused, as the seed CNN runs it (Winograd, pooled in the output transform). */
    @Benchmark
    public float[] seedCnnConv2Pooled() {
        conv2.forward(conv2In, 0, batch, 14, 14, conv2Out, 0, 14, 14, Activation.RELU, true, pool);
        return conv2Out;
    }

    /** conv2 forced on the Winograd F(2×2, 3×3) path. */
    @Benchmark
    public float[] seedCnnConv2Winograd() {
        return conv2On(conv2Winograd);
    }

    /** conv2 forced on the direct channels path (the default before the Winograd path). */
    @Benchmark
    public float[] seedCnnConv2Channels() {
        return conv2On(conv2Channels);
    }

    private float[] conv2On(Conv2dKernel k) {
        k.forward(conv2In, batch, 14, 14, conv2Out, 14, 14, Activation.RELU, pool);
        return conv2Out;
    }

    /** The seed GRU's two layers (100 → 256 → 256) over 50 steps. */
    @Benchmark
    public float[] seedGruSequence() {
        gru0.forward(seq, 50, batch, new float[batch * 256], 0, gruOut0, pool);
        gru1.forward(gruOut0, 50, batch, new float[batch * 256], 0, gruOut1, pool);
        return gruOut1;
    }
}
