package dev.isthmus.formats.hf;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The isthmus/1 specs derived from Hugging Face configs (what Model.build then runs; see HfFixturesTest in cli). */
class HfModelsTest {
    @TempDir
    Path tmp;

    static HfConfig config(String json) {
        return new HfConfig(Json.parseObject(json), "test/config.json");
    }

    static final String BERT_CLS = """
            {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_size": 30,
             "num_attention_heads": 5, "num_hidden_layers": 3, "intermediate_size": 44, "hidden_act": "gelu",
             "layer_norm_eps": 1e-7, "max_position_embeddings": 24, "type_vocab_size": 3, "vocab_size": 89,
             "pad_token_id": 0, "position_embedding_type": "absolute", "classifier_dropout": null,
             "id2label": {"2": "positive", "0": "negative", "1": "neutral"}}""";

    static final String DISTIL_BASE = """
            {"architectures": ["DistilBertModel"], "model_type": "distilbert", "dim": 36, "n_heads": 3, "n_layers": 2,
             "hidden_dim": 50, "activation": "gelu", "max_position_embeddings": 40, "vocab_size": 97}""";

    static List<String> ops(ModelSpec s) {
        return s.nodes().stream().map(NodeSpec::op).toList();
    }

    static List<String> names(ModelSpec s) {
        return s.nodes().stream().map(n -> String.valueOf(n.name())).toList();
    }

    /** The module nodes' state-dict prefixes (their tensors' names), in order. */
    static List<String> modules(ModelSpec s) {
        return s.nodes().stream().filter(n -> Character.isUpperCase(n.op().charAt(0))).map(NodeSpec::name).toList();
    }

    static long count(ModelSpec s, String op) {
        return s.nodes().stream().filter(n -> n.op().equals(op)).count();
    }

    @Test
    void bertForSequenceClassification() {
        ModelSpec s = HfModels.spec(config(BERT_CLS), Set.of());
        assertEquals("isthmus/2", s.format());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), s.inputs().stream().map(InputSpec::name).toList());
        assertEquals(Boolean.TRUE, s.inputs().get(2).extras().get(HfModels.OPTIONAL));
        assertEquals(Map.of("zeros_like", "input_ids"), s.inputs().get(2).extras().get("default"), "token types default to zeros");
        assertFalse(s.inputs().get(1).extras().containsKey(HfModels.OPTIONAL));
        List<String> m = modules(s);
        assertEquals(List.of("bert.embeddings.word_embeddings", "bert.embeddings.token_type_embeddings", "bert.embeddings.LayerNorm"),
                m.subList(0, 3));
        assertEquals(List.of("bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.attention.self.key",
                "bert.encoder.layer.0.attention.self.value", "bert.encoder.layer.0.attention.output.dense",
                "bert.encoder.layer.0.attention.output.LayerNorm", "bert.encoder.layer.0.intermediate.dense",
                "bert.encoder.layer.0.output.dense", "bert.encoder.layer.0.output.LayerNorm"), m.subList(3, 11));
        assertEquals(List.of("bert.pooler.dense", "classifier"), m.subList(m.size() - 2, m.size()));
        assertEquals(3 + 3 * 8 + 2, m.size(), "three layers of eight modules");
        assertEquals(3, count(s, "scaled_dot_product_attention"));
        NodeSpec attention = s.nodes().stream().filter(n -> n.op().equals("scaled_dot_product_attention")).findFirst().orElseThrow();
        assertEquals(5, attention.args().get("num_heads"));
        NodeSpec norm = s.nodes().stream().filter(n -> "bert.encoder.layer.1.output.LayerNorm".equals(n.name())).findFirst().orElseThrow();
        assertEquals(1e-7, ((Number) norm.args().get("eps")).doubleValue());
        assertEquals(List.of("logits"), s.outputs());
        assertEquals(List.of("negative", "neutral", "positive"), s.labels(), "id2label ordered by id");
        NodeSpec cls = s.nodes().get(s.nodes().size() - 1);
        assertEquals(3, cls.args().get("out_features"));
        NodeSpec types = s.nodes().stream().filter(n -> "bert.embeddings.token_type_embeddings".equals(n.name())).findFirst().orElseThrow();
        assertEquals(List.of("token_type_ids"), types.inputs());
        assertEquals(3, types.args().get("num_embeddings"));
    }

    @Test
    void bertModelPrefixAndPooler() {
        String json = BERT_CLS.replace("BertForSequenceClassification", "BertModel");
        ModelSpec plain = HfModels.spec(config(json), Set.of("embeddings.word_embeddings.weight", "pooler.dense.weight"));
        assertEquals("embeddings.word_embeddings", modules(plain).get(0));
        assertEquals(List.of("last_hidden_state", "pooler_output"), plain.outputs());
        assertEquals(List.of(), plain.labels(), "a base model has no labels");
        ModelSpec prefixed = HfModels.spec(config(json), Set.of("bert.embeddings.word_embeddings.weight"));
        assertEquals("bert.embeddings.word_embeddings", modules(prefixed).get(0));
        assertTrue(modules(prefixed).contains("bert.encoder.layer.2.output.LayerNorm"));
        assertEquals(List.of("last_hidden_state"), prefixed.outputs(), "no pooler in the checkpoint: no pooler_output");
        assertFalse(modules(prefixed).contains("bert.pooler.dense"));
    }

    @Test
    void distilBert() {
        ModelSpec base = HfModels.spec(config(DISTIL_BASE), Set.of("embeddings.word_embeddings.weight"));
        assertEquals(List.of("input_ids", "attention_mask"), base.inputs().stream().map(InputSpec::name).toList());
        List<String> m = modules(base);
        assertEquals(List.of("embeddings.word_embeddings", "embeddings.LayerNorm", "transformer.layer.0.attention.q_lin",
                "transformer.layer.0.attention.k_lin", "transformer.layer.0.attention.v_lin", "transformer.layer.0.attention.out_lin",
                "transformer.layer.0.sa_layer_norm", "transformer.layer.0.ffn.lin1", "transformer.layer.0.ffn.lin2",
                "transformer.layer.0.output_layer_norm"), m.subList(0, 10));
        assertEquals(2 + 2 * 8, m.size());
        assertEquals(List.of("last_hidden_state"), base.outputs());

        String cls = DISTIL_BASE.replace("DistilBertModel", "DistilBertForSequenceClassification")
                .replace("\"vocab_size\": 97", "\"vocab_size\": 97, \"id2label\": {\"0\": \"no\", \"1\": \"yes\"}");
        ModelSpec s = HfModels.spec(config(cls), Set.of());
        List<String> ms = modules(s);
        assertEquals("distilbert.embeddings.word_embeddings", ms.get(0));
        assertEquals(List.of("pre_classifier", "classifier"), ms.subList(ms.size() - 2, ms.size()));
        List<String> tail = s.nodes().subList(s.nodes().size() - 4, s.nodes().size()).stream().map(NodeSpec::op).toList();
        assertEquals(List.of("getitem", "Linear", "relu", "Linear"), tail);
        assertEquals(List.of("logits"), s.outputs());
        assertEquals(List.of("no", "yes"), s.labels());
    }

    @Test
    void labelsDefaultAsHf() {
        String json = BERT_CLS.replaceAll("\"id2label\": \\{[^}]*}", "\"num_labels\": 3");
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2"), HfModels.spec(config(json), Set.of()).labels());
        json = BERT_CLS.replaceAll(",\\s*\"id2label\": \\{[^}]*}", "");
        assertEquals(List.of("LABEL_0", "LABEL_1"), HfModels.spec(config(json), Set.of()).labels());
    }

    @Test
    void architectureFromModelTypeWhenAbsent() {
        String json = DISTIL_BASE.replace("\"architectures\": [\"DistilBertModel\"], ", "");
        assertEquals("DistilBertModel", HfModels.architecture(config(json)));
    }

    @Test
    void unsupportedArchitectureNamesFileAndClass() {
        var e = assertThrows(ModelFormatException.class,
                () -> HfModels.spec(config(BERT_CLS.replace("BertForSequenceClassification", "BertForQuestionAnswering")), Set.of()));
        assertTrue(e.getMessage().contains("test/config.json"), e.getMessage());
        assertTrue(e.getMessage().contains("'BertForQuestionAnswering' is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains(String.join(", ", HfModels.ARCHITECTURES)), "lists what is supported: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains("DistilBertForSequenceClassification"), "lists what is supported: " + e.getMessage());
        assertEquals("hf-architecture", e.rule());
        assertEquals("test/config.json", e.file());
    }

    @Test
    void badConfigs() {
        assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"model_type\": \"bert\"",
                "\"model_type\": \"distilbert\"")), Set.of()), "model_type contradicts the architecture");
        var gpt2 = assertThrows(ModelFormatException.class, () -> HfModels.spec(config("{\"model_type\": \"gpt2\"}"), Set.of()));
        assertTrue(gpt2.getMessage().contains("model_type 'gpt2' is not one of bert, distilbert, roberta, xlm-roberta, electra, albert, mobilebert"),
                gpt2.getMessage());
        var gap = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"2\": \"positive\"",
                "\"3\": \"positive\"")), Set.of()));
        assertTrue(gap.getMessage().contains("id2label"), gap.getMessage());
        var dec = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"vocab_size\": 89",
                "\"vocab_size\": 89, \"is_decoder\": true")), Set.of()));
        assertTrue(dec.getMessage().contains("decoder"), dec.getMessage());
        var rel = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"absolute\"",
                "\"relative_key\"")), Set.of()));
        assertTrue(rel.getMessage().contains("relative_key"), rel.getMessage());
        var type = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"hidden_size\": 30",
                "\"hidden_size\": \"30\"")), Set.of()));
        assertTrue(type.getMessage().contains("hidden_size"), type.getMessage());
    }

    @Test
    void locateFindsTheConfigOfACheckpointDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ckpt"));
        Files.writeString(dir.resolve("config.json"), BERT_CLS);
        Files.write(dir.resolve("model.safetensors"), new byte[0]);
        assertTrue(HfModels.isCheckpoint(dir));
        ModelLoader.Location loc = ModelLoader.locate(dir);
        assertEquals(dir.resolve("config.json"), loc.specFile());
        assertEquals(dir.resolve("model.safetensors"), loc.weights());
        assertEquals(loc, ModelLoader.locate(dir.resolve("config.json")));
        Files.writeString(dir.resolve("model.json"), "{}");
        assertEquals(dir.resolve("model.json"), ModelLoader.locate(dir).specFile(), "an isthmus/1 spec beside it wins");
        assertNull(ModelLoader.locate(dir.resolve("model.safetensors")).specFile());
    }

    @Test
    void readsTheFixtureConfigs() throws Exception {
        Path root = Path.of("..", "fixtures", "hf");
        int n = 0;
        try (var s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                Path cfg = d.resolve("model").resolve("config.json");
                if (!Files.isRegularFile(cfg)) continue;
                ModelSpec spec = HfModels.spec(cfg, Set.of());
                Map<String, Object> raw = Json.parseObject(Files.readString(cfg));
                assertEquals(((List<?>) raw.get("architectures")).get(0), spec.extras().get("architecture"));
                n++;
            }
        }
        assertTrue(n >= HfModels.ARCHITECTURES.size(), "expected a model per architecture under " + root.toAbsolutePath() + ", found " + n);
    }
    static final String ROBERTA = """
            {"architectures": ["RobertaForSequenceClassification"], "model_type": "roberta", "hidden_size": 20,
             "num_attention_heads": 5, "num_hidden_layers": 2, "intermediate_size": 36, "hidden_act": "gelu",
             "layer_norm_eps": 1e-5, "max_position_embeddings": 18, "type_vocab_size": 1, "vocab_size": 59,
             "pad_token_id": 1, "id2label": {"0": "negative", "1": "positive"}}""";

    static final String ELECTRA = """
            {"architectures": ["ElectraForPreTraining"], "model_type": "electra", "embedding_size": 16, "hidden_size": 24,
             "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 40, "hidden_act": "gelu",
             "max_position_embeddings": 20, "type_vocab_size": 2, "vocab_size": 59}""";

    static NodeSpec node(ModelSpec s, String name) {
        return s.nodes().stream().filter(n -> name.equals(n.name())).findFirst().orElseThrow(() -> new AssertionError("no node " + name));
    }

    static NodeSpec producer(ModelSpec s, String value) {
        return s.nodes().stream().filter(n -> n.outputs().contains(value)).findFirst().orElseThrow(() -> new AssertionError("no value " + value));
    }

    @Test
    void everyArchitectureIsAFamilyAndAHead() {
        assertEquals(28, HfModels.ARCHITECTURES.size());
        for (String family : List.of("Bert", "DistilBert", "Roberta", "XLMRoberta", "Albert", "MobileBert")) {
            for (String head : List.of("Model", "ForSequenceClassification", "ForTokenClassification", "ForMaskedLM")) {
                assertTrue(HfModels.ARCHITECTURES.contains(family + head), family + head);
            }
        }
        for (String head : List.of("Model", "ForSequenceClassification", "ForTokenClassification", "ForPreTraining")) {
            assertTrue(HfModels.ARCHITECTURES.contains("Electra" + head), "Electra" + head);
        }
        assertFalse(HfModels.ARCHITECTURES.contains("ElectraForMaskedLM"), "the generator is not lowered");
    }

    @Test
    void robertaNumbersPositionsFromThePaddingIndex() {
        ModelSpec s = HfModels.spec(config(ROBERTA), Set.of());
        NodeSpec pos = node(s, "roberta.embeddings.position_embeddings");
        assertEquals("Embedding", pos.op());
        assertEquals(18, pos.args().get("num_embeddings"));
        // position ids: (cumsum(input_ids != pad) * mask) + pad, as create_position_ids_from_input_ids
        NodeSpec add = producer(s, pos.inputs().get(0));
        assertEquals("add", add.op());
        assertEquals(1, ((Number) add.args().get("other")).intValue());
        NodeSpec mul = producer(s, add.inputs().get(0));
        assertEquals("mul", mul.op());
        NodeSpec cumsum = producer(s, mul.inputs().get(0));
        assertEquals("cumsum", cumsum.op());
        assertEquals(1, cumsum.args().get("dim"));
        NodeSpec toInt = producer(s, cumsum.inputs().get(0));
        assertEquals("int", toInt.op());
        assertEquals(toInt.outputs().get(0), mul.inputs().get(1), "the count is masked by the same mask");
        NodeSpec ne = producer(s, toInt.inputs().get(0));
        assertEquals("ne", ne.op());
        assertEquals(List.of("input_ids"), ne.inputs());
        assertEquals(1, ((Number) ne.args().get("other")).intValue());
        assertEquals(0, count(s, "get_attr"), "no slice of the position table");
        for (InputSpec in : s.inputs()) {
            assertEquals(List.of(-1, 16), in.extras().get(InputSpec.MAX_SHAPE), in.name() + ": 18 positions − pad 1 − 1");
            assertTrue(String.valueOf(in.extras().get(InputSpec.MAX_REASON)).contains("pad_token_id"), in.name());
        }
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), s.inputs().stream().map(InputSpec::name).toList());
        assertEquals(1, node(s, "roberta.embeddings.token_type_embeddings").args().get("num_embeddings"));
        // the head on <s>: dense -> tanh -> out_proj, no pooler
        List<String> tail = s.nodes().subList(s.nodes().size() - 4, s.nodes().size()).stream().map(NodeSpec::op).toList();
        assertEquals(List.of("getitem", "Linear", "tanh", "Linear"), tail);
        List<String> m = modules(s);
        assertEquals(List.of("classifier.dense", "classifier.out_proj"), m.subList(m.size() - 2, m.size()));
        assertFalse(m.contains("roberta.pooler.dense"));
        assertEquals(List.of("negative", "positive"), s.labels());

        String xlmr = ROBERTA.replace("\"RobertaForSequenceClassification\"", "\"XLMRobertaForSequenceClassification\"")
                .replace("\"roberta\"", "\"xlm-roberta\"");
        assertEquals(modules(s), modules(HfModels.spec(config(xlmr), Set.of())), "XLM-RoBERTa: the same modules under roberta.");
        var wrongType = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(ROBERTA.replace("\"RobertaFor", "\"XLMRobertaFor")), Set.of()));
        assertTrue(wrongType.getMessage().contains("model_type 'roberta'"), wrongType.getMessage());
        var noRoom = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(ROBERTA.replace("\"pad_token_id\": 1", "\"pad_token_id\": 17")), Set.of()));
        assertTrue(noRoom.getMessage().contains("pad_token_id 17"), noRoom.getMessage());
    }

    @Test
    void robertaBaseKeepsThePoolerItsFileHas() {
        String json = ROBERTA.replace("RobertaForSequenceClassification", "RobertaModel");
        ModelSpec with = HfModels.spec(config(json), Set.of("embeddings.word_embeddings.weight", "pooler.dense.weight"));
        assertEquals(List.of("last_hidden_state", "pooler_output"), with.outputs());
        assertEquals("embeddings.word_embeddings", modules(with).get(0));
        ModelSpec without = HfModels.spec(config(json), Set.of("roberta.embeddings.word_embeddings.weight"));
        assertEquals(List.of("last_hidden_state"), without.outputs());
        assertEquals("roberta.embeddings.word_embeddings", modules(without).get(0));
        String plain = "{\"model_type\": \"xlm-roberta\", \"hidden_size\": 16, \"num_attention_heads\": 2, \"num_hidden_layers\": 1}";
        assertEquals("XLMRobertaModel", HfModels.architecture(config(plain)), "model_type alone: the base model");
    }

    @Test
    void electraProjectsItsEmbeddingsAndScoresEveryToken() {
        ModelSpec s = HfModels.spec(config(ELECTRA), Set.of());
        NodeSpec project = node(s, "electra.embeddings_project");
        assertEquals(16, project.args().get("in_features"));
        assertEquals(24, project.args().get("out_features"));
        assertEquals(16, node(s, "electra.embeddings.word_embeddings").args().get("embedding_dim"));
        assertEquals(16, node(s, "electra.embeddings.token_type_embeddings").args().get("embedding_dim"));
        assertEquals(List.of(16), node(s, "electra.embeddings.LayerNorm").args().get("normalized_shape"), "embedding_size wide");
        List<String> tail = s.nodes().subList(s.nodes().size() - 4, s.nodes().size()).stream().map(NodeSpec::op).toList();
        assertEquals(List.of("Linear", "gelu", "Linear", "squeeze"), tail, "dense -> hidden_act -> dense_prediction, squeezed");
        NodeSpec squeeze = s.nodes().get(s.nodes().size() - 1);
        assertEquals(-1, squeeze.args().get("dim"));
        assertEquals(List.of("logits"), s.outputs());
        assertEquals(List.of(), s.labels());
        assertEquals(1, node(s, "discriminator_predictions.dense_prediction").args().get("out_features"));

        ModelSpec same = HfModels.spec(config(ELECTRA.replace("\"embedding_size\": 16", "\"embedding_size\": 24")), Set.of());
        assertFalse(modules(same).contains("electra.embeddings_project"), "no projection when the widths agree");

        String cls = ELECTRA.replace("ElectraForPreTraining", "ElectraForSequenceClassification").replace("\"gelu\"", "\"relu\"");
        ModelSpec c = HfModels.spec(config(cls), Set.of());
        List<String> ctail = c.nodes().subList(c.nodes().size() - 4, c.nodes().size()).stream().map(NodeSpec::op).toList();
        assertEquals(List.of("getitem", "Linear", "gelu", "Linear"), ctail, "the classification head's GELU whatever hidden_act says");
        assertTrue(ops(c).contains("relu"), "hidden_act in the layers");
        ModelSpec base = HfModels.spec(config(ELECTRA.replace("ElectraForPreTraining", "ElectraModel")), Set.of("electra.pooler.dense.weight"));
        assertEquals(List.of("last_hidden_state"), base.outputs(), "ELECTRA has no pooler");
    }

    @Test
    void tokenClassifiersScoreEveryToken() {
        for (String arch : List.of("BertForTokenClassification", "RobertaForTokenClassification", "ElectraForTokenClassification",
                "DistilBertForTokenClassification")) {
            String json = arch.startsWith("Bert") ? BERT_CLS.replace("BertForSequenceClassification", arch)
                    : arch.startsWith("Roberta") ? ROBERTA.replace("RobertaForSequenceClassification", arch)
                    : arch.startsWith("Electra") ? ELECTRA.replace("ElectraForPreTraining", arch).replace("\"vocab_size\": 59",
                    "\"vocab_size\": 59, \"id2label\": {\"0\": \"O\", \"1\": \"B\", \"2\": \"I\"}")
                    : DISTIL_BASE.replace("DistilBertModel", arch);
            ModelSpec s = HfModels.spec(config(json), Set.of());
            NodeSpec last = s.nodes().get(s.nodes().size() - 1);
            assertEquals("classifier", last.name(), arch);
            assertEquals("last_hidden_state", last.inputs().get(0), arch + ": on every token's hidden state");
            assertEquals(s.labels().size(), last.args().get("out_features"), arch);
            assertEquals(List.of("logits"), s.outputs(), arch);
            assertFalse(modules(s).stream().anyMatch(n -> n.contains("pooler")), arch + ": no pooler");
        }
    }

    @Test
    void maskedLmDecodersTieToTheWordEmbeddingsWhenTheFileHasNoneOfTheirOwn() {
        String bert = BERT_CLS.replace("BertForSequenceClassification", "BertForMaskedLM");
        ModelSpec tied = HfModels.spec(config(bert), Set.of("cls.predictions.bias"));
        List<NodeSpec> n = tied.nodes();
        NodeSpec linear = n.get(n.size() - 1);
        assertEquals("linear", linear.op());
        assertEquals("bert.embeddings.word_embeddings.weight", producer(tied, linear.inputs().get(1)).name(), "the table itself");
        assertEquals("get_attr", producer(tied, linear.inputs().get(1)).op());
        assertEquals("cls.predictions.bias", producer(tied, linear.inputs().get(2)).name());
        assertEquals(List.of("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm"),
                modules(tied).subList(modules(tied).size() - 2, modules(tied).size()));
        assertTrue(ops(tied).subList(ops(tied).size() - 7, ops(tied).size()).contains("gelu"), "hidden_act between dense and LayerNorm");
        assertEquals(List.of("logits"), tied.outputs());
        assertEquals(List.of(), tied.labels(), "a vocabulary, not labels");
        assertFalse(modules(tied).contains("bert.pooler.dense"));

        ModelSpec own = HfModels.spec(config(bert), Set.of("cls.predictions.decoder.weight", "cls.predictions.bias"));
        NodeSpec dec = node(own, "cls.predictions.decoder");
        assertEquals("Linear", dec.op());
        assertEquals(89, dec.args().get("out_features"));
        assertEquals(false, dec.args().get("bias"));
        assertEquals("add", own.nodes().get(own.nodes().size() - 1).op(), "cls.predictions.bias added");

        var untied = config(bert.replace("\"vocab_size\": 89", "\"vocab_size\": 89, \"tie_word_embeddings\": false"));
        assertEquals("Linear", node(HfModels.spec(untied, Set.of("cls.predictions.bias")), "cls.predictions.decoder").op(),
                "tie_word_embeddings false: the decoder's own weight, reported missing if absent");

        String distil = DISTIL_BASE.replace("DistilBertModel", "DistilBertForMaskedLM").replace("\"gelu\"", "\"relu\"");
        ModelSpec d = HfModels.spec(config(distil), Set.of("vocab_projector.bias"));
        List<String> dt = ops(d).subList(ops(d).size() - 6, ops(d).size());
        assertEquals(List.of("Linear", "relu", "LayerNorm", "get_attr", "get_attr", "linear"), dt, "vocab_transform -> activation -> ...");
        assertEquals("distilbert.embeddings.word_embeddings.weight", d.nodes().get(d.nodes().size() - 3).name());
        ModelSpec dOwn = HfModels.spec(config(distil), Set.of("vocab_projector.weight", "vocab_projector.bias"));
        assertEquals("vocab_projector", dOwn.nodes().get(dOwn.nodes().size() - 1).name());

        String roberta = ROBERTA.replace("RobertaForSequenceClassification", "RobertaForMaskedLM").replace("\"gelu\"", "\"relu\"");
        ModelSpec r = HfModels.spec(config(roberta), Set.of("lm_head.bias"));
        List<String> rt = ops(r).subList(ops(r).size() - 6, ops(r).size());
        assertEquals(List.of("Linear", "gelu", "LayerNorm", "get_attr", "get_attr", "linear"), rt, "lm_head's GELU whatever hidden_act says");
        ModelSpec rOwn = HfModels.spec(config(roberta), Set.of("lm_head.decoder.weight", "lm_head.decoder.bias", "lm_head.bias"));
        NodeSpec rDec = rOwn.nodes().get(rOwn.nodes().size() - 1);
        assertEquals("lm_head.decoder", rDec.name());
        assertEquals(List.of("logits"), rDec.outputs());
    }

    @Test
    void unusedTensorsAreWhatTransformersLeavesUnused() {
        String bert = BERT_CLS.replace("BertForSequenceClassification", "BertForMaskedLM");
        Set<String> published = Set.of("bert.embeddings.position_ids", "bert.pooler.dense.weight", "bert.pooler.dense.bias",
                "cls.seq_relationship.weight", "cls.seq_relationship.bias", "cls.predictions.bias", "cls.predictions.decoder.bias",
                "bert.encoder.layer.0.output.dense.weight");
        assertEquals(Set.of("bert.embeddings.position_ids", "bert.pooler.dense.weight", "bert.pooler.dense.bias",
                "cls.seq_relationship.weight", "cls.seq_relationship.bias", "cls.predictions.decoder.bias"),
                HfModels.unused(config(bert), published));
        assertEquals(Set.of("bert.embeddings.position_ids"), HfModels.unused(config(BERT_CLS), published),
                "the sequence classifier uses the pooler; NSP tensors there are unexpected");
        String roberta = ROBERTA.replace("RobertaForSequenceClassification", "RobertaForMaskedLM");
        Set<String> saved = Set.of("roberta.pooler.dense.weight", "lm_head.decoder.weight", "lm_head.decoder.bias", "lm_head.bias");
        assertEquals(Set.of("roberta.pooler.dense.weight", "lm_head.bias"), HfModels.unused(config(roberta), saved),
                "with a decoder of its own, its bias; the pooler of a head built without one");
        assertEquals(Set.of("lm_head.decoder.bias"), HfModels.unused(config(roberta), Set.of("lm_head.decoder.bias", "lm_head.bias")),
                "tied: the head's bias");
        assertEquals(Set.of(), HfModels.unused(config(ROBERTA.replace("RobertaForSequenceClassification", "RobertaModel")),
                Set.of("roberta.pooler.dense.weight")), "the base model keeps its pooler");
        assertEquals(Set.of(), HfModels.unused(config(ELECTRA), Set.of("electra.pooler.dense.weight")), "ELECTRA never had one");
    }
    /** HfModels.base: every family's encoder under whatever head the config names, for poolings to append to. */
    @Test
    void baseOfEveryFamily() {
        String robertaMlm = ROBERTA.replace("RobertaForSequenceClassification", "RobertaForMaskedLM");
        HfModels.Base r = HfModels.base(config(robertaMlm), Set.of("roberta.embeddings.word_embeddings.weight", "roberta.pooler.dense.weight"));
        assertEquals("RobertaForMaskedLM", r.architecture());
        assertEquals(20, r.width());
        assertEquals("last_hidden_state", r.lastHidden());
        assertEquals("pooler_output", r.pooled(), "the checkpoint has the pooler");
        assertEquals(List.of("last_hidden_state", "pooler_output"), r.outputs());
        ModelSpec rs = r.builder().build(List.of(r.lastHidden()), List.of(), Map.of());
        assertEquals("roberta.embeddings.word_embeddings", modules(rs).get(0));
        assertTrue(ops(rs).contains("cumsum"), "RoBERTa's positions");
        assertFalse(modules(rs).stream().anyMatch(n -> n.startsWith("lm_head")), "no head");

        HfModels.Base e = HfModels.base(config(ELECTRA), Set.of("electra.embeddings.word_embeddings.weight"));
        assertEquals(24, e.width(), "the hidden size, after embeddings_project");
        assertNull(e.pooled());
        assertEquals(List.of("last_hidden_state"), e.outputs());

        HfModels.Base plain = HfModels.base(config(ROBERTA.replace("RobertaForSequenceClassification", "XLMRobertaModel")
                .replace("\"roberta\"", "\"xlm-roberta\"")), Set.of("embeddings.word_embeddings.weight"));
        ModelSpec ps = plain.builder().build(List.of(plain.lastHidden()), List.of(), Map.of());
        assertEquals("embeddings.word_embeddings", modules(ps).get(0), "a base model saved without the prefix");
        assertNull(plain.pooled());
    }
    static final String ALBERT = """
            {"architectures": ["AlbertForSequenceClassification"], "model_type": "albert", "embedding_size": 16, "hidden_size": 20,
             "num_attention_heads": 4, "num_hidden_layers": 3, "num_hidden_groups": 2, "inner_group_num": 2,
             "intermediate_size": 32, "hidden_act": "gelu_new", "max_position_embeddings": 18, "type_vocab_size": 2,
             "vocab_size": 47, "id2label": {"0": "negative", "1": "positive"}}""";

    @Test
    void albertAppliesItsSharedLayersAsTransformersDoes() {
        ModelSpec s = HfModels.spec(config(ALBERT), Set.of());
        List<String> queries = modules(s).stream().filter(n -> n.endsWith("attention.query")).toList();
        String g = "albert.encoder.albert_layer_groups.";
        // 3 passes through 2 groups: group int(i / 1.5) = 0, 0, 1; each pass through the group's 2 inner layers
        assertEquals(List.of(g + "0.albert_layers.0.attention.query", g + "0.albert_layers.1.attention.query",
                g + "0.albert_layers.0.attention.query", g + "0.albert_layers.1.attention.query",
                g + "1.albert_layers.0.attention.query", g + "1.albert_layers.1.attention.query"), queries);
        NodeSpec mapping = node(s, "albert.encoder.embedding_hidden_mapping_in");
        assertEquals(16, mapping.args().get("in_features"));
        assertEquals(20, mapping.args().get("out_features"));
        List<String> layer = modules(s).stream().filter(n -> n.startsWith(g + "1.albert_layers.1.")).toList();
        assertEquals(List.of("attention.query", "attention.key", "attention.value", "attention.dense", "attention.LayerNorm", "ffn",
                "ffn_output", "full_layer_layer_norm"), layer.stream().map(n -> n.substring((g + "1.albert_layers.1.").length())).toList());
        assertTrue(ops(s).contains("gelu"), "gelu_new");
        List<String> m = modules(s);
        assertEquals(List.of("albert.pooler", "classifier"), m.subList(m.size() - 2, m.size()), "the classifier on the pooled output");

        String mlm = ALBERT.replace("AlbertForSequenceClassification", "AlbertForMaskedLM");
        ModelSpec lm = HfModels.spec(config(mlm), Set.of("predictions.bias"));
        NodeSpec dense = node(lm, "predictions.dense");
        assertEquals(16, dense.args().get("out_features"), "back to the embedding width");
        assertEquals(List.of(16), node(lm, "predictions.LayerNorm").args().get("normalized_shape"));
        NodeSpec table = producer(lm, lm.nodes().get(lm.nodes().size() - 1).inputs().get(1));
        assertEquals("albert.embeddings.word_embeddings.weight", table.name(), "tied to the 16-wide word embeddings");
        assertFalse(modules(lm).contains("albert.pooler"));
        assertEquals(Set.of("albert.pooler.weight", "albert.pooler.bias", "sop_classifier.classifier.weight", "predictions.decoder.bias"),
                HfModels.unused(config(mlm), Set.of("albert.pooler.weight", "albert.pooler.bias", "sop_classifier.classifier.weight",
                        "predictions.bias", "predictions.decoder.bias")));

        var many = assertThrows(ModelFormatException.class, () -> HfModels.spec(config(ALBERT.replace("\"num_hidden_layers\": 3",
                "\"num_hidden_layers\": 1000000")), Set.of()));
        assertTrue(many.getMessage().contains("1000000") && many.getMessage().contains("more than " + HfModels.MAX_SHARED_LAYERS),
                many.getMessage());
    }
    static final String MOBILEBERT = """
            {"architectures": ["MobileBertModel"], "model_type": "mobilebert", "embedding_size": 8, "hidden_size": 24,
             "intra_bottleneck_size": 12, "num_attention_heads": 3, "num_hidden_layers": 2, "intermediate_size": 16,
             "hidden_act": "relu", "max_position_embeddings": 20, "type_vocab_size": 2, "vocab_size": 43,
             "num_feedforward_networks": 4, "normalization_type": "no_norm", "trigram_input": true, "use_bottleneck": true,
             "use_bottleneck_attention": false, "key_query_shared_bottleneck": true, "classifier_activation": true}""";

    @Test
    void mobileBertBottlenecksNoNormAndStackedFeedForwards() {
        ModelSpec s = HfModels.spec(config(MOBILEBERT), Set.of("pooler.dense.weight"));
        // the trigram embedding: next and previous tokens' embeddings zero-padded at the ends, beside the token's own
        List<NodeSpec> n = s.nodes();
        NodeSpec cat = n.stream().filter(x -> x.op().equals("cat")).findFirst().orElseThrow();
        assertEquals(2, cat.args().get("dim"));
        assertEquals("pad", producer(s, cat.inputs().get(0)).op());
        assertEquals(List.of(0, 0, 0, 1, 0, 0), producer(s, cat.inputs().get(0)).args().get("pad"), "the next token's, padded after");
        assertEquals("embeddings.words", cat.inputs().get(1));
        assertEquals(List.of(0, 0, 1, 0, 0, 0), producer(s, cat.inputs().get(2)).args().get("pad"), "the previous token's, padded before");
        assertEquals(24, node(s, "embeddings.embedding_transformation").args().get("in_features"), "3 × embedding_size");
        // NoNorm: x · weight + bias, each viewed as (n) so that a tensor of another size is refused
        NodeSpec normed = producer(s, "hidden_states.0");
        assertEquals("add", normed.op());
        NodeSpec scaled = producer(s, normed.inputs().get(0));
        assertEquals("mul", scaled.op());
        NodeSpec view = producer(s, scaled.inputs().get(1));
        assertEquals("view", view.op());
        assertEquals(List.of(24), view.args().get("shape"));
        assertEquals("embeddings.LayerNorm.weight", producer(s, view.inputs().get(0)).name());
        assertEquals(0, count(s, "LayerNorm"), "no_norm everywhere in the encoder and embeddings");
        // per layer: the two input bottlenecks, query/key from the shared one, value from the layer input
        assertEquals(12, node(s, "encoder.layer.0.bottleneck.input.dense").args().get("out_features"));
        NodeSpec query = node(s, "encoder.layer.0.attention.self.query");
        NodeSpec key = node(s, "encoder.layer.0.attention.self.key");
        assertEquals(query.inputs(), key.inputs(), "one shared bottleneck for query and key");
        assertEquals(12, query.args().get("in_features"));
        assertEquals(24, node(s, "encoder.layer.0.attention.self.value").args().get("in_features"), "the value reads the layer input");
        assertEquals(3, modules(s).stream().filter(m -> m.startsWith("encoder.layer.1.ffn.") && m.endsWith(".intermediate.dense")).count(),
                "num_feedforward_networks − 1 stacked FFNs");
        assertEquals(24, node(s, "encoder.layer.1.output.bottleneck.dense").args().get("out_features"), "back to hidden_size");
        assertEquals(List.of("last_hidden_state", "pooler_output"), s.outputs());

        ModelSpec noPool = HfModels.spec(config(MOBILEBERT.replace("\"classifier_activation\": true", "\"classifier_activation\": false")), Set.of());
        assertEquals(List.of("last_hidden_state", "pooler_output"), noPool.outputs(), "without activation the pooled output is h[:, 0]");
        assertEquals("getitem", producer(noPool, "pooler_output").op());

        String plain = MOBILEBERT.replace("\"no_norm\"", "\"layer_norm\"").replace("\"trigram_input\": true", "\"trigram_input\": false")
                .replace("\"use_bottleneck\": true", "\"use_bottleneck\": false").replace("\"num_feedforward_networks\": 4", "\"num_feedforward_networks\": 1");
        ModelSpec p = HfModels.spec(config(plain), Set.of());
        assertEquals(0, count(p, "pad") + count(p, "cat"), "no trigram");
        assertEquals(8, node(p, "embeddings.embedding_transformation").args().get("in_features"), "embedding_size 8 ≠ hidden 24");
        assertFalse(modules(p).stream().anyMatch(m -> m.contains("bottleneck") || m.contains(".ffn.")));
        assertEquals(1e-5, ((Number) node(p, "embeddings.LayerNorm").args().get("eps")).doubleValue(), "NORM2FN(hidden_size): torch's eps");
        assertEquals(1e-5, ((Number) node(p, "encoder.layer.0.output.LayerNorm").args().get("eps")).doubleValue());
        assertEquals(1e-12, ((Number) node(p, "encoder.layer.0.attention.output.LayerNorm").args().get("eps")).doubleValue());

        String mlm = MOBILEBERT.replace("MobileBertModel", "MobileBertForMaskedLM");
        ModelSpec lm = HfModels.spec(config(mlm), Set.of("cls.predictions.bias"));
        List<String> tail = ops(lm).subList(ops(lm).size() - 8, ops(lm).size());
        assertEquals(List.of("getitem", "getitem", "get_attr", "get_attr", "linear", "get_attr", "matmul", "add"), tail,
                "h · [decoderᵀ; dense] + bias, split at embedding_size");
        assertEquals("mobilebert.embeddings.word_embeddings.weight", lm.nodes().get(lm.nodes().size() - 6).name());
        assertEquals("cls.predictions.dense.weight", lm.nodes().get(lm.nodes().size() - 3).name());

        Set<String> saved = Set.of("mobilebert.pooler.dense.weight", "cls.seq_relationship.weight", "cls.predictions.bias",
                "mobilebert.encoder.layer.0.bottleneck.attention.dense.weight");
        assertEquals(Set.of("mobilebert.pooler.dense.weight", "cls.seq_relationship.weight"), HfModels.unused(config(mlm), saved));
        String bottleneckAttention = mlm.replace("\"use_bottleneck_attention\": false", "\"use_bottleneck_attention\": true");
        assertEquals(Set.of("mobilebert.pooler.dense.weight", "cls.seq_relationship.weight",
                "mobilebert.encoder.layer.0.bottleneck.attention.dense.weight"), HfModels.unused(config(bottleneckAttention), saved),
                "the shared bottleneck transformers builds but does not read when the attention reads the input bottleneck");
        String noTransform = plain.replace("\"embedding_size\": 8", "\"embedding_size\": 24");
        assertEquals(Set.of("embeddings.embedding_transformation.weight"),
                HfModels.unused(config(noTransform), Set.of("embeddings.embedding_transformation.weight", "embeddings.word_embeddings.weight")));
    }
}
