package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The golden cases PyTorch wrote under {@code fixtures/torch} (see tools/make_fixtures.py). */
record TorchFixtures(String name, Path dir, Path model, Map<String, Path> inputs, List<Path> outputs) {
    static final Path ROOT = Path.of("..", "fixtures", "torch");

    /** Every case; fails when the folder is missing so that the tests can't pass on nothing. */
    static List<TorchFixtures> all() throws IOException {
        return all(ROOT);
    }

    /** Every case under {@code root} (fixtures/torch, fixtures/graph, fixtures/ops share the layout). */
    static List<TorchFixtures> all(Path root) throws IOException {
        if (!Files.isDirectory(root)) fail("fixtures not found at " + root.toAbsolutePath());
        final Path ROOT = root;
        List<TorchFixtures> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT)) {
            for (Path d : s.sorted().toList()) {
                Path c = d.resolve("case.json");
                if (!Files.isRegularFile(c)) continue;
                Map<String, Object> j = Json.parseObject(Files.readString(c));
                Map<String, Path> in = new LinkedHashMap<>();
                ((Map<?, ?>) j.get("inputs")).forEach((k, v) -> in.put((String) k, d.resolve((String) v)));
                List<Path> outs = new ArrayList<>();
                for (Object o : (List<?>) j.get("outputs")) outs.add(d.resolve((String) o));
                out.add(new TorchFixtures(d.getFileName().toString(), d, d.resolve((String) j.get("model")), in, outs));
            }
        }
        return out;
    }

    /** max |actual − expected| ≤ tol · max(1, max |expected|): the tolerance of the exported models' fixtures. */
    static void assertScaled(String what, float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 1, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double err = Math.abs((double) actual[i] - expected[i]);
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        if (!(worst <= tol * scale)) {
            fail(what + ": element " + at + " is " + actual[at] + ", PyTorch says " + expected[at] + " (error " + worst + " > " + tol + " × " + scale + ")");
        }
    }

    /** |actual − expected| ≤ tol · max(1, |expected|) everywhere: 1e-4 absolute for small values, relative for large. */
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
        if (!(worst <= tol)) {
            fail(what + ": element " + at + " is " + actual[at] + ", PyTorch says " + expected[at] + " (error " + worst + " > " + tol + ")");
        }
    }
}
