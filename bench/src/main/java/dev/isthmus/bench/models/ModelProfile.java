package dev.isthmus.bench.models;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whole-model and per-node times of isthmus (Java kernels) and ONNX Runtime Java (all graph optimisations) on the
 * exported torchvision models, one thread each, in one process, one engine after the other and the rounds alternated:
 * where a model loses and in which layers. isthmus' per-node times come from {@link Session#runProfiled}, ONNX
 * Runtime's from its own profiler ({@code SessionOptions.enableProfiling}, the {@code *_kernel_time} events). The
 * convolutions of both are listed in run order side by side (the two graphs have the same convolutions in the same
 * order; ONNX Runtime's fused Conv+Add+ReLU and isthmus' residual epilogue are both one node).
 *
 * <p>Run (the bench module's jar is not needed; {@code bench/profile-models} compiles this class alone):
 * {@code bench/profile-models [models=resnet50:1,mobilenet_v2:1] [dir=bench/models] [warm=8] [runs=30] [rounds=2]}.
 * Models are directories as {@code tools/export_models.py} writes them ({@code model.safetensors}, {@code model.onnx},
 * {@code in_x_b<B>.npy}).
 */
public final class ModelProfile {
    private ModelProfile() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("models", "resnet50:1,mobilenet_v2:1,efficientnet_b0:1,resnet18:8",
                "dir", "bench/models", "warm", "8", "runs", "30", "rounds", "2", "top", "12"));
        for (String a : args) o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        double warm = Double.parseDouble(o.get("warm"));
        int runs = Integer.parseInt(o.get("runs")), rounds = Integer.parseInt(o.get("rounds")), top = Integer.parseInt(o.get("top"));
        for (String spec : o.get("models").split(",")) {
            String name = spec.split(":")[0];
            int b = Integer.parseInt(spec.split(":")[1]);
            Path d = Path.of(o.get("dir"), name);
            profile(name, b, d, warm, runs, rounds, top);
        }
    }

    record Row(String op, String what, String shape, double ms) {
    }

    static void profile(String name, int batch, Path d, double warm, int runs, int rounds, int top) throws Exception {
        Tensor x = Npy.read(d.resolve("in_x_b" + batch + ".npy"), null);
        float[] xf = x.toFloatArray();
        List<Double> isTimes = new ArrayList<>(), ortTimes = new ArrayList<>();
        List<Row> isRows, ortRows;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path prof = Files.createTempFile("ort-profile-" + name, "");
        try (Model m = ModelLoader.load(d.resolve("model.safetensors"), 1, "java"); Session s = m.newSession();
             SessionOptions opt = options(null); OrtSession ort = env.createSession(d.resolve("model.onnx").toString(), opt);
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(xf), x.shape())) {
            Map<String, Tensor> inputs = Map.of("x", x);
            Path expectedFile = d.resolve("out_output_b" + batch + ".npy");
            if (Files.exists(expectedFile)) { // the exported PyTorch output: the model must still compute it
                float[] e = Npy.read(expectedFile, null).toFloatArray(), got = s.run(inputs).get("output").toFloatArray();
                double worst = 0, scale = 1;
                for (int i = 0; i < e.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - e[i]));
                    scale = Math.max(scale, Math.abs(e[i]));
                }
                System.out.printf(Locale.ROOT, "%n   %s b%d: max |isthmus − PyTorch| = %.2e of scale %.2f (%.1e relative)%n", name, batch,
                        worst, scale, worst / scale);
            }
            Map<String, OnnxTensor> ortIn = Map.of(ort.getInputNames().iterator().next(), in);
            Runnable isRun = () -> s.run(inputs);
            Runnable ortRun = () -> {
                try (var r = ort.run(ortIn)) {
                    r.size();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            warm(isRun, warm);
            warm(ortRun, warm);
            for (int r = 0; r < rounds; r++) { // alternate: drifting machine load hits both alike
                isTimes.addAll(times(isRun, runs));
                ortTimes.addAll(times(ortRun, runs));
            }
            long[] nanos = new long[m.nodes().size()];
            for (int i = 0; i < runs; i++) s.runProfiled(inputs, nanos);
            var nodes = m.nodes();
            isRows = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                var n = nodes.get(i);
                isRows.add(new Row(n.op(), n.summary(), n.outputShapes().stream().map(Arrays::toString).toList().toString(),
                        nanos[i] / (double) runs / 1e6));
            }
        }
        try (SessionOptions opt = options(prof); OrtSession ort = env.createSession(d.resolve("model.onnx").toString(), opt);
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(xf), x.shape())) {
            Map<String, OnnxTensor> ortIn = Map.of(ort.getInputNames().iterator().next(), in);
            long end = System.nanoTime() + (long) (warm * 1e9);
            int warmRuns = 0;
            while (System.nanoTime() < end) {
                try (var r = ort.run(ortIn)) {
                    warmRuns++;
                }
            }
            for (int i = 0; i < runs; i++) {
                try (var r = ort.run(ortIn)) {
                    r.size();
                }
            }
            String file = ort.endProfiling();
            ortRows = ortNodes(Path.of(file), warmRuns, runs);
            Files.deleteIfExists(Path.of(file));
        }
        Files.deleteIfExists(prof);
        System.out.printf(Locale.ROOT, "%n== %s b%d, 1 thread: isthmus %s | ORT %s%n", name, batch, stats(isTimes), stats(ortTimes));
        double isSum = isRows.stream().mapToDouble(Row::ms).sum(), ortSum = ortRows.stream().mapToDouble(Row::ms).sum();
        System.out.printf(Locale.ROOT, "   sum of nodes: isthmus %.2f ms, ORT %.2f ms%n", isSum, ortSum);
        printByOp("isthmus", isRows);
        printByOp("ORT", ortRows);
        List<Row> isConv = isRows.stream().filter(r -> r.op.equalsIgnoreCase("Conv2d")).toList();
        List<Row> ortConv = ortRows.stream().filter(r -> r.op.contains("Conv")).toList();
        System.out.printf(Locale.ROOT, "   convolutions in run order (%d isthmus, %d ORT), worst %d by difference:%n", isConv.size(), ortConv.size(), top);
        if (isConv.size() == ortConv.size()) {
            Integer[] idx = new Integer[isConv.size()];
            for (int i = 0; i < idx.length; i++) idx[i] = i;
            Arrays.sort(idx, (p, q) -> Double.compare(isConv.get(q).ms - ortConv.get(q).ms, isConv.get(p).ms - ortConv.get(p).ms));
            for (int j = 0; j < Math.min(top, idx.length); j++) {
                int i = idx[j];
                System.out.printf(Locale.ROOT, "   #%-3d %7.3f vs %7.3f ms  %-48s %s | %s%n", i, isConv.get(i).ms, ortConv.get(i).ms,
                        isConv.get(i).what, isConv.get(i).shape, ortConv.get(i).what);
            }
        }
        System.out.println("   isthmus other nodes above 0.1 ms:");
        for (Row r : isRows) if (!r.op.equalsIgnoreCase("Conv2d") && r.ms >= 0.1) System.out.printf(Locale.ROOT, "      %7.3f ms  %s %s %s%n", r.ms, r.op, r.what, r.shape);
        System.out.println("   ORT other nodes above 0.1 ms:");
        for (Row r : ortRows) if (!r.op.contains("Conv") && r.ms >= 0.1) System.out.printf(Locale.ROOT, "      %7.3f ms  %s %s %s%n", r.ms, r.op, r.what, r.shape);
    }

    static SessionOptions options(Path profile) throws Exception {
        SessionOptions o = new SessionOptions();
        o.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
        o.setIntraOpNumThreads(1);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        if (profile != null) o.enableProfiling(profile.toString());
        return o;
    }

    static void warm(Runnable r, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) r.run();
    }

    static List<Double> times(Runnable r, int runs) {
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            t.add((System.nanoTime() - t0) / 1e6);
        }
        return t;
    }

    /** "median M ms (p10 A – p90 B, n)" */
    static String stats(List<Double> t) {
        double[] a = t.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "median %.2f ms (p10 %.2f – p90 %.2f, min %.2f, n %d)", a[a.length / 2], a[a.length / 10],
                a[a.length * 9 / 10], a[0], a.length);
    }

    static void printByOp(String who, List<Row> rows) {
        Map<String, Double> by = new LinkedHashMap<>();
        for (Row r : rows) by.merge(r.op, r.ms, Double::sum);
        StringBuilder b = new StringBuilder("   " + who + " by op:");
        by.entrySet().stream().sorted((p, q) -> Double.compare(q.getValue(), p.getValue())).limit(8)
                .forEach(e -> b.append(String.format(Locale.ROOT, " %s %.2f", e.getKey(), e.getValue())));
        System.out.println(b);
    }

    private static final Pattern EVENT = Pattern.compile("\\{\"cat\"\\s*:\\s*\"Node\".*?\"dur\"\\s*:\\s*(\\d+).*?\"name\"\\s*:\\s*\"([^\"]*)_kernel_time\".*?\"op_name\"\\s*:\\s*\"([^\"]*)\"(.*?)\\}\\s*\\}");
    private static final Pattern OUT_SHAPE = Pattern.compile("\"output_type_shape\"\\s*:\\s*\\[\\{\"float\"\\s*:\\s*\\[([0-9,]*)\\]");

    /**
     * The per-node kernel times of the last {@code runs} runs in ONNX Runtime's profile (the first {@code skip} runs
     * were warm-up), in run order: the mean per run.
     */
    static List<Row> ortNodes(Path file, int skip, int runs) throws Exception {
        String json = Files.readString(file);
        Matcher m = EVENT.matcher(json);
        List<String[]> events = new ArrayList<>();
        while (m.find()) {
            Matcher s = OUT_SHAPE.matcher(m.group(4));
            events.add(new String[]{m.group(2), m.group(3), m.group(1), s.find() ? "[" + s.group(1) + "]" : ""});
        }
        int per = events.size() / (skip + runs);
        Map<String, Row> acc = new LinkedHashMap<>();
        for (int i = skip * per; i < events.size(); i++) {
            String[] e = events.get(i);
            double ms = Long.parseLong(e[2]) / 1e3 / runs;
            acc.merge(e[0], new Row(e[1], e[0], e[3], ms), (a, b) -> new Row(a.op, a.what, a.shape, a.ms + b.ms));
        }
        return new ArrayList<>(acc.values());
    }
}
