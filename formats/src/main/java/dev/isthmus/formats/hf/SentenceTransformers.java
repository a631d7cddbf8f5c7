package dev.isthmus.formats.hf;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.json.JsonException;
import dev.isthmus.formats.safetensors.SafetensorsFile;
import dev.isthmus.formats.spec.SpecBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sentence-transformers directory as it is published: the Hugging Face checkpoint at its root (module 0,
 * {@code sentence_transformers.models.Transformer}), then the modules {@code modules.json} lists after it, lowered
 * into the same graph after the base model:
 * <ul>
 *   <li>{@code Pooling} ({@code <path>/config.json}): the token embeddings of the real tokens (attention mask 1)
 *       reduced to one vector: {@code cls} (the first token), {@code max}, {@code mean} (sum over the real tokens /
 *       their count, the count clamped to 1e-9) and {@code mean_sqrt_len} (sum / √count); with several modes on,
 *       their vectors side by side in that order, as sentence-transformers concatenates them;</li>
 *   <li>{@code Dense} ({@code <path>/config.json} and {@code <path>/model.safetensors}, tensors {@code linear.weight}
 *       and {@code linear.bias}): a Linear and its activation (Tanh unless the config names Identity);</li>
 *   <li>{@code Normalize}: each vector divided by its L2 norm (at least 1e-12).</li>
 * </ul>
 * Outputs: {@code sentence_embedding} (first) and {@code token_embeddings} (the last hidden state). The Dense layers'
 * tensors (a few hundred KB) are read into memory under the names {@code <module name>.linear.weight/bias}; the base
 * model's stay mapped. {@code sentence_bert_config.json}'s {@code max_seq_length} and {@code do_lower_case} are the
 * tokenizer's business ({@link dev.isthmus.formats.tokenizer.ModelTokenizer}).
 */
public final class SentenceTransformers {
    public static final String MODULES_FILE = "modules.json";
    static final String PREFIX = "sentence_transformers.models.";

    private SentenceTransformers() {
    }

    /** True when {@code dir} holds a {@code modules.json}. */
    public static boolean isDirectory(Path dir) {
        return dir != null && Files.exists(dir.resolve(MODULES_FILE));
    }

    /** One entry of modules.json: its name, folder (relative to the model directory) and short type. */
    record Module(String name, Path dir, String type) {
    }

    /** The modules after the Transformer, checked: known types, folders inside the model directory. */
    static List<Module> modules(Path dir) {
        Path file = dir.resolve(MODULES_FILE);
        List<Object> list;
        try {
            dev.isthmus.formats.RegularFiles.require(file);
            Object v = Json.parse(Files.readString(file));
            if (!(v instanceof List<?> l)) throw new ModelFormatException(file.toString(), null, "st-modules", "expected a JSON array of modules");
            @SuppressWarnings("unchecked") List<Object> objects = (List<Object>) l;
            list = objects;
        } catch (IOException e) {
            throw new ModelFormatException(file.toString(), null, "io", "cannot read: " + ModelLoader.describe(e), e);
        } catch (JsonException e) {
            throw new ModelFormatException(file.toString(), null, "st-modules", "not valid JSON: " + e.getMessage(), e);
        }
        List<Module> modules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("type") instanceof String type) || !(m.get("path") instanceof String path)) {
                throw new ModelFormatException(file.toString(), null, "st-modules", "module " + i + ": expected an object with \"type\" and \"path\" strings");
            }
            String name = m.get("name") instanceof String s ? s : String.valueOf(i);
            String shortType = type.startsWith(PREFIX) ? type.substring(PREFIX.length()) : type;
            Path folder = dir.resolve(path).normalize();
            if (!folder.startsWith(dir.normalize())) {
                throw new ModelFormatException(file.toString(), null, "st-modules", "module " + i + ": path '" + path + "' leaves the model directory");
            }
            if (i == 0) {
                if (!shortType.equals("Transformer") || !folder.equals(dir.normalize())) {
                    throw new ModelFormatException(file.toString(), null, "st-modules", "module 0 must be the Transformer at the"
                            + " directory's root, found " + type + " at '" + path + "'");
                }
                continue;
            }
            if (!List.of("Pooling", "Dense", "Normalize").contains(shortType)) {
                throw new ModelFormatException(file.toString(), null, "st-modules", "module " + i + ": type '" + type
                        + "' is not supported (supported after the Transformer: Pooling, Dense, Normalize)");
            }
            if (!name.matches("[A-Za-z0-9_]+")) {
                throw new ModelFormatException(file.toString(), null, "st-modules", "module " + i + ": name '" + name + "' is not a plain name");
            }
            modules.add(new Module(name, folder, shortType));
        }
        if (modules.stream().noneMatch(m -> m.type().equals("Pooling"))) {
            throw new ModelFormatException(file.toString(), null, "st-modules", "no Pooling module: nothing makes one vector of a text");
        }
        return modules;
    }

    /** The spec: the base model of the root checkpoint, then the modules. */
    public static ModelSpec spec(Path dir, HfConfig config, Set<String> tensorNames) {
        HfModels.Base base = HfModels.base(config, tensorNames);
        SpecBuilder b = base.builder();
        String x = null;
        int width = base.width();
        for (Module m : modules(dir)) {
            switch (m.type()) {
                case "Pooling" -> {
                    if (x != null) throw new ModelFormatException(dir.resolve(MODULES_FILE).toString(), null, "st-modules", "a second Pooling module");
                    Pooling p = Pooling.read(m.dir().resolve("config.json"), base.width());
                    x = p.lower(b, base.lastHidden(), m.name());
                    width = p.width();
                }
                case "Dense" -> {
                    if (x == null) throw new ModelFormatException(dir.resolve(MODULES_FILE).toString(), null, "st-modules", "Dense before Pooling");
                    Dense d = Dense.read(m.dir().resolve("config.json"));
                    if (d.in() != width) {
                        throw new ModelFormatException(m.dir().resolve("config.json").toString(), null, "st-config",
                                "in_features is " + d.in() + ", and the vectors before it have " + width + " values");
                    }
                    x = d.lower(b, x, m.name());
                    width = d.out();
                }
                case "Normalize" -> {
                    if (x == null) throw new ModelFormatException(dir.resolve(MODULES_FILE).toString(), null, "st-modules", "Normalize before Pooling");
                    x = normalize(b, x, m.name());
                }
                default -> throw new IllegalStateException(m.type());
            }
        }
        String embedding = b.fn("clone", List.of(x), "sentence_embedding");
        String tokens = b.fn("clone", List.of(base.lastHidden()), "token_embeddings");
        return b.build(List.of(embedding, tokens), List.of(), HfModels.extras(config, "SentenceTransformer(" + base.architecture() + ")"));
    }

    /** F.normalize(x, p=2, dim=1): x / max(‖x‖₂, 1e-12). */
    private static String normalize(SpecBuilder b, String x, String module) {
        String sq = b.fn("mul", List.of(x, x), module + ".squares");
        String sum = b.fn("sum", List.of(sq), module + ".sum", "dim", 1, "keepdim", true);
        String norm = b.fn("sqrt", List.of(sum), module + ".norm");
        String safe = b.fn("clamp", List.of(norm), module + ".norm_clamped", "min", 1e-12);
        return b.fn("div", List.of(x, safe), module + ".normalized");
    }

    /** The root checkpoint's tensors, and the Dense modules' read into memory under their module's name. */
    public static WeightSource weights(Path dir, WeightSource root) {
        Map<String, Tensor> extra = new LinkedHashMap<>();
        for (Module m : modules(dir)) if (m.type().equals("Dense")) extra.putAll(Dense.tensors(m));
        if (extra.isEmpty()) return root;
        Set<String> names = new LinkedHashSet<>(root.names());
        names.addAll(extra.keySet());
        return new WeightSource() {
            @Override
            public Tensor get(String name) {
                Tensor t = extra.get(name);
                return t != null ? t : root.get(name);
            }

            @Override
            public Set<String> names() {
                return names;
            }

            @Override
            public String source() {
                return root.source();
            }

            @Override
            public void releasePages() {
                root.releasePages();
            }
        };
    }

    /** An integer from 1 to 2^20 at {@code key} of a module's config. */
    static int positive(HfConfig c, String key) {
        int v = c.integer(key, 0);
        if (v <= 0 || v > 1 << 20) throw c.error("st-config", "\"" + key + "\" must be an integer from 1 to " + (1 << 20) + ", found " + v);
        return v;
    }

    /** The Pooling module: which reductions of the token embeddings, side by side. */
    record Pooling(boolean cls, boolean max, boolean mean, boolean meanSqrtLen, int dim) {
        static Pooling read(Path file, int hidden) {
            HfConfig c = HfConfig.read(file);
            for (String unsupported : List.of("pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken")) {
                if (c.bool(unsupported, false)) {
                    throw c.error("st-config", "\"" + unsupported + "\" is not supported (supported: pooling_mode_cls_token,"
                            + " pooling_mode_max_tokens, pooling_mode_mean_tokens, pooling_mode_mean_sqrt_len_tokens)");
                }
            }
            int dim = positive(c, "word_embedding_dimension");
            if (dim != hidden) {
                throw c.error("st-config", "word_embedding_dimension is " + dim + ", and the Transformer's hidden size is " + hidden);
            }
            Pooling p = new Pooling(c.bool("pooling_mode_cls_token", false), c.bool("pooling_mode_max_tokens", false),
                    c.bool("pooling_mode_mean_tokens", false), c.bool("pooling_mode_mean_sqrt_len_tokens", false), dim);
            if (!p.cls && !p.max && !p.mean && !p.meanSqrtLen) throw c.error("st-config", "no pooling mode is on");
            return p;
        }

        int width() {
            return dim * ((cls ? 1 : 0) + (max ? 1 : 0) + (mean ? 1 : 0) + (meanSqrtLen ? 1 : 0));
        }

        /** Appends the pooling; returns the (batch, width) result's name. */
        String lower(SpecBuilder b, String h, String module) {
            String m = module + ".";
            String mask = b.fn("float", List.of(b.fn("unsqueeze", List.of("attention_mask"), m + "mask", "dim", -1)), m + "mask_float");
            List<String> parts = new ArrayList<>();
            if (cls) {
                parts.add(b.node("getitem", null, List.of(h), m + "cls", SpecBuilder.args("index",
                        List.of(SpecBuilder.slice(null, null, null), 0))));
            }
            if (max) {
                // padded tokens at -1e9, as sentence-transformers sets them, then the maximum over the sequence
                String kept = b.fn("mul", List.of(h, mask), m + "max_kept");
                String off = b.fn("mul", List.of(b.fn("rsub", List.of(mask), m + "max_padding", "other", 1.0)), m + "max_offset", "other", -1e9);
                parts.add(b.fn("amax", List.of(b.fn("add", List.of(kept, off), m + "max_masked")), m + "max", "dim", 1));
            }
            if (mean || meanSqrtLen) {
                String sum = b.fn("sum", List.of(b.fn("mul", List.of(h, mask), m + "masked")), m + "sum", "dim", 1);
                String count = b.fn("clamp", List.of(b.fn("sum", List.of(mask), m + "count_raw", "dim", 1)), m + "count", "min", 1e-9);
                if (mean) parts.add(b.fn("div", List.of(sum, count), m + "mean"));
                if (meanSqrtLen) parts.add(b.fn("div", List.of(sum, b.fn("sqrt", List.of(count), m + "sqrt_count")), m + "mean_sqrt_len"));
            }
            return parts.size() == 1 ? parts.get(0) : b.fn("cat", parts, m + "pooled", "dim", 1);
        }
    }

    /** The Dense module: Linear(in, out, bias) then an activation. */
    record Dense(int in, int out, boolean bias, String activation) {
        static final Map<String, String> ACTIVATIONS = Map.of("torch.nn.modules.activation.Tanh", "tanh",
                "torch.nn.modules.linear.Identity", "", "torch.nn.modules.activation.ReLU", "relu",
                "torch.nn.modules.activation.Sigmoid", "sigmoid", "torch.nn.modules.activation.GELU", "gelu");

        static Dense read(Path file) {
            HfConfig c = HfConfig.read(file);
            String act = c.string("activation_function", "torch.nn.modules.activation.Tanh");
            String fn = ACTIVATIONS.get(act);
            if (fn == null) {
                throw c.error("st-config", "activation_function " + act + " is not supported (supported: "
                        + String.join(", ", new java.util.TreeSet<>(ACTIVATIONS.keySet())) + ")");
            }
            return new Dense(positive(c, "in_features"), positive(c, "out_features"), c.bool("bias", true), fn);
        }

        String lower(SpecBuilder b, String x, String module) {
            String y = b.module("Linear", module + ".linear", x, module + ".linear", "in_features", in, "out_features", out, "bias", bias);
            return activation.isEmpty() ? y : b.fn(activation, List.of(y), module + "." + activation);
        }

        /** The module's {@code linear.*} tensors, copied into memory under the module's name. */
        static Map<String, Tensor> tensors(Module m) {
            Path file = m.dir().resolve(ModelLoader.WEIGHTS_FILE);
            if (!Files.exists(file)) {
                throw new ModelFormatException(file.toString(), null, "st-weights", "missing: a Dense module's weights are read from"
                        + " model.safetensors (a pytorch_model.bin is not read)");
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (SafetensorsFile f = ModelLoader.openWeights(file)) {
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    out.put(m.name() + "." + name, Tensor.ofFloats(t.toFloatArray(), t.shape()));
                }
            }
            return out;
        }
    }
}
