package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code isthmus bench}: the JSON it prints and its usage errors (no timing assertions). */
class BenchCommandTest {
    @Test
    void jsonHasTheDocumentedFields() {
        CliRun r = CliRun.of("bench", "../examples/mnist", "--shape", "image=3x1x28x28", "--threads", "1", "--json",
                "--seconds", "0.2", "--min-runs", "3", "--max-warmup-seconds", "1");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = Json.parseObject(r.out().strip());
        for (String k : new String[]{"median_ms", "p90_ms", "p99_ms", "throughput_per_s", "threads", "shape"}) {
            assertTrue(o.containsKey(k), k + " in " + o);
        }
        assertEquals("3x1x28x28", o.get("shape"));
        assertEquals(1L, o.get("threads"));
        double median = ((Number) o.get("median_ms")).doubleValue(), p90 = ((Number) o.get("p90_ms")).doubleValue();
        assertTrue(median > 0 && p90 >= median, o.toString());
        assertTrue(((Number) o.get("runs")).longValue() >= 3);
    }

    @Test
    void profileListsEveryNodeOnce() {
        CliRun r = CliRun.of("bench", "../examples/mnist", "--shape", "image=2x1x28x28", "--threads", "1", "--json",
                "--profile", "--seconds", "0.2", "--min-runs", "3", "--max-warmup-seconds", "1");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> o = Json.parseObject(r.out().strip());
        List<?> layers = (List<?>) o.get("profile");
        // the bundled model after fusion: conv1, conv2, flatten, fc1, fc2 (isthmus inspect lists the same nodes)
        assertEquals(5, layers.size(), o.toString());
        Set<Object> ops = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            Map<?, ?> l = (Map<?, ?>) layers.get(i);
            assertEquals((long) i, l.get("node"), "in run order: " + l);
            assertTrue(((Number) l.get("mean_ms")).doubleValue() >= 0, l.toString());
            assertEquals("java", l.get("backend"), l.toString());
            ops.add(l.get("op"));
        }
        assertEquals(Set.of("Conv2d", "Flatten", "Linear"), ops);

        CliRun text = CliRun.of("bench", "../examples/mnist", "--shape", "image=2x1x28x28", "--threads", "1", "--profile",
                "--seconds", "0.2", "--min-runs", "3", "--max-warmup-seconds", "1");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("layers, slowest first"), text.out());
        assertEquals(5, text.out().lines().filter(l -> l.matches("\\s+[0-9.]+ ms\\s+[0-9.]+% .*")).count(), text.out());
    }

    @Test
    void badShapesAreUsageErrors() {
        CliRun r = CliRun.of("bench", "../examples/mnist", "--shape", "3xfoo");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad shape '3xfoo'"), r.err());
        CliRun r2 = CliRun.of("bench", "../examples/mnist", "--shape", "nope=1x1x28x28");
        assertEquals(2, r2.code());
        assertTrue(r2.err().contains("no input 'nope'"), r2.err());
        // was "internal error: ArithmeticException"
        CliRun huge = CliRun.of("bench", "../examples/mnist", "--shape", "100000000x1x28x28");
        assertEquals(2, huge.code(), huge.err());
        assertTrue(huge.err().contains("input 'image' of shape 100000000x1x28x28 has more elements than one input can hold"), huge.err());
        // NaN was accepted
        for (String[] bad : new String[][]{{"--max-warmup-seconds", "NaN"}, {"--seconds", "NaN"}, {"--seconds", "Infinity"}}) {
            CliRun nan = CliRun.of("bench", "../examples/mnist", bad[0], bad[1]);
            assertEquals(2, nan.code(), String.join(" ", bad) + ": " + nan.err());
            assertEquals(1, nan.errLines().size(), nan.err());
        }
    }
}
