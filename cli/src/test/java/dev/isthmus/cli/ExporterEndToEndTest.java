package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exporter end to end, with the real PyTorch (Debian's, installed by {@code tools/python-deps} when missing and
 * possible): its own test suite, then the eight full-size torchvision classifiers of the general-graph work exported
 * by {@code tools/torchvision_e2e.py} with random weights and BatchNorm statistics, each run by {@code isthmus run}
 * and compared with PyTorch's float64 output (max |diff| ≤ 1e-4 × max(1, max |output|)).
 */
class ExporterEndToEndTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path models;

    @BeforeAll
    static void python() throws Exception {
        Result deps = exec(List.of(ROOT.resolve("tools/python-deps").toString()), 1200);
        if (deps.code != 0) fail("PyTorch and torchvision are needed for this test: " + deps.output);
        Result e2e = exec(List.of(PYTHON, ROOT.resolve("tools/torchvision_e2e.py").toString(), "--out", models.toString()), 900);
        if (e2e.code != 0) fail("tools/torchvision_e2e.py failed:\n" + e2e.output);
    }

    record Result(int code, String output) {
    }

    static Result exec(List<String> command, int seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(ROOT.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("PYTHONPATH", ROOT.resolve("python").toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out after " + seconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void exporterTestSuitePasses() throws Exception {
        Result r = exec(List.of(PYTHON, "-m", "unittest", "discover", "-s", ROOT.resolve("python/tests").toString()), 900);
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("OK"), r.output);
    }

    @TestFactory
    List<DynamicTest> fullSizeTorchvisionModelsMatchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(models)) {
            dirs = s.filter(d -> Files.isRegularFile(d.resolve("case.json"))).sorted().toList();
        }
        assertEquals(8, dirs.size(), "resnet18, resnet50, mobilenet_v2, mobilenet_v3_small, efficientnet_b0, squeezenet1_1, vgg11_bn, alexnet");
        for (Path d : dirs) {
            tests.add(DynamicTest.dynamicTest(d.getFileName().toString(), () -> {
                Map<String, Object> c = Json.parseObject(Files.readString(d.resolve("case.json")));
                Path out = d.resolve("isthmus_out.npy");
                StringWriter o = new StringWriter(), e = new StringWriter();
                int code = Main.run(new String[]{"run", d.resolve("model.safetensors").toString(), "-i",
                        "x=" + d.resolve("in_x.npy"), "-o", out.toString()}, new PrintWriter(o, true), new PrintWriter(e, true));
                assertEquals(0, code, "isthmus run: " + e);
                float[] expected = Npy.read(d.resolve((String) ((List<?>) c.get("outputs")).get(0)), null).toFloatArray();
                float[] actual = Npy.read(out, null).toFloatArray();
                assertEquals(expected.length, actual.length);
                double scale = 1, worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
                }
                assertTrue(worst <= 1e-4 * scale, d.getFileName() + ": max |diff| " + worst + " > 1e-4 × " + scale);
            }));
        }
        return tests;
    }
}
