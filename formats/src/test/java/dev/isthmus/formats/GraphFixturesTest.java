package dev.isthmus.formats;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The models {@code python/isthmus_export} exported from torchvision and hand-written PyTorch code
 * ({@code fixtures/graph}, see tools/make_graph_fixtures.py), through the Java API: every output within
 * 1e-4 × max(1, max |PyTorch output|) of PyTorch, fused and node by node, on one thread and two.
 */
class GraphFixturesTest {
    static final Path ROOT = Path.of(System.getProperty("isthmus.graph.fixtures", "../fixtures/graph"));
    static final double TOL = 1e-4;

    record Case(String name, Path model, Map<String, Path> inputs, List<Path> outputs) {
    }

    static List<Case> cases() throws IOException {
        return cases(ROOT);
    }

    /** The cases under {@code root}: every directory with a case.json. */
    static List<Case> cases(Path root) throws IOException {
        if (!Files.isDirectory(root)) fail("fixtures not found at " + root.toAbsolutePath());
        List<Case> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                Path c = d.resolve("case.json");
                if (!Files.isRegularFile(c)) continue;
                Map<String, Object> j = Json.parseObject(Files.readString(c));
                Map<String, Path> in = new LinkedHashMap<>();
                ((Map<?, ?>) j.get("inputs")).forEach((k, v) -> in.put((String) k, d.resolve((String) v)));
                List<Path> outs = new ArrayList<>();
                for (Object o : (List<?>) j.get("outputs")) outs.add(d.resolve((String) o));
                out.add(new Case(d.getFileName().toString(), d.resolve((String) j.get("model")), in, outs));
            }
        }
        return out;
    }

    /** max |actual − expected| ≤ tol · max(1, max |expected|). */
    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 1;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        if (!(worst <= tol * scale)) {
            fail(what + ": element " + at + " is " + actual[at] + ", PyTorch says " + expected[at] + " (error " + worst + " > "
                    + tol + " × " + scale + ")");
        }
    }

    @Test
    void thereAreEnoughCases() throws IOException {
        assertTrue(cases().size() >= 19, "expected the full set of graph fixtures, found " + cases().size());
    }

    @TestFactory
    List<DynamicTest> matchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (boolean fuse : new boolean[]{true, false}) {
                for (int threads : fuse ? new int[]{1, 2} : new int[]{1}) {
                    tests.add(DynamicTest.dynamicTest(c.name() + (fuse ? "" : " unfused") + " threads=" + threads,
                            () -> check(c, fuse, threads)));
                }
            }
        }
        return tests;
    }

    static void check(Case c, boolean fuse, int threads) throws IOException {
        var loc = ModelLoader.locate(c.model());
        try (var file = ModelLoader.openWeights(loc.weights());
             Model m = Model.build(ModelLoader.readSpec(loc, file), ModelLoader.weights(loc, file), null, threads, null, fuse);
             Session s = m.newSession()) {
            Map<String, Tensor> feed = new LinkedHashMap<>();
            c.inputs().forEach((k, v) -> feed.put(k, Npy.read(v, null)));
            for (int run = 0; run < 2; run++) { // the second run reuses the plan's memory
                Map<String, Tensor> out = s.run(feed);
                assertEquals(c.outputs().size(), out.size(), "number of outputs");
                int k = 0;
                for (Tensor actual : out.values()) {
                    Tensor expected = Npy.read(c.outputs().get(k), null);
                    assertArrayEquals(expected.shape(), actual.shape(), c.name() + " output " + k + " shape " + Shape.toString(actual.shape()));
                    assertClose(c.name() + " output " + k, expected.toFloatArray(), actual.toFloatArray(), TOL);
                    k++;
                }
            }
        }
    }
}
