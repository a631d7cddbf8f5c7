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

    @Test
    void bertForSequenceClassification() {
        ModelSpec s = HfModels.spec(config(BERT_CLS), Set.of());
        assertEquals(ModelSpec.FORMAT, s.format());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), s.inputs().stream().map(InputSpec::name).toList());
        assertEquals(Boolean.TRUE, s.inputs().get(2).extras().get(HfModels.OPTIONAL));
        assertFalse(s.inputs().get(1).extras().containsKey(HfModels.OPTIONAL));
        assertEquals(List.of("BertEmbeddings", "BertLayer", "BertLayer", "BertLayer", "BertPooler", "Linear"), ops(s));
        assertEquals(List.of("bert.embeddings", "bert.encoder.layer.0", "bert.encoder.layer.1", "bert.encoder.layer.2",
                "bert.pooler", "classifier"), names(s));
        assertEquals(List.of("logits"), s.outputs());
        assertEquals(List.of("negative", "neutral", "positive"), s.labels(), "id2label ordered by id");
        NodeSpec layer = s.nodes().get(1);
        assertEquals(List.of("hidden_states.0", "attention_mask"), layer.inputs());
        assertEquals(1e-7, ((Number) layer.args().get("layer_norm_eps")).doubleValue());
        assertEquals(5, layer.args().get("num_attention_heads"));
        assertEquals(List.of("last_hidden_state"), s.nodes().get(3).outputs());
        assertEquals(3, s.nodes().get(5).args().get("out_features"));
        assertEquals(List.of("input_ids", "token_type_ids"), s.nodes().get(0).inputs());
        assertEquals(3, s.nodes().get(0).args().get("type_vocab_size"));
    }

    @Test
    void bertModelPrefixAndPooler() {
        String json = BERT_CLS.replace("BertForSequenceClassification", "BertModel");
        ModelSpec plain = HfModels.spec(config(json), Set.of("embeddings.word_embeddings.weight", "pooler.dense.weight"));
        assertEquals("embeddings", plain.nodes().get(0).name());
        assertEquals(List.of("last_hidden_state", "pooler_output"), plain.outputs());
        assertEquals(List.of(), plain.labels(), "a base model has no labels");
        ModelSpec prefixed = HfModels.spec(config(json), Set.of("bert.embeddings.word_embeddings.weight"));
        assertEquals("bert.embeddings", prefixed.nodes().get(0).name());
        assertEquals("bert.encoder.layer.2", prefixed.nodes().get(3).name());
        assertEquals(List.of("last_hidden_state"), prefixed.outputs(), "no pooler in the checkpoint: no pooler_output");
        assertFalse(ops(prefixed).contains("BertPooler"));
    }

    @Test
    void distilBert() {
        ModelSpec base = HfModels.spec(config(DISTIL_BASE), Set.of("embeddings.word_embeddings.weight"));
        assertEquals(List.of("input_ids", "attention_mask"), base.inputs().stream().map(InputSpec::name).toList());
        assertEquals(List.of("DistilBertEmbeddings", "DistilBertTransformerBlock", "DistilBertTransformerBlock"), ops(base));
        assertEquals(List.of("embeddings", "transformer.layer.0", "transformer.layer.1"), names(base));
        assertEquals(List.of("last_hidden_state"), base.outputs());

        String cls = DISTIL_BASE.replace("DistilBertModel", "DistilBertForSequenceClassification")
                .replace("\"vocab_size\": 97", "\"vocab_size\": 97, \"id2label\": {\"0\": \"no\", \"1\": \"yes\"}");
        ModelSpec s = HfModels.spec(config(cls), Set.of());
        assertEquals(List.of("DistilBertEmbeddings", "DistilBertTransformerBlock", "DistilBertTransformerBlock", "SelectToken",
                "Linear", "ReLU", "Linear"), ops(s));
        assertEquals(List.of("distilbert.embeddings", "distilbert.transformer.layer.0", "distilbert.transformer.layer.1", "null",
                "pre_classifier", "null", "classifier"), names(s));
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
                () -> HfModels.spec(config(BERT_CLS.replace("BertForSequenceClassification", "BertForMaskedLM")), Set.of()));
        assertTrue(e.getMessage().contains("test/config.json"), e.getMessage());
        assertTrue(e.getMessage().contains("'BertForMaskedLM' is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("DistilBertForSequenceClassification"), "lists what is supported: " + e.getMessage());
        assertEquals("hf-architecture", e.rule());
        assertEquals("test/config.json", e.file());
    }

    @Test
    void badConfigs() {
        assertThrows(ModelFormatException.class, () -> HfModels.spec(config(BERT_CLS.replace("\"model_type\": \"bert\"",
                "\"model_type\": \"distilbert\"")), Set.of()), "model_type contradicts the architecture");
        assertThrows(ModelFormatException.class, () -> HfModels.spec(config("{\"model_type\": \"roberta\"}"), Set.of()));
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
        assertTrue(n >= 4, "expected a model per architecture under " + root.toAbsolutePath() + ", found " + n);
    }
}
