package dev.isthmus.formats;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model whose max poolings are fused into the convolutions before them at load (conv → ReLU → MaxPool2d(2), and
 * conv → MaxPool2d(2) → GELU on an odd-sized output), run planned (sessions) and unplanned, on 1 and 2 threads,
 * against the reference kernels applied node by node.
 */
class ConvPoolFusionTest {
    @TempDir
    Path tmp;

    static final String SPEC = """
            {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 3, 13, 11], "dtype": "F32"}],
             "nodes": [{"op": "Conv2d", "name": "c1", "in_channels": 3, "out_channels": 5, "kernel_size": 3, "padding": 1},
                       {"op": "ReLU"}, {"op": "MaxPool2d", "kernel_size": 2},
                       {"op": "Conv2d", "name": "c2", "in_channels": 5, "out_channels": 34, "kernel_size": 3, "padding": 1},
                       {"op": "MaxPool2d", "kernel_size": 2}, {"op": "GELU"}, {"op": "Flatten"},
                       {"op": "Linear", "name": "fc", "in_features": 204, "out_features": 4}]}""";

    private final SplittableRandom r = new SplittableRandom(7);
    private final Map<String, Tensor> weights = new LinkedHashMap<>();

    private float[] param(String name, double scale, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        float[] a = random(n, scale);
        weights.put(name, Tensor.ofFloats(a, shape));
        return a;
    }

    private float[] random(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    @Test
    void fusedPoolingsMatchTheReferenceNodeByNode() {
        float[] w1 = param("c1.weight", 0.5, 5, 3, 3, 3), b1 = param("c1.bias", 0.5, 5);
        float[] w2 = param("c2.weight", 0.3, 34, 5, 3, 3), b2 = param("c2.bias", 0.5, 34);
        float[] wf = param("fc.weight", 0.2, 4, 204), bf = param("fc.bias", 0.5, 4);
        Path f = tmp.resolve("m.safetensors");
        SafetensorsWriter.write(f, weights, Map.of(ModelLoader.SPEC_KEY, SPEC));
        int n = 3;
        float[] x = random(n * 3 * 13 * 11, 1);
        // the reference, node by node
        float[] c1 = new float[n * 5 * 13 * 11], p1 = new float[n * 5 * 6 * 5];
        Conv2d.forward(x, n, 3, 13, 11, w1, b1, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, c1, 13, 11, Activation.RELU);
        Pool2d.max(c1, n * 5, 13, 11, 2, 2, 2, 2, 0, 0, 1, 1, p1, 6, 5);
        float[] c2 = new float[n * 34 * 6 * 5], p2 = new float[n * 34 * 3 * 2];
        Conv2d.forward(p1, n, 5, 6, 5, w2, b2, 34, 3, 3, 1, 1, 1, 1, 1, 1, 1, c2, 6, 5, Activation.NONE);
        Pool2d.max(c2, n * 34, 6, 5, 2, 2, 2, 2, 0, 0, 1, 1, p2, 3, 2);
        Activation.GELU.applyInPlace(p2, 0, p2.length);
        float[] expected = new float[n * 4];
        Gemm.matmulTransB(p2, 0, wf, 0, bf, 0, expected, 0, n, 4, 204, Activation.NONE);
        for (int threads : new int[]{1, 2}) {
            try (Model m = ModelLoader.load(f, threads, "java")) {
                // the poolings (nodes 2 and 4) and the activations around them run inside the convolutions
                assertEquals(List.of("Conv2d", "Conv2d", "Flatten", "Linear"), m.nodes().stream().map(Model.NodeInfo::op).toList());
                assertEquals(List.of("node 1 (ReLU)", "node 2 (MaxPool2d)"), m.nodes().get(0).absorbed());
                assertEquals(List.of("node 4 (MaxPool2d)", "node 5 (GELU)"), m.nodes().get(1).absorbed());
                Tensor in = Tensor.ofFloats(x, n, 3, 13, 11);
                close(expected, m.run(in).get("output").toFloatArray(), "Model.run, " + threads + " thread(s)");
                try (Session s = m.newSession()) {
                    Tensor y = s.run(in).get("output");
                    assertArrayEquals(new long[]{n, 4}, y.shape());
                    close(expected, y.toFloatArray(), "Session.run, " + threads + " thread(s)");
                }
            }
        }
    }

    private static void close(float[] e, float[] a, String what) {
        assertArrayEquals(new long[]{e.length}, new long[]{a.length}, what + ": length");
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(a[i] - e[i]) <= 1e-4 * Math.max(1, Math.abs(e[i])), what + ": element " + i + " is " + a[i] + ", expected " + e[i]);
        }
    }
}
