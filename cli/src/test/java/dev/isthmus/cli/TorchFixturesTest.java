package dev.isthmus.cli;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every PyTorch fixture, through the Java API and through {@code isthmus run}, within 1e-4 of PyTorch. */
class TorchFixturesTest {
    static final double TOL = 1e-4;

    @TempDir
    Path tmp;

    @Test
    void thereAreEnoughFixtures() throws Exception {
        assertTrue(TorchFixtures.all().size() >= 30, "expected the full fixture set, found " + TorchFixtures.all().size());
    }

    @TestFactory
    List<DynamicTest> javaApiMatchesPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (TorchFixtures f : TorchFixtures.all()) {
            tests.add(DynamicTest.dynamicTest(f.name(), () -> {
                try (Model m = ModelLoader.load(f.model())) {
                    Map<String, Tensor> feed = new LinkedHashMap<>();
                    f.inputs().forEach((k, v) -> feed.put(k, Npy.read(v, null)));
                    Map<String, Tensor> out = m.run(feed);
                    assertEquals(f.outputs().size(), out.size(), "number of outputs");
                    int k = 0;
                    for (Tensor actual : out.values()) {
                        Tensor expected = Npy.read(f.outputs().get(k), null);
                        assertArrayEquals(expected.shape(), actual.shape(), f.name() + " output " + k + " shape "
                                + Shape.toString(actual.shape()));
                        TorchFixtures.assertClose(f.name() + " output " + k, expected.toFloatArray(), actual.toFloatArray(), TOL);
                        k++;
                    }
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> cliRunMatchesPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (TorchFixtures f : TorchFixtures.all()) {
            tests.add(DynamicTest.dynamicTest(f.name(), () -> {
                List<String> args = new ArrayList<>(List.of("run", f.model().toString()));
                f.inputs().forEach((k, v) -> {
                    args.add("-i");
                    args.add(k + "=" + v);
                });
                List<Path> outs = new ArrayList<>();
                for (int k = 0; k < f.outputs().size(); k++) {
                    Path o = tmp.resolve(f.name() + "_" + k + ".npy");
                    outs.add(o);
                    args.add("-o");
                    args.add(o.toString());
                }
                StringWriter out = new StringWriter(), err = new StringWriter();
                int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
                assertEquals(0, code, "exit code; stderr: " + err);
                for (int k = 0; k < outs.size(); k++) {
                    TorchFixtures.assertClose(f.name() + " output " + k, Npy.read(f.outputs().get(k), null).toFloatArray(),
                            Npy.read(outs.get(k), null).toFloatArray(), TOL);
                }
            }));
        }
        return tests;
    }
}
