package dev.isthmus.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java example in the docs runs as written (the JDK's source launcher on the project's class path). */
class JavaApiExampleTest {
    @Test
    void classifyDigitExampleRuns() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "../examples/java/ClassifyDigit.java", "../examples/mnist",
                "../examples/mnist/digits/3_3327.png", "../examples/mnist/digits/7_7509.png");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "example timed out");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("3_3327.png -> 3"), out);
        assertTrue(out.contains("7_7509.png -> 7"), out);
    }
}
