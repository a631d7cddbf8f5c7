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

    /** A PNG whose header declares width × height, with no pixel data: what a decompression bomb shows before it expands. */
    static byte[] pngHeader(int width, int height) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        var ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).array();
        for (var chunk : List.of(Map.entry("IHDR", ihdr), Map.entry("IEND", new byte[0]))) {
            byte[] type = chunk.getKey().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.write(java.nio.ByteBuffer.allocate(4).putInt(chunk.getValue().length).array());
            out.write(type);
            out.write(chunk.getValue());
            var crc = new java.util.zip.CRC32();
            crc.update(type);
            crc.update(chunk.getValue());
            out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
        return out.toByteArray();
    }

    @Test
    void anImageDeclaringTooManyPixelsIsOneErrorAndTheRestGoOn() throws Exception {
        // 40000 × 40000 RGB would be 6 GB decoded: refused from the header, before a pixel is read
        Path dir = Files.createDirectories(tmp.resolve("bomb"));
        Files.write(dir.resolve("a_bomb.png"), pngHeader(40000, 40000));
        Files.copy(EXAMPLE.resolve("digits/3_3327.png"), dir.resolve("b_three.png"));
        CliRun r = CliRun.of("predict", EXAMPLE.toString(), dir.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.outLines().size(), r.out());
        assertTrue(r.out().contains("b_three.png  3 ("), r.out());
        assertTrue(r.err().contains("a_bomb.png") && r.err().contains("image-size") && r.err().contains("40000×40000"), r.err());
        assertTrue(r.err().contains("1 of 2 inputs failed"), r.err());
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
