package dev.isthmus.formats.hf;

import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.formats.ModelFormat;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.safetensors.SafetensorsFile;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Hugging Face directory ({@code config.json} + {@code model.safetensors}), lowered by {@link HfModels}; with a
 * {@code modules.json}, a sentence-transformers model ({@link SentenceTransformers}).
 */
public final class HuggingFaceFormat implements ModelFormat {
    @Override
    public String name() {
        return "huggingface";
    }

    @Override
    public boolean reads(ModelLoader.Location loc) {
        return HfModels.isConfig(loc.specFile());
    }

    @Override
    public ModelSpec spec(ModelLoader.Location loc, SafetensorsFile file) {
        HfConfig config = HfConfig.read(loc.specFile());
        checkLayerCount(config, file.names().size());
        Path dir = loc.specFile().toAbsolutePath().getParent();
        if (SentenceTransformers.isDirectory(dir)) return SentenceTransformers.spec(dir, config, new LinkedHashSet<>(file.names()));
        return HfModels.spec(config, new LinkedHashSet<>(file.names()));
    }

    /**
     * Weights of one encoder layer of every family lowered here (BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ELECTRA, ALBERT):
     * four attention projections, two dense layers, two LayerNorms.
     */
    static final int TENSORS_PER_LAYER = 16;

    /**
     * The config is bounded by what the weights file holds, not by what it claims: {@code num_hidden_layers}
     * 1,000,000 built a spec of millions of nodes for 105 s, then ran out of memory. Checked before any spec is built.
     * ALBERT's layers share their weights: the file bounds its distinct layers ({@code num_hidden_groups} ×
     * {@code inner_group_num}), and how many times they are applied is capped when its spec is built
     * ({@link HfModels#MAX_SHARED_LAYERS}).
     */
    static void checkLayerCount(HfConfig config, int tensors) {
        boolean albert = HfModels.architecture(config).startsWith("Albert");
        if (albert) {
            long distinct = (long) config.integer("num_hidden_groups", 1) * config.integer("inner_group_num", 1);
            if (distinct * TENSORS_PER_LAYER > tensors) {
                throw config.error("hf-config", "\"num_hidden_groups\" × \"inner_group_num\" is " + distinct
                        + ": that many distinct encoder layers need at least " + distinct * TENSORS_PER_LAYER
                        + " weight tensors, and the weights file holds " + tensors);
            }
            return;
        }
        for (String key : new String[]{"num_hidden_layers", "n_layers"}) {
            int layers = config.integer(key, 0);
            if ((long) layers * TENSORS_PER_LAYER > tensors) {
                throw config.error("hf-config", "\"" + key + "\" is " + layers + ": that many encoder layers need at least "
                        + (long) layers * TENSORS_PER_LAYER + " weight tensors, and the weights file holds " + tensors);
            }
        }
    }

    /** The file's tensors without those the architecture leaves unused ({@link HfModels#unused}: id buffers and the like). */
    @Override
    public WeightSource weights(ModelLoader.Location loc, SafetensorsFile file) {
        Set<String> all = new LinkedHashSet<>(file.names());
        Set<String> unused = HfModels.unused(HfConfig.read(loc.specFile()), all);
        Set<String> names = new LinkedHashSet<>();
        for (String n : all) if (!unused.contains(n)) names.add(n);
        WeightSource root = ModelLoader.weightSource(file, names);
        Path dir = loc.specFile().toAbsolutePath().getParent();
        return SentenceTransformers.isDirectory(dir) ? SentenceTransformers.weights(dir, root) : root;
    }
}
