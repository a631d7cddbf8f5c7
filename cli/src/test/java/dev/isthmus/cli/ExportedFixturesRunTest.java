package dev.isthmus.cli;

import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The models isthmus_export wrote ({@code fixtures/graph}: torchvision and hand-written PyTorch) and the one-op cases
 * ({@code fixtures/ops}), through {@code isthmus run}: every output within 1e-4 × max(1, max |PyTorch output|).
 * (GraphFixturesTest and OpFixturesTest run them through the Java API, fused and not, at every width.)
 */
class ExportedFixturesRunTest {
    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> isthmusRunMatchesPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String set : new String[]{"graph", "ops"}) {
            List<TorchFixtures> all = TorchFixtures.all(Path.of("..", "fixtures", set));
            assertTrue(all.size() >= 19, set + ": " + all.size() + " cases");
            for (TorchFixtures f : all) {
                tests.add(DynamicTest.dynamicTest(set + "/" + f.name(), () -> {
                    List<String> args = new ArrayList<>(List.of("run", f.model().toString()));
                    f.inputs().forEach((k, v) -> {
                        args.add("-i");
                        args.add(k + "=" + v);
                    });
                    List<Path> outs = new ArrayList<>();
                    for (int k = 0; k < f.outputs().size(); k++) {
                        Path o = tmp.resolve(set + "_" + f.name() + "_" + k + ".npy");
                        outs.add(o);
                        args.add("-o");
                        args.add(o.toString());
                    }
                    StringWriter out = new StringWriter(), err = new StringWriter();
                    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
                    assertEquals(0, code, "exit code; stderr: " + err);
                    for (int k = 0; k < outs.size(); k++) {
                        TorchFixtures.assertScaled(f.name() + " output " + k, Npy.read(f.outputs().get(k), null).toFloatArray(),
                                Npy.read(outs.get(k), null).toFloatArray(), 1e-4);
                    }
                }));
            }
        }
        return tests;
    }
}
