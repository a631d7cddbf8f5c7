package dev.isthmus.cli;

import dev.isthmus.Isthmus;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a loaded model holds, as {@code inspect} and {@code run --verbose} report it. */
class MemoryReportTest {
    static final Path EXAMPLE = Path.of("..", "examples", "mnist");

    @TempDir
    Path tmp;

    @Test
    void inspectGivesThePlanForTheDeclaredShapesWithFreeDimensionsOne() {
        long plan;
        try (Model m = Isthmus.load(EXAMPLE, Isthmus.options().threads(1))) {
            plan = m.planBytes(Map.of("image", Tensor.ofFloats(new float[28 * 28], 1, 1, 28, 28)));
            assertTrue(plan > 4L * 32 * 14 * 14, "the plan holds at least the first layer's output: " + plan);
        }
        CliRun r = CliRun.of("inspect", EXAMPLE.resolve("model.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("  plan: " + Bytes.human(plan) + " for image [1, 1, 28, 28] (free dimensions 1)"), r.out());
    }

    @Test
    void runVerboseSaysWhatTheModelHolds() {
        Path x = tmp.resolve("x.npy");
        Npy.write(x, Tensor.ofFloats(new float[2 * 28 * 28], 2, 1, 28, 28));
        CliRun r = CliRun.of("run", EXAMPLE.toString(), "-i", x.toString(), "--threads", "1", "--verbose");
        assertEquals(0, r.code(), r.err());
        String line = r.errLines().stream().filter(l -> l.startsWith("isthmus: memory: ")).findFirst().orElse("");
        assertTrue(line.startsWith("isthmus: memory: weights 1.6 MB mapped (pages released after packing), "), r.err());
        assertTrue(line.contains(" held by the layers, plan ") && line.contains(", kernel scratch "), line);
        if (MemoryReport.peakRss() > 0) assertTrue(line.contains("; process peak RSS "), line);
        assertTrue(r.err().contains("isthmus: backend auto chose the Java kernels"), r.err());
    }
}
