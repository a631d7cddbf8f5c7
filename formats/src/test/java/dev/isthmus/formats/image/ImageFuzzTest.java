package dev.isthmus.formats.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.Fuzzing;
import org.junit.jupiter.api.AfterAll;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImageInput#load} on any file, for an RGB and a grayscale input: the image is decoded, converted, resized and
 * normalised into finite values, or it is refused with a {@link ModelFormatException}. Seeds:
 * {@code ImageFuzzTestInputs/load/} (PNG of every colour type, JPEG, BMP and GIF, from {@code tools/make_fuzz_seeds.py}).
 *
 * <p>The fuzz execution lowers {@code isthmus.image.maxPixels} to one megapixel, so that an input declaring a large
 * image costs milliseconds rather than a second; the check is the same.
 */
class ImageFuzzTest {
    static final int MAX_LEN = 1 << 16;
    private static final Path DIR = Fuzzing.tempDir("image");
    private static final ImageInput RGB = ImageInput.of(new InputSpec("image", new long[]{-1, 3, 6, 5}, DType.F32,
            Map.of("image", Map.of("color", "rgb", "mean", List.of(0.5, 0.4, 0.3), "std", List.of(0.2, 0.25, 0.3)))), "fuzz");
    private static final ImageInput GRAY = ImageInput.of(new InputSpec("image", new long[]{-1, 1, 4, 4}, DType.F32,
            Map.of("image", Map.of("color", "grayscale"))), "fuzz");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void load(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        Path file = Fuzzing.write(DIR.resolve("input"), data);
        for (ImageInput in : List.of(RGB, GRAY)) {
            float[] out = new float[in.size() + 1];
            if (Fuzzing.refusedOnlyWith(() -> in.load(file, out, 1, null), ModelFormatException.class) != null) return;
            for (float v : out) assertTrue(Float.isFinite(v), "a pixel normalised to " + v);
        }
    }
}
