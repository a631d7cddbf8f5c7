package dev.isthmus.formats;

import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.formats.safetensors.SafetensorsFile;

/**
 * A way a model is laid out on disk, lowered into the general graph: given where its files are, the spec (in the
 * graph's own {@code isthmus/2} terms) and the weights as the spec names them. {@link ModelLoader} asks each format in
 * turn; a new frontend is a new implementation and a line in {@link ModelLoader#FORMATS}.
 */
public interface ModelFormat {
    /** A short name for messages, e.g. {@code huggingface}. */
    String name();

    /** True when this format reads the model {@code loc} points to. */
    boolean reads(ModelLoader.Location loc);

    /** The model's spec. */
    ModelSpec spec(ModelLoader.Location loc, SafetensorsFile weights);

    /** The weights as the spec names them (by default every tensor of the file). */
    default WeightSource weights(ModelLoader.Location loc, SafetensorsFile file) {
        return ModelLoader.weightSource(file);
    }
}
