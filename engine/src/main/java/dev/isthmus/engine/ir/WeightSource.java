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

    /**
     * Drops from resident memory what reading the weights brought in (a mapped file's pages); every tensor stays
     * valid and is read again if touched. The model builder calls this after each layer has packed or copied its
     * weights, so the process does not hold the file and the packed copies at once. Default: nothing to drop.
     */
    default void releasePages() {
    }
}
