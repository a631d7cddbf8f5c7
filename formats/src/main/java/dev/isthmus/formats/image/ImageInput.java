package dev.isthmus.formats.image;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.formats.RegularFiles;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An image input declared in a spec: {@code "image": {"color": "grayscale"|"rgb", "scale": s, "mean": [...],
 * "std": [...]}} on an input of shape (-1, C, H, W). Files are decoded with ImageIO (PNG, JPEG, BMP, GIF), converted
 * to the declared colour (RGB → gray with ITU-R 601 luma weights, as PIL's {@code convert("L")}; gray → RGB by
 * replication), resized to H×W with bilinear interpolation when their size differs, and normalised per channel as
 * {@code (pixel × scale − mean[c]) / std[c]} with 8-bit pixel values.
 */
public final class ImageInput {
    public enum Color { GRAYSCALE, RGB }

    private final String inputName;
    private final Color color;
    private final int channels, height, width;
    private final double scale;
    private final double[] mean, std;

    private ImageInput(String inputName, Color color, int channels, int height, int width, double scale, double[] mean, double[] std) {
        this.inputName = inputName;
        this.color = color;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.scale = scale;
        this.mean = mean;
        this.std = std;
    }

    /** True when the input declares an {@code image} object. */
    public static boolean isImage(InputSpec in) {
        return in.extras().containsKey("image");
    }

    /** The preprocessing an image input declares; a malformed declaration is a {@link ModelSpecException}. */
    public static ImageInput of(InputSpec in, String source) {
        Object o = in.extras().get("image");
        String where = "input '" + in.name() + "': image: ";
        if (!(o instanceof Map<?, ?> m)) throw new ModelSpecException(source, List.of(where + "must be an object {color, scale, mean, std}"));
        long[] s = in.shape();
        if (s.length != 4 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0) {
            throw new ModelSpecException(source, List.of(where + "the input shape must be (-1, C, H, W) with fixed C, H, W"));
        }
        Object c = m.containsKey("color") ? m.get("color") : "rgb";
        Color color;
        if ("grayscale".equals(c) || "gray".equals(c)) color = Color.GRAYSCALE;
        else if ("rgb".equals(c)) color = Color.RGB;
        else throw new ModelSpecException(source, List.of(where + "color must be \"grayscale\" or \"rgb\", got " + c));
        // compared as longs: (int) of 4294967297 channels is 1, which passed for grayscale
        if ((color == Color.GRAYSCALE) != (s[1] == 1) || (color == Color.RGB && s[1] != 3)) {
            throw new ModelSpecException(source, List.of(where + "color " + c + " needs " + (color == Color.RGB ? 3 : 1)
                    + " channels, the shape has " + s[1]));
        }
        int channels = (int) s[1];
        // every image is resized to H×W: the same bound as a decoded image's; C·H·W past an int made size() negative
        // (and predict's new float[size()] a NegativeArraySizeException)
        long pixels = s[2] > Integer.MAX_VALUE || s[3] > Integer.MAX_VALUE ? Long.MAX_VALUE : s[2] * s[3];
        if (pixels > MAX_PIXELS) {
            throw new ModelSpecException(source, List.of(where + "the input is " + s[2] + "×" + s[3] + " pixels, more than the "
                    + MAX_PIXELS + " an input image may have (-Disthmus.image.maxPixels)"));
        }
        Object sc = m.get("scale");
        if (sc != null && !(sc instanceof Number)) {
            // a string was taken as "absent" and 1/255 used without a word
            throw new ModelSpecException(source, List.of(where + "scale must be a number, got " + dev.isthmus.engine.ir.OpArgs.show(sc)));
        }
        double scale = sc instanceof Number n ? n.doubleValue() : 1.0 / 255;
        if (scale == 0) throw new ModelSpecException(source, List.of(where + "scale must not be 0 (every image would be the same input)"));
        double[] mean = perChannel(m.get("mean"), channels, 0.0, where + "mean", source);
        double[] std = perChannel(m.get("std"), channels, 1.0, where + "std", source);
        for (double d : std) if (d == 0) throw new ModelSpecException(source, List.of(where + "std must not be 0"));
        checkRange(where, scale, mean, std, source);
        return new ImageInput(in.name(), color, channels, (int) s[2], (int) s[3], scale, mean, std);
    }

    /**
     * Every 8-bit pixel must become a finite 32-bit float: a scale of 1e300 (or a NaN or infinite value given through
     * the Java API) made every input infinite or NaN, and the model then labelled them all the same.
     */
    private static void checkRange(String where, double scale, double[] mean, double[] std, String source) {
        for (int c = 0; c < mean.length; c++) {
            for (int pixel : new int[]{0, 255}) {
                double v = (pixel * scale - mean[c]) / std[c];
                if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                    throw new ModelSpecException(source, List.of(where + "scale " + scale + ", mean " + mean[c] + " and std " + std[c]
                            + (mean.length > 1 ? " (channel " + c + ")" : "") + " take pixel value " + pixel + " to " + v
                            + ", which is no finite 32-bit float"));
                }
            }
        }
    }

    private static double[] perChannel(Object v, int channels, double def, String what, String source) {
        double[] out = new double[channels];
        if (v == null) {
            java.util.Arrays.fill(out, def);
            return out;
        }
        if (v instanceof Number n) {
            java.util.Arrays.fill(out, n.doubleValue());
            return out;
        }
        if (v instanceof List<?> l && (l.size() == channels || l.size() == 1) && l.stream().allMatch(x -> x instanceof Number)) {
            for (int i = 0; i < channels; i++) out[i] = ((Number) l.get(l.size() == 1 ? 0 : i)).doubleValue();
            return out;
        }
        throw new ModelSpecException(source, List.of(what + " must be a number or a list of " + channels + " numbers, got " + v));
    }

    public String inputName() {
        return inputName;
    }

    /** (C, H, W) of one image. */
    public long[] shape() {
        return new long[]{channels, height, width};
    }

    /** Elements per image: C·H·W. */
    public int size() {
        return channels * height * width;
    }

    /**
     * Decodes and preprocesses one file into {@code out[off, off + size())}, CHW.
     *
     * @param notes receives remarks worth a --verbose line (e.g. the image was resized); may be null
     * @throws ModelFormatException naming the file when it cannot be read or decoded
     */
    public void load(Path file, float[] out, int off, Consumer<String> notes) {
        preprocess(file.toString(), decode(file), out, off, notes);
    }

    /**
     * The same from an image file's bytes (e.g. a row of a table of files, Spark's {@code binaryFile} source);
     * {@code source} names it in errors and notes.
     */
    public void load(String source, byte[] bytes, float[] out, int off, Consumer<String> notes) {
        BufferedImage img;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            img = decode(source, in, bytes.length);
        } catch (IOException e) {
            throw new ModelFormatException(source, null, "image-decode", "cannot decode image: " + why(e), e);
        }
        preprocess(source, img, out, off, notes);
    }

    private void preprocess(String source, BufferedImage img, float[] out, int off, Consumer<String> notes) {
        int w = img.getWidth(), h = img.getHeight();
        float[][] planes = toPlanes(img);
        if (w != width || h != height) {
            if (notes != null) notes.accept(source + ": resized " + w + "x" + h + " to " + width + "x" + height + " (bilinear)");
            for (int c = 0; c < planes.length; c++) planes[c] = Resize.bilinear(planes[c], h, w, height, width);
        }
        for (int c = 0; c < channels; c++) {
            float[] p = planes[c];
            double mu = mean[c], sd = std[c];
            int base = off + c * height * width;
            for (int i = 0; i < p.length; i++) out[base + i] = (float) ((p[i] * scale - mu) / sd);
        }
    }

    /**
     * The most pixels an input image may declare (25 megapixels, a 24-megapixel camera's photo;
     * {@code -Disthmus.image.maxPixels=N} overrides it). Checked from the header before any pixel is decoded: a 1.5
     * MB PNG declaring 40000 × 40000 would otherwise ask for 6 GB.
     */
    public static final long MAX_PIXELS = Long.getLong("isthmus.image.maxPixels", 25_000_000L);

    private static BufferedImage decode(Path file) {
        RegularFiles.require(file);
        if (!Files.exists(file)) throw new ModelFormatException(file.toString(), null, "image-read", "no such file");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(file.toString(), in, Files.size(file));
        } catch (IOException e) {
            throw new ModelFormatException(file.toString(), null, "image-decode", "cannot decode image: " + why(e), e);
        }
    }

    /** Decodes the image {@code in} holds ({@code size} bytes), after the checks of its header. */
    private static BufferedImage decode(String source, ImageInputStream in, long size) {
        try {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new ModelFormatException(source, null, "image-decode", "not an image ImageIO can decode (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                if ("bmp".equalsIgnoreCase(reader.getFormatName())) checkBmpEmbeddedSize(source, in, size);
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w <= 0 || h <= 0) throw new ModelFormatException(source, null, "image-decode", "image has no pixels");
                if (w * h > MAX_PIXELS) {
                    throw new ModelFormatException(source, null, "image-size", "declares " + w + "×" + h + " pixels, more than the "
                            + MAX_PIXELS + " an input image may have (-Disthmus.image.maxPixels)");
                }
                BufferedImage img = reader.read(0);
                if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
                    throw new ModelFormatException(source, null, "image-decode", "image has no pixels");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelFormatException mfe) throw mfe;
            throw new ModelFormatException(source, null, "image-decode", "cannot decode image: " + why(e), e);
        }
    }

    private static String why(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * A BMP may hold a JPEG or PNG (compression 4 or 5) whose byte count its header gives, and ImageIO's BMP reader
     * allocates that count before it reads a byte of it: a 73-byte file declaring 1.2 GB ran the JVM out of memory
     * (found by ImageFuzzTest). The count must fit in what the file holds after the header. Leaves {@code in} where it
     * was.
     */
    private static void checkBmpEmbeddedSize(String file, ImageInputStream in, long size) throws IOException {
        byte[] h = new byte[38];
        in.mark();
        int n = 0;
        try {
            for (int r; n < h.length && (r = in.read(h, n, h.length - n)) > 0; ) n += r;
        } finally {
            in.reset();
        }
        if (n < h.length) return; // too short for the fields below: the BMP reader refuses it
        long dataOffset = u32(h, 10), headerSize = u32(h, 14);
        if (headerSize == 12) return; // the OS/2 1.x header has no compression field
        long compression = u32(h, 30), embedded = u32(h, 34);
        if (compression != 4 && compression != 5) return;
        long available = size - dataOffset;
        if (embedded > available) {
            throw new ModelFormatException(file, null, "image-decode", "the BMP declares " + embedded + " bytes of embedded "
                    + (compression == 4 ? "JPEG" : "PNG") + " data, more than the " + Math.max(available, 0) + " bytes the file holds after its header");
        }
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** The image as 8-bit-scale planes in the declared colour: one plane (gray) or three (R, G, B). */
    private float[][] toPlanes(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean directGray = bands <= 2 && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
        int bits = img.getColorModel().getComponentSize(0);
        float[][] out = new float[channels][w * h];
        if (directGray) {
            // gray (+ alpha): read samples, rescaled to 8 bits when the image has 16-bit samples
            double k = bits > 8 ? 255.0 / ((1 << bits) - 1) : 1.0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) (r.getSample(x, y, 0) * k);
                    for (int c = 0; c < channels; c++) out[c][y * w + x] = v;
                }
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                int red = (argb >> 16) & 0xFF, green = (argb >> 8) & 0xFF, blue = argb & 0xFF;
                if (color == Color.GRAYSCALE) {
                    // PIL's convert("L"): L = (R·299 + G·587 + B·114) / 1000, rounded
                    out[0][y * w + x] = (red * 299 + green * 587 + blue * 114 + 500) / 1000;
                } else {
                    out[0][y * w + x] = red;
                    out[1][y * w + x] = green;
                    out[2][y * w + x] = blue;
                }
            }
        }
        return out;
    }
}
