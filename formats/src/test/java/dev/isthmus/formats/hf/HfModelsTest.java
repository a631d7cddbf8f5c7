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
