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
        assertTrue(cases.size() >= 41, "expected the full HF fixture set, found " + cases.size());
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
        Set<String> all = new TreeSet<>(dev.isthmus.formats.hf.HfModels.ARCHITECTURES);
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
        try (Model m = ModelLoader.load(named("bert_tok_padded").model())) {
            assertEquals(List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), m.labels(), "token classes from id2label");
        }
        try (Model m = ModelLoader.load(named("roberta_cls_padded").model())) {
            assertEquals(List.of("negative", "positive"), m.labels());
            assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), m.inputs().stream().map(i -> i.name()).toList());
        }
        for (String mlm : List.of("bert_mlm_padded", "roberta_mlm_padded", "electra_disc_padded")) {
            try (Model m = ModelLoader.load(named(mlm).model())) {
                assertEquals(List.of(), m.labels(), mlm + ": scores, not labelled classes");
                assertEquals(List.of("logits"), m.outputNames(), mlm);
            }
        }
    }

    /** RoBERTa numbers positions from pad_token_id + 1: max_position_embeddings 22 leaves room for 20 tokens, not 22. */
    @Test
    void robertaTakesAsManyTokensAsItHasPositionsAfterThePaddingIndex() throws Exception {
        Case c = named("roberta_base_b1");
        try (Model m = ModelLoader.load(c.model())) {
            Map<String, Tensor> f = feed(c);
            assertEquals(20, f.get("input_ids").dim(1), "the fixture is as long as it can be");
            Map<String, Tensor> tooLong = new LinkedHashMap<>();
            long[] ids = new long[21];
            java.util.Arrays.fill(ids, 5);
            tooLong.put("input_ids", Tensor.ofLongs(ids, 1, 21));
            tooLong.put("attention_mask", Tensor.ofLongs(new long[21], 1, 21));
            var e = assertThrows(InvalidInputException.class, () -> m.run(tooLong));
            assertTrue(e.getMessage().contains("pad_token_id"), e.getMessage());
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
        for (String name : List.of("bert_cls_padded", "distilbert_base_padded", "roberta_mlm_padded", "electra_disc_padded")) {
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
        Files.writeString(cfg, Files.readString(cfg).replace("\"BertForSequenceClassification\"", "\"BertForQuestionAnswering\""));
        var e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains(cfg.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("'BertForQuestionAnswering' is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("BertModel, BertForSequenceClassification, BertForTokenClassification, BertForMaskedLM, "
                + "DistilBertModel"), e.getMessage());
        assertTrue(e.getMessage().contains("ElectraForPreTraining"), e.getMessage());

        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[]{"run", dir.toString(), "-i", "input_ids=" + named("bert_cls_padded").inputs().get("input_ids")},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(1, code, "exit code; stderr: " + err);
        assertTrue(err.toString().contains("BertForQuestionAnswering"), err.toString());
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
    /** Rewrites a copy of a fixture's weights: {@code edit} gets every tensor by name and may remove, replace or add. */
    Path editedModel(String caseName, java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        Path dir = copyModel(caseName);
        Map<String, Tensor> all = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(named(caseName).model().resolve("model.safetensors"))) {
            for (String n : f.names()) {
                Tensor t = f.tensor(n);
                all.put(n, t.dtype().isFloating() ? t.toF32(null) : Tensor.ofLongs(t.toLongArray(), t.shape()));
            }
        }
        edit.accept(all);
        Files.delete(dir.resolve("model.safetensors"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), all, Map.of("format", "pt"));
        return dir;
    }

    @Test
    void aRobertaMismatchNamesEveryMissingUnexpectedAndMisShapedTensor() throws Exception {
        Path dir = editedModel("roberta_mlm_padded", all -> {
            all.remove("roberta.encoder.layer.1.attention.self.key.weight");
            all.remove("lm_head.bias");
            all.put("lm_head.dense.weight", Tensor.ofFloats(new float[24 * 23], 24, 23));
            all.put("roberta.embeddings.position_embeddings.weight", Tensor.ofFloats(new float[19 * 24], 19, 24));
            all.put("lm_head.extra.weight", Tensor.ofFloats(new float[4], 4));
        });
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains("missing tensor 'roberta.encoder.layer.1.attention.self.key.weight' of shape [24, 24]"), m);
        assertTrue(m.contains("no tensor 'lm_head.bias'"), m);
        assertTrue(m.contains("tensor 'lm_head.dense.weight' has shape [24, 23], the arguments need [24, 24]"), m);
        assertTrue(m.contains("tensor 'roberta.embeddings.position_embeddings.weight' has shape [19, 24], the arguments need [20, 24]"), m);
        assertTrue(m.contains("unexpected tensor 'lm_head.extra.weight'"), m);
        assertTrue(m.contains(dir.resolve("model.safetensors").toString()), "names the file: " + m);
    }

    @Test
    void anElectraMismatchNamesTheProjectionAndTheHead() throws Exception {
        Path dir = editedModel("electra_disc_padded", all -> {
            all.remove("electra.embeddings_project.weight");
            all.put("discriminator_predictions.dense_prediction.weight", Tensor.ofFloats(new float[2 * 24], 2, 24));
        });
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains("missing tensor 'electra.embeddings_project.weight' of shape [24, 16]"), m);
        assertTrue(m.contains("tensor 'discriminator_predictions.dense_prediction.weight' has shape [2, 24], the arguments need [1, 24]"), m);
        assertEquals(2, e.problems().size(), "two problems: " + e.problems());
    }

    /**
     * The pooler and the next-sentence head that bert-base-uncased publishes beside its masked-LM weights are left
     * unused as transformers leaves them; the same tensors in a checkpoint whose config says BertModel are unexpected.
     */
    @Test
    void aMaskedLmCheckpointsPretrainingLeftoversAreUnusedOnlyThere() throws Exception {
        Path dir = copyModel("bert_mlm_padded");
        try (Model m = ModelLoader.load(dir)) {
            assertEquals(List.of("logits"), m.outputNames());
        }
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"BertForMaskedLM\"", "\"BertModel\""));
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("unexpected tensor 'cls.seq_relationship.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected tensor 'cls.predictions.transform.dense.weight'"), e.getMessage());
    }
    /** A tensor of ALBERT's shared layer is used by every pass through it, and reported once. */
    @Test
    void aMissingSharedAlbertTensorIsReportedOnce() throws Exception {
        String shared = "albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight";
        Path dir = editedModel("albert_mlm_padded", all -> {
            all.remove(shared);
            all.put("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.bias", Tensor.ofFloats(new float[3], 3));
        });
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        assertEquals(2, e.problems().size(), "once each, though the layer runs 4 times: " + e.problems());
        assertTrue(e.getMessage().contains("missing tensor '" + shared + "' of shape [32, 20]"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.bias' has shape [3], "
                + "the arguments need [20]"), e.getMessage());
    }
    /** MobileBERT's NoNorm weights are values, not module parameters: one of the wrong size is still named. */
    @Test
    void aMisShapedMobileBertNoNormIsNamed() throws Exception {
        String w = "mobilebert.encoder.layer.1.attention.output.LayerNorm.weight";
        Path dir = editedModel("mobilebert_base_padded", all -> all.put(w, Tensor.ofFloats(new float[]{1f}, 1)));
        var e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("'" + w + "'"), e.getMessage());
        assertEquals(1, e.problems().size(), e.problems().toString());
    }
}
