package dev.isthmus.formats.hf;

import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.spec.SpecBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.isthmus.formats.spec.SpecBuilder.args;
import static dev.isthmus.formats.spec.SpecBuilder.ref;
import static dev.isthmus.formats.spec.SpecBuilder.slice;

/**
 * Hugging Face checkpoints as they are: a directory with {@code config.json} and {@code model.safetensors}, lowered
 * into the general graph as an {@code isthmus/2} spec of ordinary modules and functions whose names are the
 * checkpoint's own state-dict prefixes, so its tensors are used unchanged. The config's {@code architectures} picks
 * one of {@link #ARCHITECTURES} (without it, {@code model_type} "bert" or "distilbert" means the base model):
 * <ul>
 *   <li>embeddings: {@code Embedding} of the word ids, plus the token-type embedding (BERT), plus the first
 *       {@code seq} rows of the position table ({@code get_attr} and a slice), then {@code LayerNorm};</li>
 *   <li>each encoder layer as {@code transformers} computes it: three {@code Linear} projections,
 *       {@code scaled_dot_product_attention} with the heads side by side and the additive mask
 *       {@code (1 − attention_mask) · finfo(float32).min}, the output {@code Linear}, the residual {@code add},
 *       {@code LayerNorm}, the feed-forward {@code Linear} → activation → {@code Linear}, {@code add},
 *       {@code LayerNorm} (the fusion passes fold the residuals and the activation into the products);</li>
 *   <li>{@code BertModel}: results {@code last_hidden_state} and, when the checkpoint has the pooler,
 *       {@code pooler_output} ({@code tanh(dense(h[:, 0]))}); {@code BertForSequenceClassification}: {@code logits}
 *       from the {@code classifier} on the pooled output; {@code DistilBertModel}: {@code last_hidden_state};
 *       {@code DistilBertForSequenceClassification}: {@code h[:, 0]} → {@code pre_classifier} → ReLU →
 *       {@code classifier} → {@code logits}.</li>
 * </ul>
 * Inputs: {@code input_ids} and {@code attention_mask}, integer (batch, seq), and for BERT {@code token_type_ids},
 * optional (zeros of input_ids' shape when left out). {@code id2label}, ordered by id, becomes the classifiers'
 * labels. A base model's tensors may carry the {@code bert.} / {@code distilbert.} prefix (a checkpoint saved from a
 * model with a head); buffers HF saved such as {@code embeddings.position_ids} are not weights ({@link #isBuffer}).
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
    /** {@code torch.finfo(torch.float32).min}: what HF adds to the scores of padded keys. */
    static final double F32_MIN = -Float.MAX_VALUE;

    /** True when {@code file} is a Hugging Face config (its name is {@code config.json}). */
    public static boolean isConfig(Path file) {
        return file != null && file.getFileName() != null && file.getFileName().toString().equals(CONFIG_FILE);
    }

    /** True when {@code dir} holds {@code config.json} and {@code model.safetensors}. */
    public static boolean isCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG_FILE)) && Files.isRegularFile(dir.resolve(WEIGHTS_FILE));
    }

    /** True for the buffers HF saves beside the weights that are not parameters (position and token-type id ranges). */
    public static boolean isBuffer(String tensor) {
        return tensor.endsWith("embeddings.position_ids") || tensor.endsWith("embeddings.token_type_ids");
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

    /** The tensor names of one encoder layer's submodules, relative to the layer's prefix. */
    private record LayerNames(String q, String k, String v, String out, String norm1, String fc1, String fc2, String norm2) {
    }

    private static final LayerNames BERT = new LayerNames("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm");
    private static final LayerNames DISTILBERT = new LayerNames("attention.q_lin", "attention.k_lin", "attention.v_lin",
            "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm");

    /**
     * A family's base model lowered into a builder, for a head or a pooling to append its nodes to: the name of the
     * last hidden state (batch, seq, width), of the pooled output when the family has one in this checkpoint (else
     * null), and the outputs the base model itself gives.
     */
    public record Base(SpecBuilder builder, String lastHidden, String pooled, int width, List<String> outputs, String architecture) {
    }

    /**
     * The base model of a checkpoint whatever head its config names (a head checkpoint's base tensors keep their
     * prefix, e.g. {@code bert.}); for lowerings that put their own head on it (sentence-transformers' pooling).
     */
    public static Base base(HfConfig config, Set<String> tensorNames) {
        String arch = architecture(config);
        return arch.startsWith("DistilBert")
                ? distilBertBase(config, arch, prefix(tensorNames, "distilbert.", "embeddings.word_embeddings.weight"))
                : bertBase(config, arch, prefix(tensorNames, "bert.", "embeddings.word_embeddings.weight"), tensorNames, false);
    }

    private static ModelSpec bert(HfConfig c, String arch, String p, Set<String> names, boolean classifier) {
        Base base = bertBase(c, arch, p, names, classifier);
        if (!classifier) return base.builder().build(base.outputs(), List.of(), extras(c, arch));
        List<String> labels = c.labels();
        base.builder().module("Linear", "classifier", base.pooled(), "logits", "in_features", base.width(), "out_features", labels.size());
        return base.builder().build(List.of("logits"), labels, extras(c, arch));
    }

    private static Base bertBase(HfConfig c, String arch, String p, Set<String> names, boolean pooler) {
        if (c.bool("is_decoder", false) || c.bool("add_cross_attention", false)) {
            throw c.error("hf-config", "BERT as a decoder (is_decoder / add_cross_attention) is not supported");
        }
        String posType = c.string("position_embedding_type", "absolute");
        if (!posType.equals("absolute")) {
            throw c.error("hf-config", "position_embedding_type '" + posType + "' is not supported (only \"absolute\")");
        }
        int hidden = positive(c, "hidden_size", 768);
        int layers = positive(c, "num_hidden_layers", 12);
        int heads = positive(c, "num_attention_heads", 12);
        int inter = positive(c, "intermediate_size", 3072);
        int vocab = positive(c, "vocab_size", 30522);
        int types = positive(c, "type_vocab_size", 2);
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = activation(c, "hidden_act", c.string("hidden_act", "gelu"));
        if (hidden % heads != 0) throw c.error("hf-config", "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);

        SpecBuilder b = new SpecBuilder();
        int positions = positive(c, "max_position_embeddings", 512);
        b.input(ids("input_ids", null, positions)).input(ids("attention_mask", null, positions))
                .input(ids("token_type_ids", "input_ids", positions));
        String e = p + "embeddings.";
        String words = b.module("Embedding", e + "word_embeddings", "input_ids", "embeddings.words",
                "num_embeddings", vocab, "embedding_dim", hidden);
        String tt = b.module("Embedding", e + "token_type_embeddings", "token_type_ids", "embeddings.token_types",
                "num_embeddings", types, "embedding_dim", hidden);
        String sum = b.fn("add", List.of(words, tt), "embeddings.sum");
        String h = embeddingsTail(b, e, sum, hidden, eps);
        String bias = maskBias(b);
        h = encoder(b, p + "encoder.layer.", BERT, layers, h, bias, hidden, heads, inter, eps, act);
        List<String> outputs = list(h);
        String pooled = null;
        if (pooler || names.contains(p + "pooler.dense.weight") || names.contains(p + "pooler.dense.bias")) {
            String first = firstToken(b, h, "pooler.first_token");
            String dense = b.module("Linear", p + "pooler.dense", first, "pooler.dense", "in_features", hidden, "out_features", hidden);
            pooled = b.fn("tanh", List.of(dense), "pooler_output");
            outputs.add(pooled);
        }
        return new Base(b, h, pooled, hidden, outputs, arch);
    }

    private static ModelSpec distilBert(HfConfig c, String arch, String p, boolean classifier) {
        Base base = distilBertBase(c, arch, p);
        if (!classifier) return base.builder().build(base.outputs(), List.of(), extras(c, arch));
        SpecBuilder b = base.builder();
        List<String> labels = c.labels();
        int dim = base.width();
        String first = firstToken(b, base.lastHidden(), "pooled_output");
        String pre = b.module("Linear", "pre_classifier", first, "pre_classifier", "in_features", dim, "out_features", dim);
        String relu = b.fn("relu", List.of(pre), "pre_classifier_relu");
        b.module("Linear", "classifier", relu, "logits", "in_features", dim, "out_features", labels.size());
        return b.build(List.of("logits"), labels, extras(c, arch));
    }

    private static Base distilBertBase(HfConfig c, String arch, String p) {
        if (c.bool("sinusoidal_pos_embds", false)) {
            throw c.error("hf-config", "sinusoidal_pos_embds is not supported (the checkpoints on the hub use learned positions)");
        }
        int dim = positive(c, "dim", 768);
        int layers = positive(c, "n_layers", 6);
        int heads = positive(c, "n_heads", 12);
        int hiddenDim = positive(c, "hidden_dim", 3072);
        int vocab = positive(c, "vocab_size", 30522);
        String act = activation(c, "activation", c.string("activation", "gelu"));
        if (dim % heads != 0) throw c.error("hf-config", "dim " + dim + " is not divisible by n_heads " + heads);
        double eps = 1e-12; // DistilBERT's LayerNorms are fixed at 1e-12
        SpecBuilder b = new SpecBuilder();
        int positions = positive(c, "max_position_embeddings", 512);
        b.input(ids("input_ids", null, positions)).input(ids("attention_mask", null, positions));
        String e = p + "embeddings.";
        String words = b.module("Embedding", e + "word_embeddings", "input_ids", "embeddings.words",
                "num_embeddings", vocab, "embedding_dim", dim);
        String h = embeddingsTail(b, e, words, dim, eps);
        String bias = maskBias(b);
        h = encoder(b, p + "transformer.layer.", DISTILBERT, layers, h, bias, dim, heads, hiddenDim, eps, act);
        return new Base(b, h, null, dim, list(h), arch);
    }

    /** {@code h[:, 0]}: the first token of every sequence. */
    private static String firstToken(SpecBuilder b, String h, String out) {
        return b.node("getitem", null, List.of(h), out, args("index", List.of(slice(null, null, null), 0)));
    }

    /** Adds the first seq rows of the position table and the embedding LayerNorm; returns the hidden states. */
    private static String embeddingsTail(SpecBuilder b, String e, String sum, int hidden, double eps) {
        String seq = b.fn("size", List.of("input_ids"), "embeddings.seq", "dim", 1);
        String table = b.node("get_attr", e + "position_embeddings.weight", List.of(), "embeddings.position_table", args());
        String pos = b.node("getitem", null, List.of(table), "embeddings.positions", args("index", List.of(slice(null, ref(seq), null))));
        String x = b.fn("add", List.of(sum, pos), "embeddings.with_positions");
        return b.module("LayerNorm", e + "LayerNorm", x, "hidden_states.0", "normalized_shape", List.of(hidden), "eps", eps);
    }

    /** HF's additive mask (batch, 1, 1, seq): (1 − attention_mask) · finfo(float32).min. */
    private static String maskBias(SpecBuilder b) {
        String m1 = b.fn("unsqueeze", List.of("attention_mask"), "mask.1", "dim", 1);
        String m2 = b.fn("unsqueeze", List.of(m1), "mask.2", "dim", 2);
        String mf = b.fn("float", List.of(m2), "mask.float");
        String inv = b.fn("rsub", List.of(mf), "mask.inverted", "other", 1.0);
        return b.fn("mul", List.of(inv), "mask.bias", "other", F32_MIN);
    }

    /** Appends the encoder layers; returns the last hidden states' name. */
    private static String encoder(SpecBuilder b, String prefix, LayerNames n, int layers, String h, String bias, int hidden, int heads,
                                  int inter, double eps, String act) {
        for (int i = 0; i < layers; i++) {
            String l = prefix + i + ".", v = "layer." + i + ".";
            String q = b.module("Linear", l + n.q(), h, v + "query", "in_features", hidden, "out_features", hidden);
            String k = b.module("Linear", l + n.k(), h, v + "key", "in_features", hidden, "out_features", hidden);
            String val = b.module("Linear", l + n.v(), h, v + "value", "in_features", hidden, "out_features", hidden);
            String ctx = b.fn("scaled_dot_product_attention", List.of(q, k, val, bias), v + "context", "num_heads", heads);
            String ao = b.module("Linear", l + n.out(), ctx, v + "attention_output", "in_features", hidden, "out_features", hidden);
            String r1 = b.fn("add", List.of(ao, h), v + "attention_residual");
            String a = b.module("LayerNorm", l + n.norm1(), r1, v + "attention_normed", "normalized_shape", List.of(hidden), "eps", eps);
            String f1 = b.module("Linear", l + n.fc1(), a, v + "intermediate", "in_features", hidden, "out_features", inter);
            String f1a = activationNode(b, act, f1, v + "intermediate_act");
            String f2 = b.module("Linear", l + n.fc2(), f1a, v + "output", "in_features", inter, "out_features", hidden);
            String r2 = b.fn("add", List.of(f2, a), v + "output_residual");
            h = b.module("LayerNorm", l + n.norm2(), r2, i == layers - 1 ? "last_hidden_state" : "hidden_states." + (i + 1),
                    "normalized_shape", List.of(hidden), "eps", eps);
        }
        return h;
    }

    private static String activationNode(SpecBuilder b, String act, String in, String out) {
        return switch (act) {
            case "gelu" -> b.fn("gelu", List.of(in), out);
            case "gelu_tanh" -> b.fn("gelu", List.of(in), out, "approximate", "tanh");
            default -> b.fn(act, List.of(in), out);
        };
    }

    /** HF's {@code hidden_act} / {@code activation} names (ACT2FN) that the graph can express, as function names. */
    static String activation(HfConfig c, String key, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu" -> "gelu";
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> "gelu_tanh";
            case "relu" -> "relu";
            case "silu", "swish" -> "silu";
            case "tanh" -> "tanh";
            case "sigmoid" -> "sigmoid";
            default -> throw c.error("hf-config", key + " '" + name + "' is not supported (supported: gelu, gelu_new, "
                    + "gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, sigmoid)");
        };
    }

    private static int positive(HfConfig c, String key, int def) {
        int v = c.integer(key, def);
        if (v <= 0) throw c.error("hf-config", "\"" + key + "\" must be positive, found " + v);
        return v;
    }

    /**
     * An integer (batch, seq) input of at most {@code maxPositions} tokens; with {@code zerosLike} optional, zeros of
     * that input's shape when left out.
     */
    private static InputSpec ids(String name, String zerosLike, int maxPositions) {
        Map<String, Object> extras = new java.util.LinkedHashMap<>();
        if (!name.equals("input_ids")) extras.put(InputSpec.SHAPE_OF, "input_ids");
        if (zerosLike != null) {
            extras.put(OPTIONAL, true);
            extras.put("default", Map.of("zeros_like", zerosLike));
        }
        extras.put(InputSpec.MAX_SHAPE, List.of(-1, maxPositions));
        extras.put(InputSpec.MAX_REASON, "max_position_embeddings = " + maxPositions);
        return new InputSpec(name, new long[]{-1, -1}, DType.I64, extras);
    }

    static Map<String, Object> extras(HfConfig c, String arch) {
        return args("source", "huggingface", "architecture", arch, "config", c.source());
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
