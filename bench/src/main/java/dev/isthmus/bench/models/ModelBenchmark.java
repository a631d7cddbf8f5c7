package dev.isthmus.bench.models;

import dev.isthmus.bench.peers.Engines;
import dev.isthmus.bench.peers.InferenceEngine;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Latency of one whole-model inference, per engine and thread count, on the same weights and the same input.
 *
 * <p>Before anything is timed, each fork loads the model into the engine, runs it once on the sample input and
 * compares every output with PyTorch's (float64) answer: a max |diff| above {@link #tolerance}, {@value #TOLERANCE}
 * × max(1, max |expected|), fails the benchmark instead of timing a wrong answer. The gate follows the outputs' scale:
 * ResNet-50's logits reach 48, where PyTorch's own float32 run is already ~1e-4 from the float64 answer, while the
 * seed models' outputs and MobileNetV2's stay within 0.3–4. The check is appended to {@code checks.jsonl} in
 * {@code -Disthmus.bench.out=DIR} when that is set.
 *
 * <p>Sample-time mode: every call is timed, so the results carry the median and percentiles, not only the mean.
 * The defaults here are the full mode's; {@code bench/run quick} shortens them on the JMH command line. The Vector API
 * needs real warm-up (interpreted vector code is ~1000× slower than C2's), hence several seconds of warm-up per fork.
 *
 * <p>Subclasses name the model and declare their batch sizes as {@code @Param int batch}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public abstract class ModelBenchmark {
    /** Max |output − PyTorch's| an engine may show before it is timed, per unit of the outputs' scale. */
    public static final double TOLERANCE = 1e-4;
    public static final String OUT_PROPERTY = "isthmus.bench.out";

    /** The engine, by its {@link Engines} name. */
    @Param({Engines.ISTHMUS_DEFAULT, Engines.ISTHMUS_JAVA, Engines.ISTHMUS_ONEDNN, Engines.ORT})
    public String engine;

    /** Compute threads of the engine (isthmus: the model's pool; ORT: intra-op threads). */
    @Param({"1", "2"})
    public int threads;

    private InferenceEngine session;

    /** The model's name in bench/models/manifest.json. */
    protected abstract String model();

    /** The batch size (a {@code @Param} of the subclass). */
    protected abstract int batch();

    @Setup(Level.Trial)
    public void load() {
        BenchModels.Case c = BenchModels.load(model(), batch());
        session = Engines.open(engine, c.dir(), threads);
        session.setInput(c.inputName(), c.input(), c.inputShape());
        long t0 = System.nanoTime();
        Map<String, float[]> got = session.runAndCollect();
        double firstRunMs = (System.nanoTime() - t0) / 1e6;
        double diff = BenchModels.maxAbsDiff(c.expected(), got);
        double tolerance = tolerance(c.expected());
        boolean ok = diff <= tolerance;
        record(c, diff, tolerance, ok, firstRunMs);
        if (!ok) {
            session.close();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s on %s batch %d (%d threads): max |output - PyTorch| = %.3g > %.3g; not timing a wrong answer",
                    engine, model(), batch(), threads, diff, tolerance));
        }
    }

    /** The gate for these expected outputs: {@value #TOLERANCE} × max(1, max |expected|) over all outputs. */
    public static double tolerance(Map<String, float[]> expected) {
        return TOLERANCE * Math.max(1.0, BenchModels.maxAbs(expected));
    }

    @Benchmark
    public Object infer() {
        return session.run();
    }

    @TearDown(Level.Trial)
    public void close() {
        session.close();
    }

    private void record(BenchModels.Case c, double diff, double tolerance, boolean ok, double firstRunMs) {
        String out = System.getProperty(OUT_PROPERTY);
        if (out == null) return;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("model", model());
        line.put("batch", batch());
        line.put("engine", engine);
        line.put("threads", threads);
        line.put("max_abs_diff", Double.isFinite(diff) ? diff : -1.0);
        line.put("ok", ok);
        line.put("tolerance", tolerance);
        line.put("first_run_ms", firstRunMs);
        line.put("engine_config", session.describe());
        line.put("outputs", String.join(",", c.expected().keySet()));
        try {
            Path dir = Path.of(out);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("checks.jsonl"), Json.write(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
