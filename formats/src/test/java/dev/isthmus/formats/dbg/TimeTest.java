package dev.isthmus.formats.dbg;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

class TimeTest {
    @Test
    void time() throws Exception {
        for (String spec : System.getProperty("models", "resnet50:1,mobilenet_v2:1,efficientnet_b0:1,resnet18:8").split(",")) {
            String name = spec.split(":")[0];
            int b = Integer.parseInt(spec.split(":")[1]);
            Path d = Path.of("/work/main/bench/models", name);
            Tensor x = Npy.read(d.resolve("in_x_b" + b + ".npy"), null);
            float[] expected = Npy.read(d.resolve("out_output_b" + b + ".npy"), null).toFloatArray();
            try (Model m = ModelLoader.load(d.resolve("model.safetensors"), 1, "java"); Session s = m.newSession()) {
                Map<String, Tensor> in = Map.of("x", x);
                float[] y = s.run(in).get("output").toFloatArray();
                double worst = 0, scale = 1;
                for (int i = 0; i < y.length; i++) {
                    worst = Math.max(worst, Math.abs(y[i] - expected[i]));
                    scale = Math.max(scale, Math.abs(expected[i]));
                }
                long end = System.nanoTime() + 8_000_000_000L;
                while (System.nanoTime() < end) s.run(in);
                double[] t = new double[30];
                for (int i = 0; i < t.length; i++) {
                    long t0 = System.nanoTime();
                    s.run(in);
                    t[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(t);
                long[] nanos = new long[m.nodes().size()];
                for (int i = 0; i < 20; i++) s.runProfiled(in, nanos);
                var nodes = m.nodes();
                Integer[] idx = new Integer[nodes.size()];
                for (int i = 0; i < idx.length; i++) idx[i] = i;
                Arrays.sort(idx, (p, q) -> Long.compare(nanos[q], nanos[p]));
                for (int i = 0; i < Math.min(25, idx.length); i++) {
                    var n = nodes.get(idx[i]);
                    System.out.printf("PROF %s %7.3f ms  %s %s %s%n", name, nanos[idx[i]] / 20 / 1e6, n.op(), n.summary(), n.outputShapes().stream().map(java.util.Arrays::toString).toList());
                }
                System.out.printf("TIME %s b%d: median %.2f ms (min %.2f), err %.2e of scale %.1f, nodes %d%n", name, b, t[t.length / 2], t[0],
                        worst, scale, m.nodes().size());
            }
        }
    }
}
