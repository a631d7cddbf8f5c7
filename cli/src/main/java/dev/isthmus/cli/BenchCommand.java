package dev.isthmus.cli;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code isthmus bench}: latency of a model on inputs of given shapes. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure a model's latency and throughput.", "",
                "Runs the model on random inputs of the given shapes: first warms up until the JIT has settled (the "
                        + "median of successive windows of runs stops improving), then times repeated runs and prints "
                        + "the median, p90 and p99 latency and the throughput. Free dimensions (-1 in the spec) need "
                        + "--shape; fixed ones default to the spec's.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus bench examples/mnist --shape 1x1x28x28 --threads 1",
                "  isthmus bench examples/mnist --shape image=32x1x28x28 --threads 2 --json",
                "  isthmus bench examples/mnist --shape 1x1x28x28 --threads 2 --profile",
                "  isthmus bench bert/ --shape input_ids=1x128 --shape attention_mask=1x128"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A .safetensors model or a model directory.")
    Path model;

    @Option(names = {"-s", "--shape"}, paramLabel = "[NAME=]D0xD1x...", description = "An input shape, e.g. 32x1x28x28. Repeat per input.")
    List<String> shapes = new ArrayList<>();

    @Mixin
    ComputeOptions compute;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "3", description = "Time spent measuring after warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--min-runs", paramLabel = "N", defaultValue = "20", description = "At least this many timed runs (default: ${DEFAULT-VALUE}).")
    int minRuns;

    @Option(names = "--max-warmup-seconds", paramLabel = "S", defaultValue = "30", description = "Give up waiting for the JIT to settle after S seconds (default: ${DEFAULT-VALUE}).")
    double maxWarmup;

    @Option(names = "--profile", description = "Then time each layer (node) over as many runs again and print them slowest "
            + "first: mean time, share of the run, op and where it runs.")
    boolean profile;

    @Option(names = "--json", description = "Print one JSON object: median_ms, p90_ms, p99_ms, throughput_per_s, threads, shape, ...")
    boolean json;

    @Override
    public Integer call() {
        // written so that NaN fails too
        if (!(seconds > 0) || Double.isInfinite(seconds) || minRuns < 1) throw new UsageException("--seconds and --min-runs must be positive");
        if (!(maxWarmup > 0) || Double.isInfinite(maxWarmup)) throw new UsageException("--max-warmup-seconds must be a positive number");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int nThreads = compute.threads();
        try (Model m = compute.load(model, err, verbosity.verbose)) {
            Map<String, long[]> shapeOf = resolveShapes(m, shapes);
            Map<String, Tensor> feed = randomInputs(m, shapeOf);
            long batch = shapeOf.values().iterator().next().length > 0 ? shapeOf.values().iterator().next()[0] : 1;
            Warmup w = warmUp(m, feed);
            if (verbosity.verbose) {
                err.printf(Locale.ROOT, "isthmus: warm-up %d runs in %.1f s (%s)%n", w.runs, w.seconds, w.settled ? "settled" : "time limit reached");
            }
            // warm-up leaves garbage (interpreted vector code boxes its vectors): collected now rather than in a timed
            // run; the timings go to a growing long[] (no boxing while timing)
            System.gc();
            long[] t = new long[Math.max(16, minRuns)];
            int n = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (n < minRuns || System.nanoTime() < end) {
                long t0 = System.nanoTime();
                m.run(feed);
                long dt = System.nanoTime() - t0;
                if (n == t.length) t = Arrays.copyOf(t, 2 * n);
                t[n++] = dt;
            }
            t = Arrays.copyOf(t, n);
            Arrays.sort(t);
            double median = pct(t, 0.5) / 1e6, p90 = pct(t, 0.9) / 1e6, p99 = pct(t, 0.99) / 1e6;
            double throughput = batch * 1000.0 / median;
            String shapeText = shapeText(shapeOf);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("shape", shapeText);
                o.put("threads", nThreads);
                o.put("backend", m.backendName());
                o.put("runs", t.length);
                o.put("warmup_runs", w.runs);
                o.put("median_ms", round(median));
                o.put("p90_ms", round(p90));
                o.put("p99_ms", round(p99));
                o.put("min_ms", round(t[0] / 1e6));
                o.put("throughput_per_s", round(throughput));
                if (profile) o.put("profile", profileJson(layerTimes(m, feed, t.length)));
                out.println(Json.write(o));
            } else {
                out.printf(Locale.ROOT, "%s  shape %s  threads %d  backend %s%n", Terminal.printable(model.toString()), Terminal.printable(shapeText), nThreads, m.backendName());
                out.printf(Locale.ROOT, "  latency  median %.3f ms  p90 %.3f ms  p99 %.3f ms  (min %.3f ms, %d runs after %d warm-up runs)%n",
                        median, p90, p99, t[0] / 1e6, t.length, w.runs);
                out.printf(Locale.ROOT, "  throughput %.1f inputs/s (batch %d)%n", throughput, batch);
                if (profile) printProfile(out, layerTimes(m, feed, t.length));
            }
        }
        return 0;
    }

    /** One node's mean time over the profiled runs. */
    record LayerTime(int index, Model.NodeInfo node, double ms) {
    }

    /** Each node's mean wall time over {@code runs} profiled runs of one session, in run order. */
    static List<LayerTime> layerTimes(Model m, Map<String, Tensor> feed, int runs) {
        List<Model.NodeInfo> nodes = m.nodes();
        long[] nanos = new long[nodes.size()];
        try (Session s = m.newSession()) {
            s.runProfiled(feed, new long[nodes.size()]); // plans the session; not counted
            for (int i = 0; i < runs; i++) s.runProfiled(feed, nanos);
        }
        List<LayerTime> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) out.add(new LayerTime(i, nodes.get(i), nanos[i] / 1e6 / runs));
        return out;
    }

    private static void printProfile(PrintWriter out, List<LayerTime> layers) {
        double total = layers.stream().mapToDouble(LayerTime::ms).sum();
        out.printf(Locale.ROOT, "  layers, slowest first (mean of profiled runs; their sum %.3f ms):%n", total);
        layers.stream().sorted(Comparator.comparingDouble(LayerTime::ms).reversed()).forEach(l ->
                out.printf(Locale.ROOT, "    %9.4f ms %5.1f%%  #%-3d %-22s %-8s %s%n", l.ms, total > 0 ? 100 * l.ms / total : 0,
                        l.index, l.node.op(), l.node.backend(), Terminal.printable(l.node.label())));
    }

    private static List<Object> profileJson(List<LayerTime> layers) {
        List<Object> out = new ArrayList<>();
        for (LayerTime l : layers) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("node", l.index);
            o.put("label", l.node.label());
            o.put("op", l.node.op());
            o.put("backend", l.node.backend());
            o.put("mean_ms", round(l.ms));
            out.add(o);
        }
        return out;
    }

    private record Warmup(int runs, double seconds, boolean settled) {
    }

    /** Runs windows of runs until a window's median is no more than 2% faster than the best before it. */
    private Warmup warmUp(Model m, Map<String, Tensor> feed) {
        long start = System.nanoTime();
        long limit = start + (long) (maxWarmup * 1e9);
        int runs = 0;
        double best = Double.MAX_VALUE;
        int stable = 0;
        while (System.nanoTime() < limit) {
            int window = 10;
            long[] t = new long[window];
            long windowStart = System.nanoTime();
            for (int i = 0; i < window; i++) {
                long t0 = System.nanoTime();
                m.run(feed);
                t[i] = System.nanoTime() - t0;
            }
            runs += window;
            Arrays.sort(t);
            double med = t[window / 2];
            if (med < best * 0.98) {
                best = Math.min(best, med);
                stable = 0;
            } else if (++stable >= 3 && System.nanoTime() - start > 1e9) {
                return new Warmup(runs, (System.nanoTime() - start) / 1e9, true);
            }
            if (System.nanoTime() - windowStart > 5e9 && runs >= 30) break; // very slow models: a few runs is enough
        }
        return new Warmup(runs, (System.nanoTime() - start) / 1e9, false);
    }

    private static double pct(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    static String shapeText(Map<String, long[]> shapes) {
        List<String> parts = new ArrayList<>();
        shapes.forEach((k, v) -> parts.add(shapes.size() == 1 ? Shape.toCompact(v) : k + "=" + Shape.toCompact(v)));
        return String.join(",", parts);
    }

    /** Each input's concrete shape: from --shape, else the spec's when it has no free dimension. */
    static Map<String, long[]> resolveShapes(Model m, List<String> args) {
        Map<String, long[]> given = new LinkedHashMap<>();
        int next = 0;
        for (String a : args) {
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : null;
            String dims = eq > 0 ? a.substring(eq + 1) : a;
            if (name == null) {
                if (next >= m.inputs().size()) throw new UsageException("more --shape than inputs (" + m.inputs().size() + ")");
                name = m.inputs().get(next++).name();
            } else if (m.inputs().stream().noneMatch(i -> i.name().equals(a.substring(0, eq)))) {
                throw new UsageException("the model has no input '" + name + "'; its inputs are " + m.inputs().stream().map(InputSpec::name).toList());
            }
            given.put(name, parseShape(dims));
        }
        Map<String, long[]> out = new LinkedHashMap<>();
        for (InputSpec in : m.inputs()) {
            long[] s = given.get(in.name());
            if (s == null) {
                s = in.shape();
                for (int i = 0; i < s.length; i++) {
                    if (s[i] < 0 && i == 0) s[i] = 1;
                    else if (s[i] < 0) throw new UsageException("input '" + in.name() + "' has a free dimension " + i + " in "
                            + Shape.toString(in.shape()) + "; give --shape " + in.name() + "=D0xD1x...");
                }
            }
            long n;
            try {
                n = Shape.numel(s);
            } catch (ArithmeticException beyondALong) {
                n = Long.MAX_VALUE;
            }
            if (n > Integer.MAX_VALUE) {
                throw new UsageException("input '" + in.name() + "' of shape " + Shape.toCompact(s) + " has more elements than one input "
                        + "can hold (" + Integer.MAX_VALUE + ")");
            }
            out.put(in.name(), s);
        }
        return out;
    }

    static long[] parseShape(String s) {
        try {
            long[] d = Arrays.stream(s.split("[x,×]")).mapToLong(Long::parseLong).toArray();
            for (long x : d) if (x <= 0) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("bad shape '" + s + "': expected positive sizes like 32x1x28x28");
        }
    }

    /** Random normal floats; integer inputs (token ids) alternate 0 and 1, valid for any vocabulary. */
    static Map<String, Tensor> randomInputs(Model m, Map<String, long[]> shapes) {
        SplittableRandom rnd = new SplittableRandom(42);
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (InputSpec in : m.inputs()) {
            long[] s = shapes.get(in.name());
            int n = Math.toIntExact(Shape.numel(s));
            if (in.dtype().isInteger()) {
                long[] ids = new long[n];
                boolean mask = in.name().contains("mask");
                for (int i = 0; i < n; i++) ids[i] = mask ? 1 : i % 2;
                feed.put(in.name(), Tensor.ofLongs(ids, s));
            } else {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
                feed.put(in.name(), Tensor.ofFloats(x, s));
            }
        }
        return feed;
    }
}
