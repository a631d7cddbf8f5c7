package dev.isthmus.formats.spec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.Fuzzing;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.ModelRecipe;
import dev.isthmus.formats.image.ImageInput;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ModelLoader#load} of a self-contained model, a safetensors file whose metadata holds an {@code isthmus/1} or
 * {@code isthmus/2} spec: the model builds, and the declared input shapes flow through its graph
 * ({@link Model#planBytes}) and an input's {@code image} declaration is read ({@link ImageInput#of}); or it is refused with an {@link IsthmusException} (a {@code ModelFormatException},
 * {@code ModelSpecException} or {@code InvalidInputException}). The input is a {@link ModelRecipe}: the spec, then the
 * weights' names, dtypes and shapes. Seeds: {@code SpecFuzzTestInputs/load/} (the op and graph fixtures' specs).
 */
class SpecFuzzTest {
    static final int MAX_LEN = 1 << 16;
    private static final Path DIR = Fuzzing.tempDir("spec");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void load(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        ModelRecipe r = ModelRecipe.parse(data);
        Path file = DIR.resolve("model.safetensors");
        SafetensorsWriter.write(file, r.tensors(), Map.of(ModelLoader.SPEC_KEY, new String(r.json(), StandardCharsets.UTF_8)));
        Fuzzing.refusedOnlyWith(() -> {
            try (Model m = ModelLoader.load(file, 1)) {
                Map<String, Tensor> in = ModelRecipe.inputsFor(m, 1 << 16);
                if (in != null) m.planBytes(in);
                for (InputSpec input : m.inputs()) {
                    if (ImageInput.isImage(input)) {
                        ImageInput image = ImageInput.of(input, m.source());
                        assertEquals(Shape.numel(image.shape()), image.size(), "an image's size is C·H·W");
                    }
                }
            }
        }, IsthmusException.class);
    }
}
