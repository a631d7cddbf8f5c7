package dev.isthmus.bench.kernels;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.vector.Pool2dKernel;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel.Path;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.formats.ModelLoader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every distinct convolution and max pooling of a model's graph (after fusion: with its activation and residual),
 * timed on every path of {@link Conv2dKernel} that can run it, 1 thread, random weights of the layer's shape: which
 * path the rules pick, which one is fastest, and how far from it the pick is. Times are the median of rounds of
 * back-to-back calls (per call, ms), "×n" how often the shape occurs in the model.
 *
 * <p>Run: {@code bench/profile-models ConvLayerPaths [models=resnet50:1,...] [dir=bench/models] [only=substring]
 * [min=0.05]} (layers whose automatic path takes less than min ms are skipped). Torchvision pads every convolution
 * by (k − 1)/2 and its images are even, so an input side is the output side × the stride.
 */
public final class ConvLayerPaths {
    private ConvLayerPaths() {
    }

    private static final Pattern CONV = Pattern.compile("(\\d+)→(\\d+), kernel (\\d+)×(\\d+)(?:, stride (\\d+)×(\\d+))?(?:, groups (\\d+))?(?: \\+ (residual)?,? ?([a-z0-9_]*)?)?.*");
    private static final Pattern POOL = Pattern.compile("kernel (\\d+)×(\\d+), stride (\\d+)×(\\d+)(?:, padding (\\d+)×(\\d+))?.*");

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("models", "resnet50:1,mobilenet_v2:1,efficientnet_b0:1,resnet18:8",
                "dir", "bench/models", "only", "", "min", "0.05", "paths", ""));
        for (String a : args) o.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        double min = Double.parseDouble(o.get("min"));
        for (String spec : o.get("models").split(",")) {
            String name = spec.split(":")[0];
            int batch = Integer.parseInt(spec.split(":")[1]);
            Map<String, Integer> seen = new LinkedHashMap<>();
            List<Model.NodeInfo> nodes;
            try (Model m = ModelLoader.load(java.nio.file.Path.of(o.get("dir"), name, "model.safetensors"), 1, "java")) {
                nodes = m.nodes();
            }
            Map<String, Model.NodeInfo> first = new LinkedHashMap<>();
            for (Model.NodeInfo n : nodes) {
                if (!n.op().equalsIgnoreCase("Conv2d") && !n.op().equalsIgnoreCase("MaxPool2d")) continue;
                long[] out = n.outputShapes().get(0);
                String key = n.op() + " " + n.summary() + " → " + out[out.length - 2] + "×" + out[out.length - 1];
                if (!o.get("only").isEmpty() && !key.contains(o.get("only"))) continue;
                seen.merge(key, 1, Integer::sum);
                first.putIfAbsent(key, n);
            }
            System.out.printf(Locale.ROOT, "%n== %s b%d: %d distinct layers%n", name, batch, first.size());
            for (var e : first.entrySet()) {
                long[] out = e.getValue().outputShapes().get(0);
                int oh = (int) out[out.length - 2], ow = (int) out[out.length - 1];
                String line = e.getValue().op().equalsIgnoreCase("Conv2d") ? conv(e.getValue().summary(), batch, oh, ow, min, o.get("paths"))
                        : pool(e.getValue().summary(), (int) out[out.length - 3], batch, oh, ow, min);
                if (line != null) System.out.printf(Locale.ROOT, "%-70s ×%-2d %s%n", e.getKey(), seen.get(e.getKey()), line);
            }
        }
    }

    static String conv(String summary, int n, int oh, int ow, double min, String onlyPaths) {
        Matcher m = CONV.matcher(summary);
        if (!m.matches()) return "(summary not understood: " + summary + ")";
        int cin = Integer.parseInt(m.group(1)), cout = Integer.parseInt(m.group(2)), kh = Integer.parseInt(m.group(3)),
                kw = Integer.parseInt(m.group(4)), s = m.group(5) == null ? 1 : Integer.parseInt(m.group(5)),
                g = m.group(7) == null ? 1 : Integer.parseInt(m.group(7));
        boolean residual = m.group(8) != null;
        Activation act = m.group(9) == null || m.group(9).isEmpty() ? Activation.NONE
                : Activation.valueOf(m.group(9).toUpperCase(Locale.ROOT));
        int h = oh * s, w = ow * s;
        SplittableRandom r = new SplittableRandom(11);
        float[] wt = new float[cout * (cin / g) * kh * kw], b = new float[cout];
        for (int i = 0; i < wt.length; i++) wt[i] = (float) (r.nextDouble() - 0.5) * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextDouble() - 0.5);
        float[] x = new float[n * cin * h * w], y = new float[n * cout * oh * ow], res = residual ? new float[y.length] : null;
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() - 0.5);
        if (res != null) for (int i = 0; i < res.length; i++) res[i] = (float) (r.nextDouble() - 0.5);
        double flop = 2.0 * n * cout * oh * ow * (cin / g) * kh * kw;
        List<Path> paths = new ArrayList<>();
        paths.add(null);
        for (Path p : Path.values()) {
            if (!onlyPaths.isEmpty() && !onlyPaths.contains(p.name())) continue;
            try {
                new Conv2dKernel(new float[wt.length], null, cin, cout, kh, kw, s, s, (kh - 1) / 2, (kw - 1) / 2, 1, 1, g, p);
                paths.add(p);
            } catch (IllegalArgumentException e) {
                // the path cannot run this shape
            }
        }
        List<Runnable> calls = new ArrayList<>();
        Path picked = null;
        for (Path p : paths) {
            Conv2dKernel k = new Conv2dKernel(wt, b, cin, cout, kh, kw, s, s, (kh - 1) / 2, (kw - 1) / 2, 1, 1, g, p);
            if (p == null) picked = k.path(n, w, oh, ow);
            calls.add(() -> k.forward(x, 0, n, h, w, y, 0, oh, ow, act, false, res, 0, null));
        }
        double[] ms = time(calls);
        if (ms[0] < min) return null;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "auto=%s %.3f ms (%.0f GFLOP/s)", picked, ms[0], flop / ms[0] / 1e6));
        double best = Double.MAX_VALUE;
        String bestName = "";
        for (int i = 1; i < paths.size(); i++) {
            line.append(String.format(Locale.ROOT, " | %s %.3f", paths.get(i), ms[i]));
            if (ms[i] < best) {
                best = ms[i];
                bestName = paths.get(i).name();
            }
        }
        line.append(String.format(Locale.ROOT, "  best %s%s", bestName, ms[0] > 1.1 * best ? String.format(Locale.ROOT, " (auto %.0f%% slower)", 100 * (ms[0] / best - 1)) : ""));
        return line.toString();
    }

    static String pool(String summary, int c, int n, int oh, int ow, double min) {
        Matcher m = POOL.matcher(summary);
        if (!m.matches()) return "(summary not understood: " + summary + ")";
        int kh = Integer.parseInt(m.group(1)), kw = Integer.parseInt(m.group(2)), s = Integer.parseInt(m.group(3));
        int p = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
        int h = oh * s, w = ow * s;
        float[] x = new float[n * c * h * w], y = new float[n * c * oh * ow];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        double ms = time(List.of(() -> Pool2dKernel.max(x, 0, n * c, h, w, kh, kw, s, s, p, p, 1, 1, y, 0, oh, ow, null)))[0];
        if (ms < min) return null;
        return String.format(Locale.ROOT, "%.3f ms (%.1f GB/s of input + output)", ms, 4.0 * (x.length + y.length) / ms / 1e6);
    }

    /**
     * Per call, the median ms of each of {@code calls}: warmed up in turn, then timed in rounds that visit every call
     * (so that a change of machine load hits them alike), each round a batch of back-to-back calls of ≈ 10 ms.
     */
    static double[] time(List<Runnable> calls) {
        int c = calls.size();
        int[] reps = new int[c];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < c; i++) {
                long t0 = System.nanoTime(), end = t0 + 300_000_000L;
                int count = 0;
                while (System.nanoTime() < end) {
                    calls.get(i).run();
                    count++;
                }
                reps[i] = Math.max(1, (int) (10e6 * count / (System.nanoTime() - t0)));
            }
        }
        double[][] t = new double[c][11];
        for (int round = 0; round < 11; round++) {
            for (int i = 0; i < c; i++) {
                long a = System.nanoTime();
                for (int j = 0; j < reps[i]; j++) calls.get(i).run();
                t[i][round] = (System.nanoTime() - a) / 1e6 / reps[i];
            }
        }
        double[] med = new double[c];
        for (int i = 0; i < c; i++) {
            Arrays.sort(t[i]);
            med[i] = t[i][t[i].length / 2];
        }
        return med;
    }
}
