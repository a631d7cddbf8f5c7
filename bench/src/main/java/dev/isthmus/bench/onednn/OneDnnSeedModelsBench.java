package dev.isthmus.bench.onednn;

import dev.isthmus.bench.models.BenchModels;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
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

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The seed CNN and GRU (bench/models, see {@link BenchModels}) through isthmus's public API with {@code --backend
 * java} and {@code --backend onednn}: same weights, same input, same {@code Model.run}. Each trial first checks the
 * outputs against PyTorch's (max |diff| ≤ 1e-3) and refuses to time a wrong answer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class OneDnnSeedModelsBench {
    static final double TOLERANCE = 1e-3;

    @Param({"cnn", "gru"})
    public String model;

    @Param({"1", "32"})
    public int batch;

    @Param({"java", "onednn"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Model m;
    private Map<String, Tensor> inputs;

    @Setup(Level.Trial)
    public void load() {
        BenchModels.Case c = BenchModels.load(model, batch);
        m = ModelLoader.load(c.dir().resolve("model.safetensors"), threads, backend);
        if (!m.backendName().equals(backend)) throw new IllegalStateException("asked for " + backend + ", got " + m.backendName());
        inputs = Map.of(c.inputName(), Tensor.ofFloats(c.input(), c.inputShape()));
        Map<String, float[]> got = new LinkedHashMap<>();
        m.run(inputs).forEach((k, v) -> got.put(k, v.toFloatArray()));
        double diff = BenchModels.maxAbsDiff(c.expected(), got);
        if (!(diff <= TOLERANCE)) {
            m.close();
            throw new IllegalStateException(backend + " on " + model + " batch " + batch + ": max |output − PyTorch| = " + diff);
        }
    }

    @Benchmark
    public Object run() {
        return m.run(inputs);
    }

    @TearDown(Level.Trial)
    public void close() {
        m.close();
    }
}
