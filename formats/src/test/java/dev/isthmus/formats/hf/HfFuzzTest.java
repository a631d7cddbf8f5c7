package dev.isthmus.formats.hf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.Fuzzing;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.ModelRecipe;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@link ModelLoader#load} of a Hugging Face directory, {@code config.json} beside {@code model.safetensors}: the model
 * builds and its inputs' shapes flow through it, or it is refused with an {@link IsthmusException}. The input is a
 * {@link ModelRecipe}: the config's bytes as they are, then the checkpoint's tensors. Seeds:
 * {@code HfFuzzTestInputs/load/} (tiny BERT and DistilBERT checkpoints with and without heads).
 */
class HfFuzzTest {
    static final int MAX_LEN = 1 << 16;
    private static final Path DIR = Fuzzing.tempDir("hf");

    @AfterAll
    static void clean() {
        Fuzzing.delete(DIR);
    }

    @FuzzTest(maxDuration = "8s")
    void load(byte[] data) throws Exception {
        if (data.length > MAX_LEN) return;
        ModelRecipe r = ModelRecipe.parse(data);
        Fuzzing.write(DIR.resolve(HfModels.CONFIG_FILE), r.json());
        SafetensorsWriter.write(DIR.resolve(HfModels.WEIGHTS_FILE), r.tensors(), Map.of("format", "pt"));
        Fuzzing.refusedOnlyWith(() -> {
            try (Model m = ModelLoader.load(DIR, 1)) {
                Map<String, Tensor> in = ModelRecipe.inputsFor(m, 1 << 16);
                if (in != null) m.planBytes(in);
            }
        }, IsthmusException.class);
    }
}
