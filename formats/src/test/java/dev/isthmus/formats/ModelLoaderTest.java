package dev.isthmus.formats;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading models in each layout, and the checks of spec against weights before anything runs. */
class ModelLoaderTest {
    @TempDir
    Path tmp;

    /** y = relu(x·Wᵀ + b) with W = [[1, 2], [3, 4], [5, 6]], b = [0.5, -100, 1]. */
    static final String SPEC = """
            {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 2], "dtype": "F32"}], "labels": ["a", "b", "c"],
             "nodes": [{"op": "Linear", "name": "fc", "in_features": 2, "out_features": 3}, {"op": "ReLU"}]}""";

    static Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc.weight", Tensor.ofFloats(new float[]{1, 2, 3, 4, 5, 6}, 3, 2));
        w.put("fc.bias", Tensor.ofFloats(new float[]{0.5f, -100f, 1f}, 3));
        return w;
    }

    static void check(Model m) {
        Tensor y = m.run(Tensor.ofFloats(new float[]{1, 1, 2, -1}, 2, 2)).get("output");
        assertArrayEquals(new long[]{2, 3}, y.shape());
        assertArrayEquals(new float[]{3.5f, 0f, 12f, 0.5f, 0f, 5f}, y.toFloatArray());
        assertEquals(List.of("a", "b", "c"), m.labels());
    }

    @Test
    void selfContainedFile() {
        Path f = tmp.resolve("m.safetensors");
        SafetensorsWriter.write(f, weights(), Map.of(ModelLoader.SPEC_KEY, SPEC));
        try (Model m = ModelLoader.load(f, 1)) {
            check(m);
        }
    }

    @Test
    void directoryWithModelJson() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("dir"));
        SafetensorsWriter.write(d.resolve("model.safetensors"), weights(), Map.of());
        Files.writeString(d.resolve("model.json"), SPEC);
        try (Model m = ModelLoader.load(d, 1)) {
            check(m);
        }
        try (Model m = ModelLoader.load(d.resolve("model.json"), 1)) {
            check(m);
        }
    }

    @Test
    void weightsWithoutSpecSayWhatIsMissing() {
        Path f = tmp.resolve("plain.safetensors");
        SafetensorsWriter.write(f, weights(), Map.of());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(f, 1));
        assertEquals("no-spec", e.rule());
        assertTrue(e.getMessage().contains("isthmus.spec"), e.getMessage());
    }

    @Test
    void specJsonErrorsNameTheFile() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("bad"));
        SafetensorsWriter.write(d.resolve("model.safetensors"), weights(), Map.of());
        Files.writeString(d.resolve("model.json"), "{\"format\": \"isthmus/1\", ");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(d, 1));
        assertEquals("spec-json", e.rule());
        assertTrue(e.getMessage().contains("model.json"), e.getMessage());
    }

    @Test
    void everyProblemIsListedByName() {
        String spec = """
                {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 1, 8, 8]}],
                 "nodes": [
                   {"op": "Conv2d", "name": "conv", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "colour": "red"},
                   {"op": "Frobnicate"},
                   {"op": "Flatten"},
                   {"op": "Linear", "name": "fc", "in_features": 100, "out_features": 2},
                   {"op": "Linear", "name": "head", "in_features": 2, "out_features": 2, "input": "nowhere"}]}""";
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("conv.weight", Tensor.ofFloats(new float[4 * 9 * 2], 4, 2, 3, 3)); // wrong shape: in_channels is 1
        w.put("fc.weight", Tensor.ofFloats(new float[200], 2, 100));           // fc.bias missing
        w.put("head.weight", Tensor.ofFloats(new float[4], 2, 2));
        w.put("head.bias", Tensor.ofFloats(new float[2], 2));
        w.put("stray.weight", Tensor.ofFloats(new float[1], 1));                 // unexpected
        Path f = tmp.resolve("broken.safetensors");
        SafetensorsWriter.write(f, w, Map.of(ModelLoader.SPEC_KEY, spec));
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(f, 1));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("node 0 'conv' (Conv2d): unknown argument colour"), all);
        assertTrue(all.contains("tensor 'conv.weight' has shape [4, 2, 3, 3], the arguments need [4, 1, 3, 3]"), all);
        assertTrue(all.contains("missing tensor 'conv.bias'"), all);
        assertTrue(all.contains("node 1 (Frobnicate): unknown op 'Frobnicate'"), all);
        assertTrue(all.contains("missing tensor 'fc.bias'"), all);
        assertTrue(all.contains("node 4 'head' (Linear): input 'nowhere' is not defined"), all);
        assertTrue(all.contains("unexpected tensor 'stray.weight'"), all);
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    @Test
    void shapesThatCannotFlowAreFoundAtLoad() {
        String spec = """
                {"format": "isthmus/1", "inputs": [{"name": "x", "shape": [-1, 3, 8, 8]}],
                 "nodes": [{"op": "Flatten"}, {"op": "Linear", "name": "fc", "in_features": 100, "out_features": 2}]}""";
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc.weight", Tensor.ofFloats(new float[200], 2, 100));
        w.put("fc.bias", Tensor.ofFloats(new float[2], 2));
        Path f = tmp.resolve("flow.safetensors");
        SafetensorsWriter.write(f, w, Map.of(ModelLoader.SPEC_KEY, spec));
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(f, 1));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("node 1 'fc' (Linear): input 'node0' F32[?, 192]: expects in_features (the last dimension) = 100"),
                e.getMessage());
    }

    @Test
    void badInputsAreTypedErrors() {
        Path f = tmp.resolve("m.safetensors");
        SafetensorsWriter.write(f, weights(), Map.of(ModelLoader.SPEC_KEY, SPEC));
        try (Model m = ModelLoader.load(f, 1)) {
            InvalidInputException shape = assertThrows(InvalidInputException.class, () -> m.run(Tensor.ofFloats(new float[3], 1, 3)));
            assertTrue(shape.getMessage().contains("input 'x' has shape [1, 3], the model needs [?, 2]"), shape.getMessage());
            assertThrows(InvalidInputException.class, () -> m.run(Tensor.ofLongs(new long[2], 1, 2)));
            assertThrows(InvalidInputException.class, () -> m.run(Map.of("y", Tensor.ofFloats(new float[2], 1, 2))));
            assertThrows(InvalidInputException.class, () -> m.run(Map.of()));
        }
    }

    @Test
    void closedModelsAndTheirTensorsFailCleanly() {
        Path f = tmp.resolve("m.safetensors");
        SafetensorsWriter.write(f, weights(), Map.of(ModelLoader.SPEC_KEY, SPEC));
        Model m = ModelLoader.load(f, 1);
        m.close();
        assertThrows(IllegalStateException.class, () -> m.run(Tensor.ofFloats(new float[2], 1, 2)));
        var file = ModelLoader.openWeights(f);
        Tensor w = file.tensor("fc.weight");
        file.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, w::toFloatArray);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
