package dev.isthmus.cli;

import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code isthmus predict} on the bundled digits and on a folder with broken files. */
class PredictTest {
    static final Path EXAMPLE = Path.of("..", "examples", "mnist");

    @TempDir
    Path tmp;

    @Test
    void bundledDigitsGetPyTorchsLabelsAndScores() throws Exception {
        Map<String, Object> expected = Json.parseObject(Files.readString(EXAMPLE.resolve("expected.json")));
        CliRun r = CliRun.of("predict", EXAMPLE.toString(), EXAMPLE.resolve("digits").toString(), "--json", "--batch", "5");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.outLines();
        assertEquals(expected.size(), lines.size());
        assertEquals(24, lines.size());
        String prev = "";
        for (String line : lines) {
            Map<String, Object> o = Json.parseObject(line);
            String file = Path.of((String) o.get("file")).getFileName().toString();
            assertTrue(file.compareTo(prev) > 0, "input order");
            prev = file;
            Map<?, ?> want = (Map<?, ?>) expected.get(file);
            assertEquals(want.get("label"), o.get("label"), file);
            assertEquals(((Number) want.get("score")).doubleValue(), ((Number) o.get("score")).doubleValue(), 1e-4, file);
            assertEquals(file.substring(0, 1), o.get("label"), file + " is a digit the model gets right");
            assertTrue(o.get("top") instanceof List<?> l && l.size() == 1);
        }
    }

    @Test
    void theBundledModelByDefaultRunsOnJavaWithFusedNodesAndItsWorkersSpin() {
        // the default backend keeps the seed CNN on the Java kernels (oneDNN is measured slower there), so the pool's
        // workers spin between parallel sections; fused nodes are still steps on Java, not display text
        try (dev.isthmus.engine.runtime.Model m = dev.isthmus.Isthmus.load(EXAMPLE, dev.isthmus.Isthmus.options().threads(2))) {
            assertTrue(m.nodes().stream().anyMatch(n -> !n.absorbed().isEmpty()), "the bundled model should have fused nodes");
            assertTrue(m.nodes().stream().allMatch(n -> n.backend().equals(dev.isthmus.engine.runtime.Model.JAVA)), m.nodes().toString());
            assertTrue(!m.usesBackend() && m.spins());
        }
    }

    @Test
    void brokenFilesAreReportedAndTheRestGoOn() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Files.copy(EXAMPLE.resolve("digits/3_3327.png"), dir.resolve("a.png"));
        Files.copy(EXAMPLE.resolve("digits/7_7509.png"), dir.resolve("c.png"));
        byte[] png = Files.readAllBytes(EXAMPLE.resolve("digits/0_0242.png"));
        Files.write(dir.resolve("b_truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
        Files.writeString(dir.resolve("notes.png"), "this is not an image\n");
        CliRun r = CliRun.of("predict", EXAMPLE.toString(), dir.toString(), "--top-k", "3");
        assertEquals(1, r.code(), r.err());
        List<String> out = r.outLines();
        assertEquals(2, out.size(), r.out());
        assertTrue(out.get(0).contains("a.png  3 ("), out.get(0));
        assertTrue(out.get(1).contains("c.png  7 ("), out.get(1));
        assertEquals(3, out.get(0).split("%\\)").length, "three labels with --top-k 3: " + out.get(0));
        List<String> err = r.errLines();
        assertEquals(3, err.size(), r.err());
        assertTrue(err.get(0).contains("b_truncated.png") && err.get(0).contains("image-decode"), err.get(0));
        assertTrue(err.get(1).contains("notes.png") && err.get(1).contains("not an image"), err.get(1));
        assertTrue(err.get(2).contains("2 of 4 inputs failed"), err.get(2));
    }

    @Test
    void rgbImagesOfAnotherSizeAreConvertedForAGrayscaleModel() throws Exception {
        // the digit, drawn in colour and at twice the size, still reads as that digit
        var src = javax.imageio.ImageIO.read(EXAMPLE.resolve("digits/3_3327.png").toFile());
        var big = new java.awt.image.BufferedImage(56, 56, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++)
            for (int x = 0; x < 56; x++) {
                int v = src.getRaster().getSample(x / 2, y / 2, 0);
                big.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        Path f = tmp.resolve("three_rgb.png");
        javax.imageio.ImageIO.write(big, "png", f.toFile());
        CliRun r = CliRun.of("predict", EXAMPLE.toString(), f.toString(), "--verbose");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("three_rgb.png  3 ("), r.out());
        assertTrue(r.err().contains("resized 56x56 to 28x28"), r.err());
    }
}
