package dev.isthmus.formats.hf;

import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.spec.SpecBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
 * one of {@link #ARCHITECTURES}: a family (BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA, ALBERT, MobileBERT) and a head;
 * without it,
 * {@code model_type} names the family's base model. Everything follows {@code transformers}' module code (eval mode):
 * <ul>
 *   <li>embeddings: {@code Embedding} of the word ids, plus the token-type embedding (not DistilBERT), plus the
 *       position embedding, then {@code LayerNorm}. BERT, DistilBERT and ELECTRA take the first {@code seq} rows of
 *       the position table ({@code get_attr} and a slice); RoBERTa and XLM-RoBERTa number the positions from the
 *       padding index as {@code create_position_ids_from_input_ids} does ({@code ne(input_ids, pad) → cumsum · mask
 *       + pad}, pad = {@code pad_token_id}, default 1), so at most {@code max_position_embeddings − pad − 1} tokens.
 *       ELECTRA's embeddings are {@code embedding_size} wide and {@code embeddings_project} maps them to
 *       {@code hidden_size} when the two differ; ALBERT's are {@code embedding_size} wide and
 *       {@code encoder.embedding_hidden_mapping_in} maps them; MobileBERT's put each token's embedding between the
 *       next and the previous token's ({@code pad} and {@code cat}) through {@code embedding_transformation};</li>
 *   <li>each encoder layer: three {@code Linear} projections, {@code scaled_dot_product_attention} with the heads
 *       side by side and the additive mask {@code (1 − attention_mask) · finfo(float32).min}, the output
 *       {@code Linear}, the residual {@code add}, {@code LayerNorm}, the feed-forward {@code Linear} → activation →
 *       {@code Linear}, {@code add}, {@code LayerNorm} (the fusion passes fold the residuals and the activation into
 *       the products). ALBERT's layers ({@code attention.query} ... {@code full_layer_layer_norm}) share their
 *       weights: pass i of {@code num_hidden_layers} runs the {@code inner_group_num} layers of group
 *       {@code int(i / (num_hidden_layers / num_hidden_groups))}, at most {@link #MAX_SHARED_LAYERS} layers in all.
 *       MobileBERT's layers have bottlenecks, stacked feed-forward networks and {@code NoNorm} (see
 *       {@code mobileBertBase});</li>
 *   <li>base models ({@code BertModel}, {@code DistilBertModel}, {@code RobertaModel}, {@code XLMRobertaModel},
 *       {@code ElectraModel}, {@code AlbertModel}, {@code MobileBertModel}): {@code last_hidden_state} and, for
 *       BERT, RoBERTa, ALBERT and MobileBERT checkpoints that have the pooler, {@code pooler_output}
 *       ({@code tanh(dense(h[:, 0]))}; ALBERT's dense layer is {@code albert.pooler}; MobileBERT's is {@code h[:, 0]}
 *       itself when {@code classifier_activation} is false);</li>
 *   <li>{@code *ForSequenceClassification} → {@code logits} (batch, labels): BERT's, ALBERT's and MobileBERT's
 *       {@code classifier} on the pooled output; DistilBERT's {@code pre_classifier} → ReLU → {@code classifier} on {@code h[:, 0]}; RoBERTa's
 *       {@code classifier.dense} → tanh → {@code classifier.out_proj} on {@code h[:, 0]} ({@code <s>}); ELECTRA's the
 *       same with GELU;</li>
 *   <li>{@code *ForTokenClassification} → {@code logits} (batch, seq, labels): {@code classifier} on every token;</li>
 *   <li>{@code *ForMaskedLM} → {@code logits} (batch, seq, vocab): dense → activation → LayerNorm → decoder
 *       ({@code cls.predictions.transform.*} with {@code hidden_act} then {@code cls.predictions.decoder} and
 *       {@code cls.predictions.bias}; {@code vocab_transform} → {@code activation} → {@code vocab_layer_norm} →
 *       {@code vocab_projector}; {@code lm_head.dense} → GELU → {@code lm_head.layer_norm} → {@code lm_head.decoder}
 *       and {@code lm_head.bias}; ALBERT's {@code predictions.dense} (to the embedding width) → {@code hidden_act} →
 *       {@code predictions.LayerNorm} → {@code predictions.decoder} and {@code predictions.bias}; MobileBERT's
 *       transform then {@code h · [decoderᵀ; cls.predictions.dense.weight] + bias}). A file without the decoder weight (saved with {@code tie_word_embeddings}, the
 *       default) ties it to the word embeddings: {@code linear} of the hidden states, {@code get_attr} of the
 *       embedding table and of the bias, which runs as a {@code Linear} over the table itself;</li>
 *   <li>{@code ElectraForPreTraining} (the discriminator) → {@code logits} (batch, seq):
 *       {@code discriminator_predictions.dense} → {@code hidden_act} → {@code dense_prediction}, squeezed.</li>
 * </ul>
 * Inputs: {@code input_ids} and {@code attention_mask}, integer (batch, seq), and except for DistilBERT
 * {@code token_type_ids}, optional (zeros of input_ids' shape when left out). {@code id2label}, ordered by id, becomes
 * the classifiers' labels. A base model's tensors may carry the family's prefix ({@code bert.}, {@code distilbert.},
 * {@code roberta.}, {@code electra.}, {@code albert.}, {@code mobilebert.}: a checkpoint saved from a model with a
 * head). Tensors in a
 * published checkpoint that {@code transformers} does not use for the architecture are left out of the weights
 * ({@link #unused}): the id buffers, the pooler of heads built without one, BERT's and MobileBERT's next-sentence
 * and ALBERT's sentence-order heads in masked-LM checkpoints, a decoder bias saved under both of its tied names, and
 * MobileBERT parameters its forward does not read.
 */
public final class HfModels {
    private HfModels() {
    }

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    /** A family of encoders: its class-name stem, {@code model_type} and the state-dict prefix of its base model. */
    enum Family {
        BERT("Bert", "bert", "bert."),
        DISTILBERT("DistilBert", "distilbert", "distilbert."),
        ROBERTA("Roberta", "roberta", "roberta."),
        XLM_ROBERTA("XLMRoberta", "xlm-roberta", "roberta."),
        ELECTRA("Electra", "electra", "electra."),
        ALBERT("Albert", "albert", "albert."),
        MOBILEBERT("MobileBert", "mobilebert", "mobilebert.");

        final String stem, modelType, prefix;

        Family(String stem, String modelType, String prefix) {
            this.stem = stem;
            this.modelType = modelType;
            this.prefix = prefix;
        }

        List<Head> heads() {
            return this == ELECTRA ? List.of(Head.MODEL, Head.SEQUENCE, Head.TOKEN, Head.PRETRAINING)
                    : List.of(Head.MODEL, Head.SEQUENCE, Head.TOKEN, Head.MASKED_LM);
        }

        boolean hasPooler() {
            return this == BERT || this == ROBERTA || this == XLM_ROBERTA || this == ALBERT || this == MOBILEBERT;
        }

        /** The pooler's dense layer under the base model's prefix: ALBERT's is a Linear named "pooler". */
        String pooler(String p) {
            return this == ALBERT ? p + "pooler" : p + "pooler.dense";
        }

        /** Sequence classifiers on the pooled output (BERT, ALBERT) rather than on h[:, 0]. */
        boolean classifiesPooled() {
            return this == BERT || this == ALBERT || this == MOBILEBERT;
        }

        boolean positionsFromPadding() {
            return this == ROBERTA || this == XLM_ROBERTA;
        }
    }

    /** What sits on the base model, by the class-name suffix. */
    enum Head {
        MODEL("Model"), SEQUENCE("ForSequenceClassification"), TOKEN("ForTokenClassification"), MASKED_LM("ForMaskedLM"),
        PRETRAINING("ForPreTraining");

        final String suffix;

        Head(String suffix) {
            this.suffix = suffix;
        }
    }

    /** One supported architecture. */
    record Arch(Family family, Head head) {
        String name() {
            return family.stem + head.suffix;
        }
    }

    private static final List<Arch> ARCHS;

    static {
        List<Arch> a = new ArrayList<>();
        for (Family f : Family.values()) for (Head h : f.heads()) a.add(new Arch(f, h));
        ARCHS = List.copyOf(a);
    }

    /** The {@code architectures} class names lowered here. */
    public static final List<String> ARCHITECTURES = ARCHS.stream().map(Arch::name).toList();

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
        Arch arch = arch(config);
        Family f = arch.family();
        Head head = arch.head();
        String p = head == Head.MODEL ? prefix(tensorNames, f.prefix) : f.prefix;
        Pooler pooler = head == Head.MODEL ? Pooler.IF_PRESENT : f.classifiesPooled() && head == Head.SEQUENCE ? Pooler.REQUIRED : Pooler.NONE;
        Base base = encoder(config, arch, p, tensorNames, pooler);
        Map<String, Object> extras = extras(config, arch.name());
        SpecBuilder b = base.builder();
        String h = base.lastHidden();
        int w = base.width();
        return switch (head) {
            case MODEL -> b.build(base.outputs(), List.of(), extras);
            case SEQUENCE -> {
                List<String> labels = config.labels();
                sequenceHead(b, config, f, base, labels.size());
                yield b.build(List.of("logits"), labels, extras);
            }
            case TOKEN -> {
                List<String> labels = config.labels();
                b.module("Linear", "classifier", h, "logits", "in_features", w, "out_features", labels.size());
                yield b.build(List.of("logits"), labels, extras);
            }
            case MASKED_LM -> {
                maskedLmHead(b, config, f, p, tensorNames, h, w);
                yield b.build(List.of("logits"), List.of(), extras);
            }
            case PRETRAINING -> {
                String act = activation(config, "hidden_act", config.string("hidden_act", "gelu"));
                String d = b.module("Linear", "discriminator_predictions.dense", h, "discriminator.dense", "in_features", w, "out_features", w);
                String a = activationNode(b, act, d, "discriminator.act");
                String s = b.module("Linear", "discriminator_predictions.dense_prediction", a, "discriminator.prediction",
                        "in_features", w, "out_features", 1);
                b.fn("squeeze", List.of(s), "logits", "dim", -1);
                yield b.build(List.of("logits"), List.of(), extras);
            }
        };
    }

    /**
     * The tensors of a checkpoint that its architecture does not use, as {@code transformers} leaves them unused:
     * the id buffers ({@link #isBuffer}), the pooler of a head that {@code transformers} builds without one
     * ({@code add_pooling_layer=False}: BERT's and ALBERT's token-classification and masked-LM heads, every RoBERTa
     * head), BERT's next-sentence head ({@code cls.seq_relationship}) and ALBERT's sentence-order head
     * ({@code sop_classifier}) in a masked-LM checkpoint (bert-base-uncased and albert-base-v2 as published, converted
     * from the pretraining models), and the copy of a masked-LM decoder bias saved under both of its tied names.
     */
    public static Set<String> unused(HfConfig config, Set<String> tensorNames) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : tensorNames) if (isBuffer(n)) out.add(n);
        Arch arch = arch(config);
        Family f = arch.family();
        Head head = arch.head();
        if (f.hasPooler() && head != Head.MODEL && !(f.classifiesPooled() && head == Head.SEQUENCE)) {
            String pooler = f.pooler(f.prefix);
            for (String n : List.of(pooler + ".weight", pooler + ".bias")) if (tensorNames.contains(n)) out.add(n);
        }
        if (f == Family.MOBILEBERT) {
            // parameters transformers builds and its forward never reads: the shared query/key bottleneck when the
            // attention reads the input bottleneck, the embedding transformation when there is nothing to transform
            boolean bottleneck = config.bool("use_bottleneck", true);
            boolean unusedShared = bottleneck && config.bool("use_bottleneck_attention", false) && config.bool("key_query_shared_bottleneck", true);
            boolean unusedTransform = !config.bool("trigram_input", true)
                    && config.integer("embedding_size", 128) == config.integer("hidden_size", 512);
            String p = head == Head.MODEL ? prefix(tensorNames, f.prefix) : f.prefix;
            for (String n : tensorNames) {
                if (unusedShared && n.startsWith(p + "encoder.layer.") && n.contains(".bottleneck.attention.")) out.add(n);
                if (unusedTransform && n.startsWith(p + "embeddings.embedding_transformation.")) out.add(n);
            }
        }
        if (head == Head.MASKED_LM) {
            String pretraining = f == Family.BERT || f == Family.MOBILEBERT ? "cls.seq_relationship."
                    : f == Family.ALBERT ? "sop_classifier.classifier." : null;
            if (pretraining != null) {
                for (String n : List.of(pretraining + "weight", pretraining + "bias")) if (tensorNames.contains(n)) out.add(n);
            }
            LmHead lm = LmHead.of(config, f);
            String used = lm.bias(tensorNames);
            for (String n : lm.biases()) if (!n.equals(used) && tensorNames.contains(n)) out.add(n);
        }
        return out;
    }

    /** The architecture the config names, checked against {@link #ARCHITECTURES} and {@code model_type}. */
    public static String architecture(HfConfig config) {
        return arch(config).name();
    }

    private static Arch arch(HfConfig config) {
        List<String> archs = config.architectures();
        String type = config.string("model_type", null);
        Arch arch;
        if (archs.isEmpty()) {
            Family f = null;
            for (Family x : Family.values()) if (x.modelType.equals(type)) f = x;
            if (f == null) {
                List<String> types = new ArrayList<>();
                for (Family x : Family.values()) types.add(x.modelType);
                throw config.error("hf-architecture", "no \"architectures\" in the config"
                        + (type == null ? "" : " and model_type '" + type + "' is not one of " + String.join(", ", types))
                        + "; supported: " + String.join(", ", ARCHITECTURES));
            }
            arch = new Arch(f, Head.MODEL);
        } else {
            String name = archs.get(0);
            arch = ARCHS.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow(() -> config.error("hf-architecture",
                    "architecture '" + name + "' is not supported (supported: " + String.join(", ", ARCHITECTURES) + ")"));
        }
        if (type != null && !type.equals(arch.family().modelType)) {
            throw config.error("hf-architecture", "architecture '" + arch.name() + "' does not match model_type '" + type + "'");
        }
        return arch;
    }

    /** The family's prefix when the checkpoint stores the base model under it (and not without it), else "". */
    private static String prefix(Set<String> names, String prefix) {
        String probe = "embeddings.word_embeddings.weight";
        return names.contains(prefix + probe) && !names.contains(probe) ? prefix : "";
    }

    /** The tensor names of one encoder layer's submodules, relative to the layer's prefix. */
    private record LayerNames(String q, String k, String v, String out, String norm1, String fc1, String fc2, String norm2) {
    }

    private static final LayerNames BERT = new LayerNames("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm");
    private static final LayerNames ALBERT = new LayerNames("attention.query", "attention.key", "attention.value",
            "attention.dense", "attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm");
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
     * prefix, e.g. {@code bert.}); for lowerings that put their own head on it (sentence-transformers' pooling). The
     * pooler is built when the checkpoint has it (BERT, RoBERTa, ALBERT, MobileBERT).
     */
    public static Base base(HfConfig config, Set<String> tensorNames) {
        Arch arch = arch(config);
        return encoder(config, arch, prefix(tensorNames, arch.family().prefix), tensorNames, Pooler.IF_PRESENT);
    }

    /** Whether the base model ends with BERT's pooler. */
    private enum Pooler { NONE, IF_PRESENT, REQUIRED }

    private static Base encoder(HfConfig c, Arch arch, String p, Set<String> names, Pooler pooler) {
        return switch (arch.family()) {
            case DISTILBERT -> distilBertBase(c, arch.name(), p);
            case MOBILEBERT -> mobileBertBase(c, arch.name(), p, names, pooler);
            default -> bertBase(c, arch, p, names, pooler);
        };
    }

    /**
     * The most layers an ALBERT config may apply (num_hidden_layers × inner_group_num): its layers share weights, so
     * the weights file does not bound how many a config claims. The published ALBERTs apply 12 or 24.
     */
    public static final int MAX_SHARED_LAYERS = 1024;

    /** BERT, RoBERTa, XLM-RoBERTa, ELECTRA and ALBERT: BERT's layers (ALBERT's shared), with the family's embeddings. */
    private static Base bertBase(HfConfig c, Arch arch, String p, Set<String> names, Pooler pooler) {
        Family f = arch.family();
        String family = switch (f) {
            case BERT -> "BERT";
            case ROBERTA -> "RoBERTa";
            case XLM_ROBERTA -> "XLM-RoBERTa";
            case ALBERT -> "ALBERT";
            default -> "ELECTRA";
        };
        if (c.bool("is_decoder", false) || c.bool("add_cross_attention", false)) {
            throw c.error("hf-config", family + " as a decoder (is_decoder / add_cross_attention) is not supported");
        }
        String posType = c.string("position_embedding_type", "absolute");
        if (!posType.equals("absolute")) {
            throw c.error("hf-config", "position_embedding_type '" + posType + "' is not supported (only \"absolute\")");
        }
        boolean electra = f == Family.ELECTRA, albert = f == Family.ALBERT;
        int hidden = positive(c, "hidden_size", electra ? 256 : albert ? 4096 : 768);
        int layers = positive(c, "num_hidden_layers", 12);
        int heads = positive(c, "num_attention_heads", electra ? 4 : albert ? 64 : 12);
        int inter = positive(c, "intermediate_size", electra ? 1024 : albert ? 16384 : 3072);
        int vocab = positive(c, "vocab_size", f == Family.ROBERTA ? 50265 : albert ? 30000 : 30522);
        int types = positive(c, "type_vocab_size", 2);
        int width = electra || albert ? positive(c, "embedding_size", 128) : hidden;
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = activation(c, "hidden_act", c.string("hidden_act", albert ? "gelu_new" : "gelu"));
        if (hidden % heads != 0) throw c.error("hf-config", "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        int positions = positive(c, "max_position_embeddings", 512);
        int pad = 0, maxSeq = positions;
        String reason = "max_position_embeddings = " + positions;
        if (f.positionsFromPadding()) {
            pad = c.integer("pad_token_id", 1);
            if (pad < 0 || pad >= positions - 1) {
                throw c.error("hf-config", "pad_token_id " + pad + " leaves no position below max_position_embeddings " + positions
                        + " (" + family + " numbers positions from pad_token_id + 1)");
            }
            maxSeq = positions - pad - 1;
            reason = "max_position_embeddings − pad_token_id − 1 = " + maxSeq + " (positions are numbered from pad_token_id + 1)";
        }

        SpecBuilder b = new SpecBuilder();
        b.input(ids("input_ids", null, maxSeq, reason)).input(ids("attention_mask", null, maxSeq, reason))
                .input(ids("token_type_ids", "input_ids", maxSeq, reason));
        String e = p + "embeddings.";
        String words = b.module("Embedding", e + "word_embeddings", "input_ids", "embeddings.words",
                "num_embeddings", vocab, "embedding_dim", width);
        String tt = b.module("Embedding", e + "token_type_embeddings", "token_type_ids", "embeddings.token_types",
                "num_embeddings", types, "embedding_dim", width);
        String sum = b.fn("add", List.of(words, tt), "embeddings.sum");
        String h;
        if (f.positionsFromPadding()) {
            // create_position_ids_from_input_ids: (cumsum(mask) * mask) + pad, mask = input_ids != pad
            String ne = b.fn("ne", List.of("input_ids"), "embeddings.not_padding", "other", pad);
            String mask = b.fn("int", List.of(ne), "embeddings.not_padding_int");
            String count = b.fn("cumsum", List.of(mask), "embeddings.token_count", "dim", 1);
            String masked = b.fn("mul", List.of(count, mask), "embeddings.token_count_masked");
            String ids = b.fn("add", List.of(masked), "embeddings.position_ids", "other", pad);
            String pos = b.module("Embedding", e + "position_embeddings", ids, "embeddings.positions",
                    "num_embeddings", positions, "embedding_dim", width);
            String x = b.fn("add", List.of(sum, pos), "embeddings.with_positions");
            h = b.module("LayerNorm", e + "LayerNorm", x, "hidden_states.0", "normalized_shape", List.of(width), "eps", eps);
        } else {
            h = embeddingsTail(b, e, sum, width, eps);
        }
        String bias;
        if (albert) {
            // AlbertTransformer: embedding_hidden_mapping_in, then num_hidden_layers passes through the layer groups,
            // pass i through group int(i / (num_hidden_layers / num_hidden_groups)), each group inner_group_num layers
            int groups = positive(c, "num_hidden_groups", 1), inner = positive(c, "inner_group_num", 1);
            if ((long) layers * inner > MAX_SHARED_LAYERS) {
                throw c.error("hf-config", "\"num_hidden_layers\" " + layers + " × \"inner_group_num\" " + inner
                        + " shared layers to apply: more than " + MAX_SHARED_LAYERS + " is refused");
            }
            h = b.module("Linear", p + "encoder.embedding_hidden_mapping_in", h, "embeddings.mapped", "in_features", width,
                    "out_features", hidden);
            bias = maskBias(b);
            List<String> prefixes = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                int group = (int) (i / ((double) layers / groups));
                for (int j = 0; j < inner; j++) prefixes.add(p + "encoder.albert_layer_groups." + group + ".albert_layers." + j + ".");
            }
            h = encoder(b, prefixes, ALBERT, h, bias, hidden, heads, inter, eps, act);
        } else {
            if (width != hidden) {
                h = b.module("Linear", p + "embeddings_project", h, "embeddings.projected", "in_features", width, "out_features", hidden);
            }
            bias = maskBias(b);
            List<String> prefixes = new ArrayList<>();
            for (int i = 0; i < layers; i++) prefixes.add(p + "encoder.layer." + i + ".");
            h = encoder(b, prefixes, BERT, h, bias, hidden, heads, inter, eps, act);
        }
        List<String> outputs = list(h);
        String pooled = null;
        String poolerName = f.pooler(p);
        if (f.hasPooler() && (pooler == Pooler.REQUIRED
                || pooler == Pooler.IF_PRESENT && (names.contains(poolerName + ".weight") || names.contains(poolerName + ".bias")))) {
            String first = firstToken(b, h, "pooler.first_token");
            String dense = b.module("Linear", poolerName, first, "pooler.dense", "in_features", hidden, "out_features", hidden);
            pooled = b.fn("tanh", List.of(dense), "pooler_output");
            outputs.add(pooled);
        }
        return new Base(b, h, pooled, hidden, outputs, arch.name());
    }

    /** The sequence classifier of each family, on the base model's output; its result is "logits". */
    private static void sequenceHead(SpecBuilder b, HfConfig c, Family f, Base base, int labels) {
        int w = base.width();
        switch (f) {
            case BERT, ALBERT, MOBILEBERT -> b.module("Linear", "classifier", base.pooled(), "logits", "in_features", w, "out_features", labels);
            case DISTILBERT -> {
                String first = firstToken(b, base.lastHidden(), "pooled_output");
                String pre = b.module("Linear", "pre_classifier", first, "pre_classifier", "in_features", w, "out_features", w);
                String relu = b.fn("relu", List.of(pre), "pre_classifier_relu");
                b.module("Linear", "classifier", relu, "logits", "in_features", w, "out_features", labels);
            }
            case ROBERTA, XLM_ROBERTA, ELECTRA -> {
                // RobertaClassificationHead: tanh; ElectraClassificationHead: get_activation("gelu"), whatever hidden_act says
                String first = firstToken(b, base.lastHidden(), "classifier.first_token");
                String dense = b.module("Linear", "classifier.dense", first, "classifier.dense", "in_features", w, "out_features", w);
                String a = b.fn(f == Family.ELECTRA ? "gelu" : "tanh", List.of(dense), "classifier.act");
                b.module("Linear", "classifier.out_proj", a, "logits", "in_features", w, "out_features", labels);
            }
        }
    }

    /** The tensor names of a family's masked-LM head, its activation and LayerNorm eps. */
    private record LmHead(String dense, String act, String norm, double eps, String decoder, List<String> biases) {
        static LmHead of(HfConfig c, Family f) {
            return switch (f) {
                case BERT -> new LmHead("cls.predictions.transform.dense", activation(c, "hidden_act", c.string("hidden_act", "gelu")),
                        "cls.predictions.transform.LayerNorm", c.number("layer_norm_eps", 1e-12), "cls.predictions.decoder",
                        List.of("cls.predictions.bias", "cls.predictions.decoder.bias"));
                case DISTILBERT -> new LmHead("vocab_transform", activation(c, "activation", c.string("activation", "gelu")),
                        "vocab_layer_norm", 1e-12, "vocab_projector", List.of("vocab_projector.bias"));
                case ROBERTA, XLM_ROBERTA -> new LmHead("lm_head.dense", "gelu", "lm_head.layer_norm", c.number("layer_norm_eps", 1e-12),
                        "lm_head.decoder", List.of("lm_head.bias", "lm_head.decoder.bias"));
                case MOBILEBERT -> new LmHead("cls.predictions.transform.dense", activation(c, "hidden_act", c.string("hidden_act", "relu")),
                        "cls.predictions.transform.LayerNorm", c.number("layer_norm_eps", 1e-12), "cls.predictions.decoder",
                        List.of("cls.predictions.bias", "cls.predictions.decoder.bias"));
                case ALBERT -> new LmHead("predictions.dense", activation(c, "hidden_act", c.string("hidden_act", "gelu_new")),
                        "predictions.LayerNorm", c.number("layer_norm_eps", 1e-12), "predictions.decoder",
                        List.of("predictions.bias", "predictions.decoder.bias"));
                case ELECTRA -> throw new IllegalStateException("no masked-LM head for ELECTRA discriminators");
            };
        }

        /** True when the file has no decoder weight of its own and the config ties it to the word embeddings. */
        boolean tied(HfConfig c, Set<String> names) {
            return !names.contains(decoder + ".weight") && c.bool("tie_word_embeddings", true);
        }

        /**
         * The decoder bias used: with a decoder of its own, its {@code .bias} when the file has it; else the head's
         * bias (the name transformers ties it to), or the other name when only that one is in the file.
         */
        String bias(Set<String> names) {
            if (names.contains(decoder + ".weight") && names.contains(decoder + ".bias")) return decoder + ".bias";
            for (String n : biases) if (names.contains(n)) return n;
            return biases.get(0);
        }
    }

    /** dense → activation → LayerNorm → decoder (tied to the word embeddings or its own), → "logits". */
    private static void maskedLmHead(SpecBuilder b, HfConfig c, Family f, String p, Set<String> names, String h, int w) {
        if (f == Family.MOBILEBERT) {
            mobileBertLmHead(b, c, p, names, h, w);
            return;
        }
        LmHead lm = LmHead.of(c, f);
        int vocab = positive(c, "vocab_size", f == Family.ROBERTA ? 50265 : f == Family.ALBERT ? 30000 : 30522);
        int e = f == Family.ALBERT ? positive(c, "embedding_size", 128) : w; // ALBERT decodes from the embedding width
        String d = b.module("Linear", lm.dense(), h, "lm.dense", "in_features", w, "out_features", e);
        String a = activationNode(b, lm.act(), d, "lm.act");
        String x = b.module("LayerNorm", lm.norm(), a, "lm.normed", "normalized_shape", List.of(e), "eps", lm.eps());
        String bias = lm.bias(names);
        if (lm.tied(c, names)) {
            String table = b.node("get_attr", p + "embeddings.word_embeddings.weight", List.of(), "lm.decoder.weight", args());
            String bv = b.node("get_attr", bias, List.of(), "lm.decoder.bias", args());
            b.fn("linear", List.of(x, table, bv), "logits");
        } else if (bias.equals(lm.decoder() + ".bias")) {
            b.module("Linear", lm.decoder(), x, "logits", "in_features", e, "out_features", vocab);
        } else { // BERT's and RoBERTa's decoder has no bias of its own in the file: the head's bias is added
            String y = b.module("Linear", lm.decoder(), x, "lm.decoded", "in_features", e, "out_features", vocab, "bias", false);
            String bv = b.node("get_attr", bias, List.of(), "lm.decoder.bias", args());
            b.fn("add", List.of(y, bv), "logits");
        }
    }

    /**
     * MobileBERT ({@code modeling_mobilebert.py}): the trigram embedding (each token's embedding beside the next
     * one's and the previous one's, zeros past the ends) through {@code embedding_transformation}; layers with
     * bottlenecks to {@code intra_bottleneck_size} (the attention's query and key from the shared
     * {@code bottleneck.attention}, its value from the layer input, its residual from {@code bottleneck.input}),
     * {@code num_feedforward_networks − 1} stacked FFNs before the layer's own, and the output bottleneck back to
     * {@code hidden_size}; {@code NoNorm} ({@code x · weight + bias}) or LayerNorm as {@code normalization_type} says.
     */
    private static Base mobileBertBase(HfConfig c, String arch, String p, Set<String> names, Pooler pooler) {
        if (c.bool("is_decoder", false) || c.bool("add_cross_attention", false)) {
            throw c.error("hf-config", "MobileBERT as a decoder (is_decoder / add_cross_attention) is not supported");
        }
        int hidden = positive(c, "hidden_size", 512);
        int layers = positive(c, "num_hidden_layers", 24);
        int heads = positive(c, "num_attention_heads", 4);
        int inter = positive(c, "intermediate_size", 512);
        int vocab = positive(c, "vocab_size", 30522);
        int types = positive(c, "type_vocab_size", 2);
        int emb = positive(c, "embedding_size", 128);
        double eps = c.number("layer_norm_eps", 1e-12);
        String act = activation(c, "hidden_act", c.string("hidden_act", "relu"));
        boolean trigram = c.bool("trigram_input", true);
        boolean bottleneck = c.bool("use_bottleneck", true);
        int intra = positive(c, "intra_bottleneck_size", 128);
        boolean bottleneckAttention = c.bool("use_bottleneck_attention", false);
        boolean sharedQueryKey = c.bool("key_query_shared_bottleneck", true);
        int ffns = positive(c, "num_feedforward_networks", 4);
        String normType = c.string("normalization_type", "no_norm");
        if (!normType.equals("no_norm") && !normType.equals("layer_norm")) {
            throw c.error("hf-config", "normalization_type '" + normType + "' is not supported (no_norm, layer_norm)");
        }
        boolean noNorm = normType.equals("no_norm");
        int t = bottleneck ? intra : hidden; // true_hidden_size
        if (t % heads != 0) throw c.error("hf-config", "the attention width " + t + " is not divisible by num_attention_heads " + heads);
        int positions = positive(c, "max_position_embeddings", 512);
        String reason = "max_position_embeddings = " + positions;

        SpecBuilder b = new SpecBuilder();
        b.input(ids("input_ids", null, positions, reason)).input(ids("attention_mask", null, positions, reason))
                .input(ids("token_type_ids", "input_ids", positions, reason));
        String e = p + "embeddings.";
        String x = b.module("Embedding", e + "word_embeddings", "input_ids", "embeddings.words", "num_embeddings", vocab, "embedding_dim", emb);
        int width = emb;
        if (trigram) {
            Object all = slice(null, null, null);
            String next = b.node("getitem", null, List.of(x), "embeddings.next", args("index", List.of(all, slice(1, null, null))));
            String nextPad = b.fn("pad", List.of(next), "embeddings.next_padded", "pad", List.of(0, 0, 0, 1, 0, 0), "value", 0);
            String prev = b.node("getitem", null, List.of(x), "embeddings.previous", args("index", List.of(all, slice(null, -1, null))));
            String prevPad = b.fn("pad", List.of(prev), "embeddings.previous_padded", "pad", List.of(0, 0, 1, 0, 0, 0), "value", 0);
            x = b.fn("cat", List.of(nextPad, x, prevPad), "embeddings.trigram", "dim", 2);
            width = 3 * emb;
        }
        if (trigram || emb != hidden) {
            x = b.module("Linear", e + "embedding_transformation", x, "embeddings.transformed", "in_features", width, "out_features", hidden);
        }
        String seq = b.fn("size", List.of("input_ids"), "embeddings.seq", "dim", 1);
        String table = b.node("get_attr", e + "position_embeddings.weight", List.of(), "embeddings.position_table", args());
        String pos = b.node("getitem", null, List.of(table), "embeddings.positions", args("index", List.of(slice(null, ref(seq), null))));
        String tt = b.module("Embedding", e + "token_type_embeddings", "token_type_ids", "embeddings.token_types",
                "num_embeddings", types, "embedding_dim", hidden);
        String sum = b.fn("add", List.of(b.fn("add", List.of(x, pos), "embeddings.with_positions"), tt), "embeddings.sum");
        String h = norm(b, noNorm, e + "LayerNorm", sum, hidden, 1e-5, "hidden_states.0"); // NORM2FN(hidden_size): torch's eps

        String mask = maskBias(b);
        for (int i = 0; i < layers; i++) {
            String l = p + "encoder.layer." + i + ".", v = "layer." + i + ".";
            String q = h, k = h, val = h, residual = h;
            if (bottleneck) {
                String in = b.module("Linear", l + "bottleneck.input.dense", h, v + "bottleneck.input", "in_features", hidden, "out_features", intra);
                in = norm(b, noNorm, l + "bottleneck.input.LayerNorm", in, intra, eps, v + "bottleneck.input_normed");
                residual = in;
                if (bottleneckAttention) {
                    q = k = val = in;
                } else if (sharedQueryKey) {
                    String sa = b.module("Linear", l + "bottleneck.attention.dense", h, v + "bottleneck.attention", "in_features", hidden,
                            "out_features", intra);
                    q = k = norm(b, noNorm, l + "bottleneck.attention.LayerNorm", sa, intra, eps, v + "bottleneck.attention_normed");
                }
            }
            int valueWidth = bottleneck && bottleneckAttention ? t : hidden;
            String qq = b.module("Linear", l + "attention.self.query", q, v + "query", "in_features", t, "out_features", t);
            String kk = b.module("Linear", l + "attention.self.key", k, v + "key", "in_features", t, "out_features", t);
            String vv = b.module("Linear", l + "attention.self.value", val, v + "value", "in_features", valueWidth, "out_features", t);
            String ctx = b.fn("scaled_dot_product_attention", List.of(qq, kk, vv, mask), v + "context", "num_heads", heads);
            String ao = b.module("Linear", l + "attention.output.dense", ctx, v + "attention_output", "in_features", t, "out_features", t);
            String a = norm(b, noNorm, l + "attention.output.LayerNorm", b.fn("add", List.of(ao, residual), v + "attention_residual"), t, eps,
                    v + "attention_normed");
            for (int n = 0; n < ffns - 1; n++) {
                String fl = l + "ffn." + n + ".", fv = v + "ffn." + n + ".";
                String f1 = b.module("Linear", fl + "intermediate.dense", a, fv + "intermediate", "in_features", t, "out_features", inter);
                String f2 = b.module("Linear", fl + "output.dense", activationNode(b, act, f1, fv + "intermediate_act"), fv + "output",
                        "in_features", inter, "out_features", t);
                a = norm(b, noNorm, fl + "output.LayerNorm", b.fn("add", List.of(f2, a), fv + "residual"), t, eps, fv + "normed");
            }
            String f1 = b.module("Linear", l + "intermediate.dense", a, v + "intermediate", "in_features", t, "out_features", inter);
            String f2 = b.module("Linear", l + "output.dense", activationNode(b, act, f1, v + "intermediate_act"), v + "output",
                    "in_features", inter, "out_features", t);
            boolean last = i == layers - 1;
            // MobileBertOutput's norm is NORM2FN(true_hidden_size) without eps: torch's 1e-5 when it is a LayerNorm
            String o = norm(b, noNorm, l + "output.LayerNorm", b.fn("add", List.of(f2, a), v + "output_residual"), t, 1e-5,
                    bottleneck || !last ? v + "output_normed" : "last_hidden_state");
            if (bottleneck) {
                String up = b.module("Linear", l + "output.bottleneck.dense", o, v + "output.bottleneck", "in_features", t, "out_features", hidden);
                o = norm(b, noNorm, l + "output.bottleneck.LayerNorm", b.fn("add", List.of(up, h), v + "output.bottleneck_residual"), hidden,
                        eps, last ? "last_hidden_state" : "hidden_states." + (i + 1));
            }
            h = o;
        }
        List<String> outputs = list(h);
        String pooled = null;
        boolean activate = c.bool("classifier_activation", true);
        if (pooler == Pooler.REQUIRED || pooler == Pooler.IF_PRESENT && (!activate || names.contains(p + "pooler.dense.weight")
                || names.contains(p + "pooler.dense.bias"))) {
            String first = firstToken(b, h, activate ? "pooler.first_token" : "pooler_output");
            pooled = activate ? b.fn("tanh", List.of(b.module("Linear", p + "pooler.dense", first, "pooler.dense", "in_features", hidden,
                    "out_features", hidden)), "pooler_output") : first;
            outputs.add(pooled);
        }
        return new Base(b, h, pooled, hidden, outputs, arch);
    }

    /** MobileBERT's NoNorm ({@code x · weight + bias}, each of n elements) or LayerNorm, by the config's normalization_type. */
    private static String norm(SpecBuilder b, boolean noNorm, String name, String x, int n, double eps, String out) {
        if (!noNorm) return b.module("LayerNorm", name, x, out, "normalized_shape", List.of(n), "eps", eps);
        // view to (n): a weight or bias of another size is refused (broadcasting would let one of size 1 through)
        String w = b.fn("view", List.of(b.node("get_attr", name + ".weight", List.of(), name + ".weight", args())), out + ".weight",
                "shape", List.of(n));
        String bias = b.fn("view", List.of(b.node("get_attr", name + ".bias", List.of(), name + ".bias", args())), out + ".bias",
                "shape", List.of(n));
        return b.fn("add", List.of(b.fn("mul", List.of(x, w), out + ".scaled"), bias), out);
    }

    /**
     * MobileBERT's masked-LM head: transform (dense → hidden_act → LayerNorm), then {@code h · [decoderᵀ; dense]}
     * + bias: the first embedding_size features through the decoder (tied to the word embeddings), the rest through
     * {@code cls.predictions.dense.weight} (hidden − embedding_size, vocab) as stored.
     */
    private static void mobileBertLmHead(SpecBuilder b, HfConfig c, String p, Set<String> names, String h, int w) {
        LmHead lm = LmHead.of(c, Family.MOBILEBERT);
        int emb = positive(c, "embedding_size", 128);
        String d = b.module("Linear", lm.dense(), h, "lm.dense", "in_features", w, "out_features", w);
        String a = activationNode(b, lm.act(), d, "lm.act");
        String x = b.module("LayerNorm", lm.norm(), a, "lm.normed", "normalized_shape", List.of(w), "eps", lm.eps());
        String first = b.node("getitem", null, List.of(x), "lm.embedding_part", args("index", List.of("...", slice(null, emb, null))));
        String rest = b.node("getitem", null, List.of(x), "lm.rest", args("index", List.of("...", slice(emb, null, null))));
        String weight = lm.tied(c, names) ? p + "embeddings.word_embeddings.weight" : lm.decoder() + ".weight";
        String table = b.node("get_attr", weight, List.of(), "lm.decoder.weight", args());
        String bias = b.node("get_attr", lm.bias(names), List.of(), "lm.decoder.bias", args());
        String decoded = b.fn("linear", List.of(first, table, bias), "lm.decoded");
        String extra = b.node("get_attr", "cls.predictions.dense.weight", List.of(), "cls.predictions.dense.weight", args());
        String more = b.fn("matmul", List.of(rest, extra), "lm.rest_decoded");
        b.fn("add", List.of(decoded, more), "logits");
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
        String reason = "max_position_embeddings = " + positions;
        b.input(ids("input_ids", null, positions, reason)).input(ids("attention_mask", null, positions, reason));
        String e = p + "embeddings.";
        String words = b.module("Embedding", e + "word_embeddings", "input_ids", "embeddings.words",
                "num_embeddings", vocab, "embedding_dim", dim);
        String h = embeddingsTail(b, e, words, dim, eps);
        String bias = maskBias(b);
        List<String> prefixes = new ArrayList<>();
        for (int i = 0; i < layers; i++) prefixes.add(p + "transformer.layer." + i + ".");
        h = encoder(b, prefixes, DISTILBERT, h, bias, dim, heads, hiddenDim, eps, act);
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

    /** Appends one encoder layer per prefix (ALBERT's repeat theirs); returns the last hidden states' name. */
    private static String encoder(SpecBuilder b, List<String> prefixes, LayerNames n, String h, String bias, int hidden, int heads,
                                  int inter, double eps, String act) {
        int layers = prefixes.size();
        for (int i = 0; i < layers; i++) {
            String l = prefixes.get(i), v = "layer." + i + ".";
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
     * An integer (batch, seq) input of at most {@code maxSeq} tokens (for {@code reason}); with {@code zerosLike}
     * optional, zeros of that input's shape when left out.
     */
    private static InputSpec ids(String name, String zerosLike, int maxSeq, String reason) {
        Map<String, Object> extras = new java.util.LinkedHashMap<>();
        if (!name.equals("input_ids")) extras.put(InputSpec.SHAPE_OF, "input_ids");
        if (zerosLike != null) {
            extras.put(OPTIONAL, true);
            extras.put("default", Map.of("zeros_like", zerosLike));
        }
        extras.put(InputSpec.MAX_SHAPE, List.of(-1, maxSeq));
        extras.put(InputSpec.MAX_REASON, reason);
        return new InputSpec(name, new long[]{-1, -1}, DType.I64, extras);
    }

    static Map<String, Object> extras(HfConfig c, String arch) {
        return args("source", "huggingface", "architecture", arch, "config", c.source());
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
