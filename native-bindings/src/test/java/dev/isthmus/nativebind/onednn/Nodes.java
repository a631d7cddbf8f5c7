package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.graph.WeightSource;
import dev.isthmus.engine.ops.Ops;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Builds single nodes with in-memory weights, for the oneDNN layer and for the engine's Java layer alike. */
final class Nodes {
    private Nodes() {
    }

    static final class Weights implements WeightSource {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        final Random random;

        Weights(long seed) {
            random = new Random(seed);
        }

        /** A tensor ~U(−scale, scale) named {@code name}; returns its values. */
        float[] add(String name, float scale, long... shape) {
            long n = 1;
            for (long d : shape) n *= d;
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) v[i] = (random.nextFloat() * 2 - 1) * scale;
            tensors.put(name, Tensor.ofFloats(v, shape));
            return v;
        }

        @Override
        public Tensor get(String name) {
            return tensors.get(name);
        }

        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public String source() {
            return "test weights";
        }
    }

    static NodeSpec node(String op, String name, Map<String, Object> args) {
        return new NodeSpec(0, op, name, List.of(), List.of(), args);
    }

    /** The oneDNN layer for the node; fails on binding problems. */
    static OneDnnLayer onednn(OneDnnBackend b, NodeSpec n, WeightSource w) {
        WeightBinder binder = new WeightBinder(w);
        NodeArgs args = new NodeArgs(n);
        Layer l = b.create(args, binder);
        assertTrue(l instanceof OneDnnLayer, "oneDNN should implement " + n.op());
        assertEquals(List.of(), binder.finish(), "binding problems");
        assertEquals(List.of(), args.unknown(), "unknown arguments");
        return (OneDnnLayer) l;
    }

    /** The engine's Java layer (scalar reference kernels) for the node. */
    static Layer java(NodeSpec n, WeightSource w) {
        WeightBinder binder = new WeightBinder(w);
        Layer l = Ops.create(new NodeArgs(n), binder);
        assertEquals(List.of(), binder.finish(), "binding problems");
        return l;
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** |actual − expected| ≤ tol · max(1, |expected|) everywhere. */
    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        if (!(worst <= tol)) fail(what + ": element " + at + " is " + actual[at] + ", expected " + expected[at] + " (error " + worst + " > " + tol + ")");
    }

    static List<Integer> pair(int a, int b) {
        return List.of(a, b);
    }
}
