package dev.isthmus.cli;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.safetensors.SafetensorsFile;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Hugging Face checkpoints under {@code fixtures/hf} (written by tools/make_hf_fixtures.py with torch modules that
 * follow HF's BERT / DistilBERT code and names), loaded as they are, through the Java API and through
 * {@code isthmus run}, within 1e-4 of the float64 goldens — padded positions included.
 */
class HfFixturesTest {
    static final double TOL = 1e-4;
    static final Path ROOT = Path.of("..", "fixtures", "hf");

    @TempDir
    Path tmp;

    record Case(String name, Path dir, Path model, String architecture, Map<String, Path> inputs, List<Path> outputs,
                List<String> outputNames) {
    }

    static List<Case> all() throws IOException {
        if (!Files.isDirectory(ROOT)) fail("fixtures not found at " + ROOT.toAbsolutePath());
        List<Case> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT)) {
            for (Path d : s.sorted().toList()) {
                Path c = d.resolve("case.json");
                if (!Files.isRegularFile(c)) continue;
                Map<String, Object> j = Json.parseObject(Files.readString(c));
                Map<String, Path> in = new LinkedHashMap<>();
                ((Map<?, ?>) j.get("inputs")).forEach((k, v) -> in.put((String) k, d.resolve((String) v)));
                List<Path> outs = new ArrayList<>();
                for (Object o : (List<?>) j.get("outputs")) outs.add(d.resolve((String) o));
                List<String> names = new ArrayList<>();
                for (Object o : (List<?>) j.get("output_names")) names.add((String) o);
                out.add(new Case(d.getFileName().toString(), d, d.resolve((String) j.get("model")).normalize(),
                        (String) j.get("architecture"), in, outs, names));
            }
        }
        return out;
    }

    static Case named(String name) throws IOException {
        return all().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no fixture " + name));
    }

    static Map<String, Tensor> feed(Case c) {
        Map<String, Tensor> f = new LinkedHashMap<>();
        c.inputs().forEach((k, v) -> f.put(k, Npy.read(v, null)));
        return f;
    }

    /** |actual − expected| ≤ tol · max(1, |expected|) everywhere. */
    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        if (!(worst <= TOL)) fail(what + ": element " + at + " is " + actual[at] + ", expected " + expected[at] + " (error " + worst + ")");
    }

    @Test
    void everyArchitectureHasAPaddedBatchAndBatchOne() throws Exception {
        List<Case> cases = all();
        assertTrue(cases.size() >= 9, "expected the full HF fixture set, found " + cases.size());
        Set<String> padded = new TreeSet<>(), single = new TreeSet<>();
        boolean tokenTypes = false;
        for (Case c : cases) {
            Tensor mask = Npy.read(c.inputs().get("attention_mask"), null);
            long[] m = mask.toLongArray();
            boolean hasPad = false;
            for (long v : m) hasPad |= v == 0;
            if (hasPad && mask.dim(0) > 1) padded.add(c.architecture());
            if (mask.dim(0) == 1) single.add(c.architecture());
            tokenTypes |= c.inputs().containsKey("token_type_ids");
        }
        Set<String> all = Set.of("BertModel", "BertForSequenceClassification", "DistilBertModel", "DistilBertForSequenceClassification");
        assertEquals(all, padded, "a padded batch per architecture");
        assertEquals(all, single, "a batch of one per architecture");
        assertTrue(tokenTypes, "a case with token_type_ids");
    }

    @TestFactory
    List<DynamicTest> javaApiMatchesHf() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try (Model m = ModelLoader.load(c.model())) {
                    assertEquals(c.outputNames(), m.outputNames(), "output names");
                    Map<String, Tensor> out = m.run(feed(c));
                    assertEquals(c.outputs().size(), out.size(), "number of outputs");
                    int k = 0;
                    for (Tensor actual : out.values()) {
                        Tensor expected = Npy.read(c.outputs().get(k), null);
                        assertArrayEquals(expected.shape(), actual.shape(), c.name() + " output " + k + " shape " + Shape.toString(actual.shape()));
                        assertClose(c.name() + " " + c.outputNames().get(k), expected.toFloatArray(), actual.toFloatArray());
                        k++;
                    }
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> cliRunMatchesHf() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                List<String> args = new ArrayList<>(List.of("run", c.model().toString()));
                c.inputs().forEach((k, v) -> {
                    args.add("-i");
                    args.add(k + "=" + v);
                });
                List<Path> outs = new ArrayList<>();
                for (int k = 0; k < c.outputs().size(); k++) {
                    Path o = tmp.resolve(c.name() + "_" + k + ".npy");
                    outs.add(o);
                    args.add("-o");
                    args.add(o.toString());
                }
                StringWriter out = new StringWriter(), err = new StringWriter();
                int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
                assertEquals(0, code, "exit code; stderr: " + err);
                for (int k = 0; k < outs.size(); k++) {
                    Tensor expected = Npy.read(c.outputs().get(k), null), actual = Npy.read(outs.get(k), null);
                    assertArrayEquals(expected.shape(), actual.shape(), c.name() + " output " + k + " shape");
                    assertClose(c.name() + " " + c.outputNames().get(k), expected.toFloatArray(), actual.toFloatArray());
                }
            }));
        }
        return tests;
    }

    @Test
    void id2labelBecomesTheLabels() throws Exception {
        try (Model m = ModelLoader.load(named("bert_cls_padded").model())) {
            assertEquals(List.of("negative", "neutral", "positive"), m.labels());
            assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), m.inputs().stream().map(i -> i.name()).toList());
        }
        try (Model m = ModelLoader.load(named("distilbert_cls_padded").model())) {
            assertEquals(List.of("anger", "joy", "sadness", "surprise"), m.labels());
            assertEquals(List.of("input_ids", "attention_mask"), m.inputs().stream().map(i -> i.name()).toList());
        }
        try (Model m = ModelLoader.load(named("bert_base_padded").model())) {
            assertEquals(List.of(), m.labels());
        }
    }

    @Test
    void tokenTypeIdsAreOptionalAndDefaultToZeros() throws Exception {
        Case c = named("bert_base_token_types");
        try (Model m = ModelLoader.load(c.model())) {
            Map<String, Tensor> f = feed(c);
            Tensor types = f.get("token_type_ids");
            Map<String, Tensor> zeros = new LinkedHashMap<>(f);
            zeros.put("token_type_ids", Tensor.ofLongs(new long[(int) types.numel()], types.shape()));
            Map<String, Tensor> omitted = new LinkedHashMap<>(f);
            omitted.remove("token_type_ids");
            float[] a = m.run(zeros).get("last_hidden_state").toFloatArray();
            float[] b = m.run(omitted).get("last_hidden_state").toFloatArray();
            float[] withTypes = m.run(f).get("last_hidden_state").toFloatArray();
            assertArrayEquals(a, b, "omitted token_type_ids = zeros");
            assertFalse(java.util.Arrays.equals(a, withTypes), "the fixture's token types matter");
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() throws Exception {
        for (String name : List.of("bert_cls_padded", "distilbert_base_padded")) {
            Case c = named(name);
            try (Model one = ModelLoader.load(c.model(), 1); Model three = ModelLoader.load(c.model(), 3)) {
                Tensor a = one.run(feed(c)).values().iterator().next(), b = three.run(feed(c)).values().iterator().next();
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), name + ": 1 thread vs 3 threads, bit for bit");
            }
        }
    }

    @Test
    void badInputsAreTypedErrors() throws Exception {
        Case c = named("distilbert_base_padded");
        try (Model m = ModelLoader.load(c.model())) {
            Map<String, Tensor> f = feed(c);
            Map<String, Tensor> noMask = new LinkedHashMap<>(f);
            noMask.remove("attention_mask");
            assertTrue(assertThrows(InvalidInputException.class, () -> m.run(noMask)).getMessage().contains("attention_mask"));

            Map<String, Tensor> floatIds = new LinkedHashMap<>(f);
            floatIds.put("input_ids", f.get("input_ids").toF32(null));
            assertThrows(InvalidInputException.class, () -> m.run(floatIds));

            Map<String, Tensor> maskShape = new LinkedHashMap<>(f);
            maskShape.put("attention_mask", Tensor.ofLongs(new long[]{1, 1}, 1, 2));
            assertTrue(assertThrows(InvalidInputException.class, () -> m.run(maskShape)).getMessage().contains("attention_mask"));

            Map<String, Tensor> tooLong = new LinkedHashMap<>();
            tooLong.put("input_ids", Tensor.ofLongs(new long[41], 1, 41));
            tooLong.put("attention_mask", Tensor.ofLongs(new long[41], 1, 41));
            assertTrue(assertThrows(InvalidInputException.class, () -> m.run(tooLong)).getMessage().contains("max_position_embeddings"));

            Map<String, Tensor> badId = new LinkedHashMap<>(f);
            long[] ids = f.get("input_ids").toLongArray();
            ids[4] = 97;
            badId.put("input_ids", Tensor.ofLongs(ids, f.get("input_ids").shape()));
            assertTrue(assertThrows(InvalidInputException.class, () -> m.run(badId)).getMessage().contains("97"));
        }
    }

    /** A copy of a fixture's model directory to break. */
    Path copyModel(String caseName) throws IOException {
        Path src = named(caseName).model();
        Path dst = Files.createDirectories(tmp.resolve(caseName + "_model"));
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(src.resolve(f), dst.resolve(f));
        return dst;
    }

    @Test
    void unsupportedArchitectureIsAClearError() throws Exception {
        Path dir = copyModel("bert_cls_padded");
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"BertForSequenceClassification\"", "\"BertForTokenClassification\""));
        var e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains(cfg.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("'BertForTokenClassification' is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("BertModel, BertForSequenceClassification, DistilBertModel, DistilBertForSequenceClassification"),
                e.getMessage());

        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[]{"run", dir.toString(), "-i", "input_ids=" + named("bert_cls_padded").inputs().get("input_ids")},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(1, code, "exit code; stderr: " + err);
        assertTrue(err.toString().contains("BertForTokenClassification"), err.toString());
    }

    @Test
    void missingTensorIsAClearError() throws Exception {
        Path dir = copyModel("bert_cls_padded");
        String gone = "bert.encoder.layer.1.attention.self.key.weight";
        Map<String, Tensor> kept = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(named("bert_cls_padded").model().resolve("model.safetensors"))) {
            for (String n : f.names()) if (!n.equals(gone)) kept.put(n, f.tensor(n).toF32(null));
            Files.delete(dir.resolve("model.safetensors"));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), kept, Map.of("format", "pt"));
        }
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("missing tensor '" + gone + "' of shape [30, 30]"), e.getMessage());
        assertTrue(e.problems().size() == 1, "one problem: " + e.problems());
    }

    @Test
    void unexpectedTensorIsReported() throws Exception {
        Path dir = copyModel("distilbert_cls_padded");
        Map<String, Tensor> all = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(named("distilbert_cls_padded").model().resolve("model.safetensors"))) {
            for (String n : f.names()) {
                Tensor t = f.tensor(n);
                all.put(n, t.dtype().isFloating() ? t.toF32(null) : Tensor.ofLongs(t.toLongArray(), t.shape()));
            }
        }
        all.put("vocab_projector.weight", Tensor.ofFloats(new float[83 * 28], 83, 28));
        Files.delete(dir.resolve("model.safetensors"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), all, Map.of("format", "pt"));
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("unexpected tensor 'vocab_projector.weight'"), e.getMessage());
    }
}
