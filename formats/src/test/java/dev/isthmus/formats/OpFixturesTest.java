package dev.isthmus.formats;

import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.GraphFixturesTest.Case;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.spec.SpecReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every functional op of the spec and the sequence and 1-D modules, one small spec each, on awkward shapes
 * ({@code fixtures/ops}, see tools/make_op_fixtures.py), through the Java API: float results within
 * 1e-4 × max(1, max |PyTorch result|) of PyTorch's float64 run, integer results equal, fused and node by node, on
 * one thread and two, twice per session (the second run reuses the plan's memory).
 */
@SuppressWarnings("unchecked")
class OpFixturesTest {
    static final Path ROOT = Path.of("..", "fixtures", "ops");
    static final double TOL = 1e-4;

    @Test
    void thereAreEnoughCases() throws IOException {
        assertTrue(GraphFixturesTest.cases(ROOT).size() >= 61, "expected the full set of op fixtures, found "
                + GraphFixturesTest.cases(ROOT).size());
    }

    /** In the builds that ask for a kernel width (formats/pom.xml's 128-bit and SIMD-off runs), the kernels run at it. */
    @Test
    void kernelsRunAtTheWidthThisRunAsksFor() {
        String expected = System.getProperty("isthmus.test.expectedSimdBits");
        if (expected != null) assertEquals(Integer.parseInt(expected), Simd.bits(), Simd.status());
    }

    @TestFactory
    List<DynamicTest> matchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : GraphFixturesTest.cases(ROOT)) {
            for (boolean fuse : new boolean[]{true, false}) {
                for (int threads : new int[]{1, 2}) {
                    tests.add(DynamicTest.dynamicTest(c.name() + (fuse ? "" : " unfused") + " threads=" + threads,
                            () -> check(c, fuse, threads)));
                }
            }
        }
        return tests;
    }

    /**
     * The same cases with every dimension of every input declared free (-1): whatever the ops infer at load must then
     * be worked out when planning, with the same results. A case whose spec needs a size at load (a chunk along a
     * dimension, squeeze without dim) must be refused with a ModelSpecException saying so.
     */
    @TestFactory
    List<DynamicTest> matchPyTorchWithEveryDimensionFree() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : GraphFixturesTest.cases(ROOT)) {
            for (boolean fuse : new boolean[]{true, false}) {
                tests.add(DynamicTest.dynamicTest(c.name() + (fuse ? "" : " unfused") + " free", () -> {
                    var loc = ModelLoader.locate(c.model());
                    try (var file = ModelLoader.openWeights(loc.weights())) {
                        Map<String, Object> json = Json.parseObject(file.metadata().get(ModelLoader.SPEC_KEY));
                        List<Object> inputs = new ArrayList<>();
                        for (Object o : (List<?>) json.get("inputs")) {
                            Map<String, Object> in = new LinkedHashMap<>((Map<String, Object>) o);
                            in.put("shape", ((List<?>) in.get("shape")).stream().map(d -> (Object) (-1L)).toList());
                            inputs.add(in);
                        }
                        json.put("inputs", inputs);
                        Model m;
                        try {
                            m = Model.build(SpecReader.fromJson(json, c.name()), ModelLoader.weights(loc, file), null, 1, null, fuse);
                        } catch (ModelSpecException e) {
                            assertTrue(e.getMessage().contains("not known at load"), c.name() + ": " + e.getMessage());
                            return;
                        }
                        try (m; Session s = m.newSession()) {
                            compare(c, s);
                        }
                    }
                }));
            }
        }
        return tests;
    }

    static void check(Case c, boolean fuse, int threads) throws IOException {
        var loc = ModelLoader.locate(c.model());
        try (var file = ModelLoader.openWeights(loc.weights());
             Model m = Model.build(ModelLoader.readSpec(loc, file), ModelLoader.weights(loc, file), null, threads, null, fuse);
             Session s = m.newSession()) {
            compare(c, s);
        }
    }

    /** Runs the case's inputs twice (the second run reuses the plan's memory) and compares with PyTorch's results. */
    static void compare(Case c, Session s) throws IOException {
        Map<String, Tensor> feed = new LinkedHashMap<>();
        c.inputs().forEach((k, v) -> feed.put(k, Npy.read(v, null)));
        for (int run = 0; run < 2; run++) {
            Map<String, Tensor> out = s.run(feed);
            assertEquals(c.outputs().size(), out.size(), "number of outputs");
            int k = 0;
            for (Map.Entry<String, Tensor> e : out.entrySet()) {
                Tensor actual = e.getValue();
                Tensor expected = Npy.read(c.outputs().get(k), null);
                String what = c.name() + " output " + k + " '" + e.getKey() + "'";
                assertArrayEquals(expected.shape(), actual.shape(), what + " shape " + Shape.toString(actual.shape()));
                if (expected.dtype() == DType.I64) {
                    assertEquals(DType.I64, actual.dtype(), what + " dtype");
                    assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
                } else {
                    assertEquals(DType.F32, actual.dtype(), what + " dtype");
                    GraphFixturesTest.assertClose(what, expected.toFloatArray(), actual.toFloatArray(), TOL);
                }
                k++;
            }
        }
    }
}
