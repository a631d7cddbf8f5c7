package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.isthmus.nativebind.onednn.Nodes.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every PyTorch fixture under {@code fixtures/torch} loaded with {@code --backend onednn} (through the engine's
 * backend SPI, as the CLI does): within 1e-4 of PyTorch's golden outputs and of the Java backend, with every node
 * oneDNN implements (after the engine's fusion passes) on oneDNN and every other node on Java.
 */
class OneDnnFixturesTest {
    static final double TOL = 1e-4;
    static final Path ROOT = Path.of("..", "fixtures", "torch");
    /** The models isthmus_export wrote from torchvision and hand-written PyTorch (compared to the output's scale). */
    static final Path GRAPH = Path.of("..", "fixtures", "graph");

    /** {@code scaled}: the tolerance is 1e-4 × max(1, max |expected|) over the whole output, as GraphFixturesTest's. */
    record Case(String name, Path model, Map<String, Path> inputs, List<Path> outputs, boolean scaled) {
    }

    static List<Case> cases() throws Exception {
        List<Case> out = new ArrayList<>();
        for (Path root : List.of(ROOT, GRAPH)) {
            if (!Files.isDirectory(root)) fail("fixtures not found at " + root.toAbsolutePath());
            out.addAll(cases(root, root == GRAPH));
        }
        return out;
    }

    static List<Case> cases(Path root, boolean scaled) throws Exception {
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
                out.add(new Case((scaled ? "graph/" : "") + d.getFileName().toString(), d.resolve((String) j.get("model")), in, outs, scaled));
            }
        }
        return out;
    }

    /**
     * Whether oneDNN should run a node, from what {@link Model#nodes()} says of it after the passes: a convolution,
     * Linear, GRU or pooling whose fused epilogue (the summary's {@code " + ..."}) is nothing or a ReLU. A fused
     * residual add, a fused max pooling or another activation stays on Java.
     */
    static boolean onOneDnn(Model.NodeInfo n) {
        if (!OneDnnBackend.OPS.contains(n.op())) return false;
        int plus = n.summary().indexOf(" + ");
        return plus < 0 || n.summary().substring(plus + 3).equals("relu");
    }

    @BeforeAll
    static void available() {
        assertTrue(OneDnn.isAvailable(), "oneDNN must load in this build: " + OneDnn.probe().reason());
    }

    @Test
    void theOneDnnFixturesArePresent() throws Exception {
        List<String> names = cases().stream().map(Case::name).toList();
        for (String n : List.of("cnn_seed", "cnn_seed_b1", "gru_seed", "gru_bidir", "conv_groups2", "maxpool_ceil", "avgpool_pad_excl")) {
            assertTrue(names.contains(n), "missing fixture " + n);
        }
    }

    @TestFactory
    List<DynamicTest> everyFixtureMatchesPyTorchAndJavaWithOneDnn() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try (Model onednn = ModelLoader.load(c.model(), 2, "onednn");
                     Model java = ModelLoader.load(c.model(), 1, "java");
                     Arena arena = Arena.ofConfined()) {
                    int built = 0;
                    for (Model.NodeInfo n : onednn.nodes()) {
                        String what = n.label() + " (" + n.summary() + ")";
                        if (onOneDnn(n)) {
                            assertEquals(OneDnnBackend.NAME, n.backend(), what + " should run on oneDNN");
                            built++;
                        } else {
                            assertEquals(Model.JAVA, n.backend(), what + " should run on Java");
                        }
                    }
                    assertEquals(built > 0, onednn.usesBackend());
                    // heap inputs for one run, native ones for the other: the same results
                    Map<String, Tensor> heap = new LinkedHashMap<>(), nat = new LinkedHashMap<>();
                    for (var e : c.inputs().entrySet()) {
                        heap.put(e.getKey(), Npy.read(e.getValue(), null));
                        nat.put(e.getKey(), Npy.read(e.getValue(), arena));
                    }
                    Map<String, Tensor> a = onednn.run(heap), b = onednn.run(nat), j = java.run(heap);
                    assertEquals(c.outputs().size(), a.size(), "number of outputs");
                    List<Tensor> as = List.copyOf(a.values()), bs = List.copyOf(b.values()), js = List.copyOf(j.values());
                    for (int k = 0; k < c.outputs().size(); k++) {
                        Tensor golden = Npy.read(c.outputs().get(k), null);
                        assertArrayEquals(golden.shape(), as.get(k).shape(), c.name() + " output " + k + " shape");
                        float[] g = golden.toFloatArray(), one = as.get(k).toFloatArray(), jv = js.get(k).toFloatArray();
                        if (c.scaled()) {
                            assertScaled(c.name() + " output " + k + " vs PyTorch", g, one);
                            assertScaled(c.name() + " output " + k + " vs Java", jv, one);
                        } else {
                            assertClose(c.name() + " output " + k + " vs PyTorch", g, one, TOL);
                            assertClose(c.name() + " output " + k + " vs Java", jv, one, TOL);
                        }
                        assertArrayEquals(as.get(k).toFloatArray(), bs.get(k).toFloatArray(), c.name() + " output " + k + ": native input");
                    }
                    if (c.name().startsWith("cnn_") || c.name().startsWith("conv_") || c.name().startsWith("gru_") || c.name().startsWith("graph/resnet")
                            || c.name().startsWith("maxpool_") || c.name().startsWith("avgpool_")) {
                        assertTrue(built > 0, c.name() + ": no node ran on oneDNN");
                    }
                }
            }));
        }
        return tests;
    }

    /** max |actual − expected| ≤ 1e-4 × max(1, max |expected|). */
    static void assertScaled(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 1, worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
        }
        if (!(worst <= TOL * scale)) fail(what + ": max |difference| " + worst + " > " + TOL + " × " + scale);
    }
}
