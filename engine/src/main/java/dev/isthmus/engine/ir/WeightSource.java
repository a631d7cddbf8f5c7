package dev.isthmus.engine.ir;

import dev.isthmus.engine.tensor.Tensor;

import java.util.Set;

/** Named weight tensors, e.g. an open safetensors file. */
public interface WeightSource {
    /** The tensor with this state-dict name, or null. */
    Tensor get(String name);

    /** Every name. */
    Set<String> names();

    /** Where the weights come from, for messages. */
    String source();
}
