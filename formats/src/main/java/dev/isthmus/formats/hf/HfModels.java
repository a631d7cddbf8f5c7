package dev.isthmus.formats.hf;

import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face checkpoints as they are: a directory with {@code config.json} and {@code model.safetensors}. The
 * config's {@code architectures} picks one of {@link #ARCHITECTURES} (without it, {@code model_type} "bert" or
 * "distilbert" means the base model), and the model becomes an {@code isthmus/1} {@link ModelSpec} whose nodes are the
 * HF modules, named by their state-dict prefixes, so the checkpoint's tensor names are used unchanged:
 * <ul>
 *   <li>{@code BertModel}: {@code BertEmbeddings} → {@code BertLayer} × {@code num_hidden_layers} → outputs
 *       {@code last_hidden_state} and, when the checkpoint has the pooler, {@code pooler_output} ({@code BertPooler});</li>
 *   <li>{@code BertForSequenceClassification}: the same under {@code bert.}, then {@code Linear} {@code classifier} on
 *       the pooled output → {@code logits};</li>
 *   <li>{@code DistilBertModel}: {@code DistilBertEmbeddings} → {@code DistilBertTransformerBlock} × {@code n_layers}
 *       → {@code last_hidden_state};</li>
 *   <li>{@code DistilBertForSequenceClassification}: the same under {@code distilbert.}, then {@code SelectToken} 0
 *       → {@code Linear pre_classifier} → {@code ReLU} → {@code Linear classifier} → {@code logits}.</li>
 * </ul>
 * Inputs: {@code input_ids} and {@code attention_mask}, integer (batch, seq), and for BERT {@code token_type_ids},
 * marked optional (extras {@code "optional": true}; absent = zeros). {@code id2label}, ordered by id, becomes the
 * classifiers' labels. A base model's tensors may carry the {@code bert.} / {@code distilbert.} prefix (a checkpoint
 * saved from a model with a head); buffers HF saved such as {@code embeddings.position_ids} are accepted.
 */
public final class HfModels {
    private HfModels() {
    }

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final List<String> ARCHITECTURES = List.of("BertModel", "BertForSequenceClassification",
            "DistilBertModel", "DistilBertForSequenceClassification");

    /** The extras key of an {@link InputSpec} the caller may leave out. */
    public static final String OPTIONAL = "optional";

    /** True when {@code file} is a Hugging Face config (its name is {@code config.json}). */
    public static boolean isConfig(Path file) {
        return file != null && file.getFileName() != null && file.getFileName().toString().equals(CONFIG_FILE);
    }

    /** True when {@code dir} holds {@code config.json} and {@code model.safetensors}. */
    public static boolean isCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG_FILE)) && Files.isRegularFile(dir.resolve(WEIGHTS_FILE));
    }

    /** The spec of the checkpoint whose config is {@code configFile} and whose tensors are {@code tensorNames}. */
    public static ModelSpec spec(Path configFile, Set<String> tensorNames) {
        return spec(HfConfig.read(configFile), tensorNames);
    }

    /** The spec for a parsed config. */
    public static ModelSpec spec(HfConfig config, Set<String> tensorNames) {
        String arch = architecture(config);
        return switch (arch) {
            case "BertModel" -> bert(config, arch, prefix(tensorNames, "bert.", "embeddings.word_embeddings.weight"), tensorNames, false);
            case "BertForSequenceClassification" -> bert(config, arch, "bert.", tensorNames, true);
            case "DistilBertModel" -> distilBert(config, arch, prefix(tensorNames, "distilbert.", "embeddings.word_embeddings.weight"), false);
            case "DistilBertForSequenceClassification" -> distilBert(config, arch, "distilbert.", true);
            default -> throw new IllegalStateException(arch);
        };
    }

    /** The architecture the config names, checked against {@link #ARCHITECTURES} and {@code model_type}. */
    public static String architecture(HfConfig config) {
        List<String> archs = config.architectures();
        String type = config.string("model_type", null);
        String arch;
        if (archs.isEmpty()) {
            if ("bert".equals(type)) arch = "BertModel";
            else if ("distilbert".equals(type)) arch = "DistilBertModel";
            else throw config.error("hf-architecture", "no \"architectures\" in the config"
                    + (type == null ? "" : " and model_type '" + type + "' is not bert or distilbert")
                    + "; supported: " + String.join(", ", ARCHITECTURES));
        } else {
            arch = archs.get(0);
            if (!ARCHITECTURES.contains(arch)) {
                throw config.error("hf-architecture", "architecture '" + arch + "' is not supported (supported: "
                        + String.join(", ", ARCHITECTURES) + ")");
            }
        }
        String family = arch.startsWith("DistilBert") ? "distilbert" : "bert";
        if (type != null && !type.equals(family)) {
            throw config.error("hf-architecture", "architecture '" + arch + "' does not match model_type '" + type + "'");
        }
        return arch;
    }

    /** {@code prefix} when the checkpoint stores the base model under it (and not without it), else "". */
    private static String prefix(Set<String> names, String prefix, String probe) {
        return names.contains(prefix + probe) && !names.contains(probe) ? prefix : "";
    }

    private static ModelSpec bert(HfConfig c, String arch, String p, Set<String> names, boolean classifier) {
        if (c.bool("is_decoder", false) || c.bool("add_cross_attention", false)) {
            throw c.error("hf-config", "BERT as a decoder (is_decoder / add_cross_attention) is not supported");
        }
        String posType = c.string("position_embedding_type", "absolute");
        if (!posType.equals("absolute")) {
            throw c.error("hf-config", "position_embedding_type '" + posType + "' is not supported (only \"absolute\")");
        }
        int hidden = c.integer("hidden_size", 768);
        int layers = c.integer("num_hidden_layers", 12);
        if (layers <= 0) throw c.error("hf-config", "\"num_hidden_layers\" must be positive, found " + layers);
        double eps = c.number("layer_norm_eps", 1e-12);

        List<NodeSpec> nodes = new ArrayList<>();
        nodes.add(node(nodes, "BertEmbeddings", p + "embeddings", List.of("input_ids", "token_type_ids"), "hidden_states.0", args(
                "vocab_size", c.integer("vocab_size", 30522), "hidden_size", hidden,
                "max_position_embeddings", c.integer("max_position_embeddings", 512),
                "type_vocab_size", c.integer("type_vocab_size", 2), "layer_norm_eps", eps)));
        Map<String, Object> layerArgs = args("hidden_size", hidden, "num_attention_heads", c.integer("num_attention_heads", 12),
                "intermediate_size", c.integer("intermediate_size", 3072), "hidden_act", c.string("hidden_act", "gelu"),
                "layer_norm_eps", eps);
        String h = encoder(nodes, "BertLayer", p + "encoder.layer.", layers, layerArgs);
        List<String> outputs = new ArrayList<>(List.of(h));
        boolean pooler = classifier || names.contains(p + "pooler.dense.weight") || names.contains(p + "pooler.dense.bias");
        if (pooler) {
            nodes.add(node(nodes, "BertPooler", p + "pooler", List.of(h), "pooler_output", args("hidden_size", hidden)));
            outputs.add("pooler_output");
        }
        List<String> labels = List.of();
        if (classifier) {
            labels = c.labels();
            nodes.add(node(nodes, "Linear", "classifier", List.of("pooler_output"), "logits",
                    args("in_features", hidden, "out_features", labels.size())));
            outputs = List.of("logits");
        }
        List<InputSpec> inputs = List.of(ids("input_ids", false), ids("attention_mask", false), ids("token_type_ids", true));
        return new ModelSpec(ModelSpec.FORMAT, inputs, nodes, outputs, labels, extras(c, arch));
    }

    private static ModelSpec distilBert(HfConfig c, String arch, String p, boolean classifier) {
        int dim = c.integer("dim", 768);
        int layers = c.integer("n_layers", 6);
        if (layers <= 0) throw c.error("hf-config", "\"n_layers\" must be positive, found " + layers);
        List<NodeSpec> nodes = new ArrayList<>();
        nodes.add(node(nodes, "DistilBertEmbeddings", p + "embeddings", List.of("input_ids"), "hidden_states.0", args(
                "vocab_size", c.integer("vocab_size", 30522), "dim", dim,
                "max_position_embeddings", c.integer("max_position_embeddings", 512))));
        Map<String, Object> layerArgs = args("dim", dim, "n_heads", c.integer("n_heads", 12), "hidden_dim", c.integer("hidden_dim", 3072),
                "activation", c.string("activation", "gelu"));
        String h = encoder(nodes, "DistilBertTransformerBlock", p + "transformer.layer.", layers, layerArgs);
        List<String> outputs = List.of(h);
        List<String> labels = List.of();
        if (classifier) {
            labels = c.labels();
            nodes.add(node(nodes, "SelectToken", null, List.of(h), "pooled_output", args("index", 0)));
            nodes.add(node(nodes, "Linear", "pre_classifier", List.of("pooled_output"), "pre_classifier",
                    args("in_features", dim, "out_features", dim)));
            nodes.add(node(nodes, "ReLU", null, List.of("pre_classifier"), "pre_classifier_relu", args()));
            nodes.add(node(nodes, "Linear", "classifier", List.of("pre_classifier_relu"), "logits",
                    args("in_features", dim, "out_features", labels.size())));
            outputs = List.of("logits");
        }
        List<InputSpec> inputs = List.of(ids("input_ids", false), ids("attention_mask", false));
        return new ModelSpec(ModelSpec.FORMAT, inputs, nodes, outputs, labels, extras(c, arch));
    }

    /** Appends the layer nodes; values hidden_states.1.. and the last one last_hidden_state. */
    private static String encoder(List<NodeSpec> nodes, String op, String prefix, int layers, Map<String, Object> args) {
        String h = "hidden_states.0";
        for (int i = 0; i < layers; i++) {
            String out = i == layers - 1 ? "last_hidden_state" : "hidden_states." + (i + 1);
            nodes.add(node(nodes, op, prefix + i, List.of(h, "attention_mask"), out, args));
            h = out;
        }
        return h;
    }

    private static NodeSpec node(List<NodeSpec> nodes, String op, String name, List<String> inputs, String output, Map<String, Object> args) {
        return new NodeSpec(nodes.size(), op, name, inputs, List.of(output), args);
    }

    private static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static InputSpec ids(String name, boolean optional) {
        return new InputSpec(name, new long[]{-1, -1}, DType.I64, optional ? Map.of(OPTIONAL, true) : Map.of());
    }

    private static Map<String, Object> extras(HfConfig c, String arch) {
        return args("source", "huggingface", "architecture", arch, "config", c.source());
    }
}
