package dev.isthmus.formats.hf;

import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.formats.ModelFormat;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.safetensors.SafetensorsFile;

import java.util.LinkedHashSet;
import java.util.Set;

/** A Hugging Face directory ({@code config.json} + {@code model.safetensors}), lowered by {@link HfModels}. */
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
        return HfModels.spec(loc.specFile(), new LinkedHashSet<>(file.names()));
    }

    /** The file's tensors without the id buffers HF saves beside the weights. */
    @Override
    public WeightSource weights(ModelLoader.Location loc, SafetensorsFile file) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : file.names()) if (!HfModels.isBuffer(n)) names.add(n);
        return ModelLoader.weightSource(file, names);
    }
}
