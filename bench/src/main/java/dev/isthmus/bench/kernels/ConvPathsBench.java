package dev.isthmus.bench.kernels;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A 3×3, stride 1, padding 1 convolution of one image on each {@link Conv2dKernel.Path} that can run it, 1 thread,
 * µs per call: where the Winograd path beats the direct ones (and so where the class should pick it). Shapes are
 * cin × cout × side (a side × side image); 2·9·cin·cout·side² FLOP per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class ConvPathsBench {
    @Param({"8x8x28", "16x16x28", "32x64x14", "64x64x7", "128x128x14", "256x256x7", "64x64x56"})
    public String shape;
    @Param({"WINOGRAD", "CHANNELS", "PIXELS", "auto"})
    public String path;

    Conv2dKernel conv;
    float[] in, out;
    int side;

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        int cin = Integer.parseInt(s[0]), cout = Integer.parseInt(s[1]);
        side = Integer.parseInt(s[2]);
        SplittableRandom r = new SplittableRandom(7);
        float[] w = new float[cout * cin * 9], b = new float[cout];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextDouble() - 0.5);
        for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextDouble() - 0.5);
        conv = new Conv2dKernel(w, b, cin, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1,
                path.equals("auto") ? null : Conv2dKernel.Path.valueOf(path));
        in = new float[cin * side * side];
        for (int i = 0; i < in.length; i++) in[i] = (float) (r.nextDouble() - 0.5);
        out = new float[cout * side * side];
    }

    @Benchmark
    public float[] conv() {
        conv.forward(in, 1, side, side, out, side, side, Activation.RELU, null);
        return out;
    }
}
