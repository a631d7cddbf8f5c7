package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Graph;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.SpecLowering;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Builds one-node models with in-memory weights: on oneDNN, and on the engine's scalar reference kernels (the oracle);
 * and runs single compiled nodes through hand-made frames.
 */
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

    /** Every node on {@link KernelProvider#reference()}: the scalar kernels every fast path is checked against. */
    static final class ReferenceBackend implements Backend {
        @Override
        public String name() {
            return "reference";
        }

        @Override
        public Executable compile(Node node) {
            return node.op().compile(KernelProvider.reference());
        }

        @Override
        public void close() {
        }
    }

    static InputSpec input(String name, long... shape) {
        return new InputSpec(name, shape, DType.F32, Map.of());
    }

    static NodeSpec node(int index, String op, String name, List<String> inputs, List<String> outputs, Map<String, Object> args) {
        return new NodeSpec(index, op, name, inputs, outputs, args);
    }

    static ModelSpec spec(List<InputSpec> inputs, List<String> outputs, NodeSpec... nodes) {
        return new ModelSpec("isthmus/1", inputs, List.of(nodes), outputs, List.of(), Map.of());
    }

    /**
     * A spec of one node reading inputs {@code x} (then {@code h0}, ...) of these shapes ({@code -1} = any size) and
     * giving {@code results} results, named {@code y} (or {@code y0}, {@code y1}, ...), all of them model outputs.
     */
    static ModelSpec oneNodeOf(String op, String name, Map<String, Object> args, int results, long[]... inputs) {
        List<InputSpec> in = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            String n = i == 0 ? "x" : i == 1 ? "h0" : "in" + i;
            names.add(n);
            in.add(new InputSpec(n, inputs[i], DType.F32, Map.of()));
        }
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < results; i++) outs.add(results == 1 ? "y" : "y" + i);
        return spec(in, outs, node(0, op, name, names, outs, args));
    }

    /** {@link #oneNodeOf} with one input, {@code x} of this shape. */
    static ModelSpec oneNode(String op, String name, Map<String, Object> args, int results, long... shape) {
        return oneNodeOf(op, name, args, results, shape);
    }

    /** The spec on oneDNN with {@code threads} threads; the model owns the backend. */
    static Model onednn(ModelSpec spec, WeightSource w, int threads) {
        return Model.build(spec, w, null, threads, OneDnnBackend.open(threads));
    }

    /** The spec on the scalar reference kernels. */
    static Model reference(ModelSpec spec, WeightSource w) {
        return Model.build(spec, w, null, 1, new ReferenceBackend());
    }

    /** Runs a model on inputs given in spec order; the results in output order. */
    static List<Tensor> run(Model m, Tensor... inputs) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) in.put(m.inputs().get(i).name(), inputs[i]);
        return List.copyOf(m.run(in).values());
    }

    /** The nodes of a model, by where they run. */
    static List<String> backends(Model m) {
        return m.nodes().stream().map(Model.NodeInfo::backend).toList();
    }

    /** The spec lowered (no passes), for compiling its nodes one by one. */
    static Graph lower(ModelSpec spec, WeightSource w) {
        return SpecLowering.lower(spec, w).graph();
    }

    /**
     * Runs a compiled node through a hand-made frame: inputs and results at odd offsets of one buffer, NaN between
     * them, a scratch region as large as the executable asks for. Checks that nothing outside the results and the
     * scratch was written; returns the results.
     */
    static List<float[]> runFrame(Executable e, Node node, List<long[]> shapes, List<float[]> inputs, ComputePool pool) {
        List<ValueType> types = new ArrayList<>();
        for (long[] s : shapes) types.add(ValueType.f32(s));
        List<ValueType> outTypes = node.op().infer(types);
        long[][] inShape = shapes.toArray(long[][]::new);
        long[][] outShape = outTypes.stream().map(ValueType::shape).toArray(long[][]::new);
        int off = 5;
        int[] in = new int[inShape.length], out = new int[outShape.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = off;
            off += (int) Shape.numel(inShape[i]) + 3;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = off;
            off += (int) Shape.numel(outShape[i]) + 7;
        }
        int scratch = off, scratchSize = (int) e.scratchFloats(inShape, outShape);
        off += scratchSize + 11;
        float[] buf = new float[off];
        java.util.Arrays.fill(buf, Float.NaN);
        for (int i = 0; i < in.length; i++) System.arraycopy(inputs.get(i), 0, buf, in[i], inputs.get(i).length);
        DType[] f32In = new DType[in.length], f32Out = new DType[out.length];
        java.util.Arrays.fill(f32In, DType.F32);
        java.util.Arrays.fill(f32Out, DType.F32);
        double[] scalars = new double[in.length];
        java.util.Arrays.fill(scalars, Double.NaN);
        Frame f = new Frame(buf, new long[0], in, inShape, f32In, scalars, out, outShape, f32Out, scratch, scratchSize, pool);
        e.prepare(f);
        e.run(f);
        List<float[]> results = new ArrayList<>();
        boolean[] written = new boolean[buf.length];
        for (int i = 0; i < out.length; i++) {
            int n = (int) Shape.numel(outShape[i]);
            results.add(java.util.Arrays.copyOfRange(buf, out[i], out[i] + n));
            java.util.Arrays.fill(written, out[i], out[i] + n, true);
        }
        java.util.Arrays.fill(written, scratch, scratch + scratchSize, true);
        for (int i = 0; i < in.length; i++) {
            float[] x = inputs.get(i);
            for (int k = 0; k < x.length; k++) {
                if (Float.floatToRawIntBits(buf[in[i] + k]) != Float.floatToRawIntBits(x[k])) fail("input " + i + " was overwritten at " + k);
            }
            java.util.Arrays.fill(written, in[i], in[i] + x.length, true);
        }
        for (int i = 0; i < buf.length; i++) {
            if (!written[i] && !Float.isNaN(buf[i])) fail("wrote outside its results at buffer offset " + i);
        }
        return results;
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

    /** Results of two models, compared: same shapes, within {@code tol}. */
    static void assertSameResults(String what, List<Tensor> expected, List<Tensor> actual, double tol) {
        assertEquals(expected.size(), actual.size(), what + ": number of results");
        for (int k = 0; k < expected.size(); k++) {
            assertTrue(java.util.Arrays.equals(expected.get(k).shape(), actual.get(k).shape()),
                    what + " result " + k + ": shape " + Shape.toString(actual.get(k).shape()) + ", expected "
                            + Shape.toString(expected.get(k).shape()));
            assertClose(what + " result " + k, expected.get(k).toFloatArray(), actual.get(k).toFloatArray(), tol);
        }
    }

    static List<Integer> pair(int a, int b) {
        return List.of(a, b);
    }
}
