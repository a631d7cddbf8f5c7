package dev.isthmus.formats.image;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files that {@link ImageInput} must refuse before a decoder acts on what they declare. */
class ImageInputTest {
    @TempDir
    Path dir;

    private static final ImageInput RGB = ImageInput.of(new InputSpec("image", new long[]{-1, 3, 4, 4}, DType.F32,
            Map.of("image", Map.of("color", "rgb"))), "test");

    /** A BMP with a BITMAPINFOHEADER whose pixel data is an embedded JPEG or PNG of {@code declared} bytes. */
    private static byte[] bmpEmbedding(int compression, long declared, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(54 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + data.length).putInt(0).putInt(54);
        b.putInt(40).putInt(4).putInt(4).putShort((short) 1).putShort((short) 0).putInt(compression).putInt((int) declared)
                .putInt(2835).putInt(2835).putInt(0).putInt(0);
        return b.put(data).array();
    }

    @Test
    void aBmpDeclaringMoreEmbeddedDataThanItHoldsIsRefusedBeforeTheDecoderAllocatesIt() throws Exception {
        // ImageFuzzTest's finding: 73 bytes declaring 1.24 GB of embedded JPEG; ImageIO's BMP reader allocated the
        // declared count before reading, and the JVM ran out of memory (OutOfMemoryError, not a ModelFormatException)
        Path crash = Files.write(dir.resolve("crash.bmp"), java.util.HexFormat.of().parseHex(
                "424dae00020000000000360000002800000007000000f600000001001800040000007800ff49"
                        + "00000500000001001800040000007800ffffffffffffffffffffffffffffffde000000"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> RGB.load(crash, new float[RGB.size()], 0, null));
        assertEquals("image-decode", e.rule());
        assertTrue(e.getMessage().contains("declares 1241448568 bytes of embedded JPEG data, more than the 19 bytes the file holds"),
                e.getMessage());

        for (int compression : new int[]{4, 5}) {
            Path big = Files.write(dir.resolve("big" + compression + ".bmp"), bmpEmbedding(compression, 0x7FFF_FF00L, new byte[16]));
            ModelFormatException b = assertThrows(ModelFormatException.class, () -> RGB.load(big, new float[RGB.size()], 0, null));
            assertTrue(b.getMessage().contains("declares 2147483392 bytes of embedded " + (compression == 4 ? "JPEG" : "PNG")
                    + " data, more than the 16 bytes"), b.getMessage());
        }
    }

    @Test
    void aBmpEmbeddingAPngOfTheDeclaredSizeStillReads() throws Exception {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 2, 0x336699);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        byte[] data = png.toByteArray();
        Path ok = Files.write(dir.resolve("ok.bmp"), bmpEmbedding(5, data.length, data));
        float[] out = new float[RGB.size()];
        RGB.load(ok, out, 0, null);
        assertEquals(0x33 / 255f, out[2 * 4 + 1], 1e-6f, "red of pixel (1, 2)");
        assertEquals(0x99 / 255f, out[2 * 16 + 2 * 4 + 1], 1e-6f, "blue of pixel (1, 2)");
        // and the uncompressed BMP ImageIO writes is untouched by the check
        Path plain = dir.resolve("plain.bmp");
        ImageIO.write(img, "bmp", plain.toFile());
        RGB.load(plain, out, 0, null);
        assertEquals(0x66 / 255f, out[16 + 2 * 4 + 1], 1e-6f);
    }

    @Test
    void anImageInputTooLargeForAnArrayOrWithChannelsBeyondAnIntIsAnErrorOfTheSpec() {
        // 3×30000×30000 made size() negative (predict's new float[size()] threw NegativeArraySizeException), and
        // 4294967297 channels were taken as 1, a grayscale input
        for (long[] shape : new long[][]{{-1, 3, 30000, 30000}, {-1, 1, 1L << 33, 1}, {-1, 3, 1, Long.MAX_VALUE}}) {
            ModelSpecException e = assertThrows(ModelSpecException.class, () -> ImageInput.of(new InputSpec("image", shape, DType.F32,
                    Map.of("image", Map.of("color", shape[1] == 1 ? "grayscale" : "rgb"))), "spec.json"));
            assertTrue(e.getMessage().contains("pixels, more than the " + ImageInput.MAX_PIXELS + " an input image may have"), e.getMessage());
        }
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ImageInput.of(new InputSpec("image",
                new long[]{-1, 4294967297L, 2, 2}, DType.F32, Map.of("image", Map.of("color", "grayscale"))), "spec.json"));
        assertTrue(e.getMessage().contains("color grayscale needs 1 channels, the shape has 4294967297"), e.getMessage());
        ImageInput largest = ImageInput.of(new InputSpec("image", new long[]{-1, 3, 5000, 5000}, DType.F32,
                Map.of("image", Map.of("color", "rgb"))), "spec.json");
        assertEquals(75_000_000, largest.size(), "25 megapixels of RGB still fit");
    }

    @Test
    void shortAndOs2BmpsAreLeftToTheDecoder() throws Exception {
        Path tiny = Files.write(dir.resolve("tiny.bmp"), new byte[]{'B', 'M', 1, 2, 3});
        assertEquals("image-decode", assertThrows(ModelFormatException.class, () -> RGB.load(tiny, new float[RGB.size()], 0, null)).rule());
        assertTrue(List.of(ImageIO.getReaderFormatNames()).contains("bmp"));
    }
}
