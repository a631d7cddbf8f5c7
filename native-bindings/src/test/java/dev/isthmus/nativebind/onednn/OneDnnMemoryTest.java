package dev.isthmus.nativebind.onednn;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory stays flat: after warm-up, a second window of 10,000 runs of the seed CNN, and one of the seed GRU,
 * through oneDNN move the process RSS ({@code VmRSS}) by less than 1 MB each (the first windows may take a one-off
 * step of a few MB). Loading, running and closing both models 600 times after
 * warm-up shows no per-load trend either (one of two windows of 300 grows by less than 1 MB, the last by less than
 * 5 MB), and the FFM arena memory (NMT "Other") comes back to the kilobyte.
 *
 * <p>Measured in child JVMs ({@link RssMain}) with a fixed, pre-touched heap: in a default JVM, G1 grows and
 * uncommits the young generation by hundreds of MB as the allocation rate changes, which drowns any native trend.
 * The loads run with C1 only ({@code -XX:TieredStopAtLevel=1}): loading is cold code, and while C2 compiles it its
 * arenas grow in steps of up to ~15 MB (NMT "Arena Chunk") for the first thousand or so loads, with or without
 * oneDNN.
 */
class OneDnnMemoryTest {
    static final long LIMIT_KB = 5 * 1024;

    static Map<String, String> child(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch", "-XX:NativeMemoryTracking=summary"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "timed out");
        assertEquals(0, p.exitValue(), out);
        Map<String, String> v = new HashMap<>();
        out.lines().filter(l -> l.matches("[a-zA-Z]+=-?[0-9.]+"))
                .forEach(l -> v.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        v.put("output", out);
        return v;
    }

    static String[] main(String... args) {
        List<String> a = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), RssMain.class.getName(),
                Path.of("..", "fixtures", "torch").toString()));
        a.addAll(List.of(args));
        return a.toArray(String[]::new);
    }

    @Test
    void tenThousandRunsOfTheSeedCnnAndGruKeepRssFlat() throws Exception {
        assertTrue(Files.isRegularFile(Path.of("/proc/self/status")), "needs Linux /proc");
        Map<String, String> v = child(main("runs", "5000", "10000"));
        long warm = Long.parseLong(v.get("warm")), cnnA = Long.parseLong(v.get("cnnA")), cnnB = Long.parseLong(v.get("cnnB"));
        long gruA = Long.parseLong(v.get("gruA")), gruB = Long.parseLong(v.get("gruB"));
        System.out.printf("oneDNN RSS (kB): %d after warm-up; over two windows of 10,000 CNN runs %+d, %+d; over two of "
                + "10,000 GRU runs %+d, %+d; CNN %s ms/run, GRU %s ms/run (batch 3, 1 thread)%n",
                warm, cnnA - warm, cnnB - cnnA, gruA - cnnB, gruB - gruA, v.get("cnnMs"), v.get("gruMs"));
        // A leak grows in every window alike. The first window of each model may take a one-off step of a few MB
        // (seen up to ~8 MB, none of it in NMT's categories: the native libraries' malloc heap settling); the second
        // one is flat to the page here (0-30 kB), so 1 MB catches a leak of 100 bytes per run.
        assertTrue(cnnA - warm < 4 * LIMIT_KB, "RSS grew by " + (cnnA - warm) + " kB over the first 10,000 CNN runs\n" + v.get("output"));
        assertTrue(gruA - cnnB < 4 * LIMIT_KB, "RSS grew by " + (gruA - cnnB) + " kB over the first 10,000 GRU runs\n" + v.get("output"));
        assertTrue(cnnB - cnnA < 1024, "RSS grew by " + (cnnB - cnnA) + " kB over the second 10,000 CNN runs\n" + v.get("output"));
        assertTrue(gruB - gruA < 1024, "RSS grew by " + (gruB - gruA) + " kB over the second 10,000 GRU runs\n" + v.get("output"));
    }

    @Test
    void loadingAndClosingTheModelsKeepsRssFlat() throws Exception {
        assertTrue(Files.isRegularFile(Path.of("/proc/self/status")), "needs Linux /proc");
        List<String> a = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1"));
        a.addAll(List.of(main("loads", "600", "300")));
        Map<String, String> v = child(a.toArray(String[]::new));
        long before = Long.parseLong(v.get("before")), middle = Long.parseLong(v.get("middle")), after = Long.parseLong(v.get("after"));
        long other = Long.parseLong(v.get("otherAfter")) - Long.parseLong(v.get("otherBefore"));
        long first = middle - before, second = after - middle;
        System.out.printf("oneDNN RSS (kB): %d → %d → %d over 2 × 300 loads + runs + closes of the seed CNN and GRU (%+d, %+d); "
                + "NMT Other %+d kB; %s ms per iteration%n", before, middle, after, first, second, other, v.get("loadMs"));
        // A leak grows in both windows alike. The malloc heap settles in one-off steps of a few MB during the first
        // thousand loads or so (seen with the Java backend too); such a step lands in one window only.
        assertTrue(second < LIMIT_KB, "RSS grew by " + second + " kB over the last 300 loads\n" + v.get("output"));
        assertTrue(Math.min(first, second) < 1024, "RSS grew in both windows: " + first + " and " + second + " kB\n" + v.get("output"));
        assertTrue(Math.abs(other) < 64, "FFM arena memory grew by " + other + " kB over 600 loads\n" + v.get("output"));
    }
}
