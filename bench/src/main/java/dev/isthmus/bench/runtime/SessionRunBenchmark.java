package dev.isthmus.bench.runtime;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.json.Json;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Steady-state runs of a session on the golden fixtures: run with {@code -prof gc} to check that a run allocates
 * nothing on the Java heap (gc.alloc.rate.norm, bytes per op). The fixtures folder is {@code -Dfixtures=...}
 * (default {@code fixtures/torch} from the repository root).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SessionRunBenchmark {
    @Param({"cnn_seed_b1", "gru_seed", "transformer_bert"})
    public String fixture;

    private Model model;
    private Session session;
    private Map<String, Tensor> inputs;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Path.of(System.getProperty("fixtures", "fixtures/torch")).resolve(fixture);
        Map<String, Object> c = Json.parseObject(Files.readString(dir.resolve("case.json")));
        model = ModelLoader.load(dir.resolve((String) c.get("model")), 1);
        session = model.newSession();
        inputs = new LinkedHashMap<>();
        for (var e : ((Map<?, ?>) c.get("inputs")).entrySet()) {
            inputs.put((String) e.getKey(), Npy.read(dir.resolve((String) e.getValue()), null));
        }
    }

    @Benchmark
    public Object sessionRun() {
        return session.run(inputs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
        model.close();
    }
}
