package dev.isthmus.engine.ir;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/** Builds small models in tests: a spec written node by node, with weights from a map. */
public final class TestModels {
    private final List<InputSpec> inputs = new ArrayList<>();
    private final List<NodeSpec> nodes = new ArrayList<>();
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private final SplittableRandom r;

    public TestModels(long seed) {
        r = new SplittableRandom(seed);
    }

    public TestModels input(String name, DType t, long... shape) {
        inputs.add(new InputSpec(name, shape, t, Map.of()));
        return this;
    }

    public TestModels input(String name, long... shape) {
        return input(name, DType.F32, shape);
    }

    /** A node: op, state-dict name (or null), inputs, outputs, then key, value pairs. */
    public TestModels node(String op, String name, List<String> in, List<String> out, Object... kv) {
        Map<String, Object> a = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) a.put((String) kv[i], kv[i + 1]);
        nodes.add(new NodeSpec(nodes.size(), op, name, in, out, a));
        return this;
    }

    public TestModels output(String... names) {
        outputs.addAll(List.of(names));
        return this;
    }

    /** A random parameter in [-1, 1), registered under {@code name}. */
    public float[] param(String name, long... shape) {
        float[] a = random(shape);
        weights.put(name, Tensor.ofFloats(a, shape));
        return a;
    }

    /** A parameter with given values. */
    public TestModels weight(String name, Tensor t) {
        weights.put(name, t);
        return this;
    }

    public float[] random(long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    public ModelSpec spec() {
        return new ModelSpec("isthmus/2", inputs, nodes, outputs, List.of(), Map.of());
    }

    public WeightSource weights() {
        Map<String, Tensor> w = Map.copyOf(weights);
        return new WeightSource() {
            @Override
            public Tensor get(String name) {
                return w.get(name);
            }

            @Override
            public Set<String> names() {
                return w.keySet();
            }

            @Override
            public String source() {
                return "test";
            }
        };
    }

    /** The model on {@code threads} threads. */
    public Model build(int threads) {
        return Model.build(spec(), weights(), null, threads);
    }
}
