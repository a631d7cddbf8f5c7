package dev.isthmus.engine.spec;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.Map;

/**
 * A model input: its name, shape ({@code -1} = free, e.g. batch or sequence length) and dtype. {@code extras} keeps
 * the other keys of the spec's input object (such as {@code image}) for the layers that read files.
 */
public record InputSpec(String name, long[] shape, DType dtype, Map<String, Object> extras) {
    /** Extras key: the largest size of each dimension (a list, -1 or null = unbounded), checked on every run. */
    public static final String MAX_SHAPE = "max_shape";
    /** Extras key: the name of another input this one must have the shape of (an attention mask and its token ids). */
    public static final String SHAPE_OF = "shape_of";
    /** Extras key: why the sizes are bounded, for the message (e.g. {@code max_position_embeddings = 512}). */
    public static final String MAX_REASON = "max_shape_reason";

    public InputSpec {
        shape = shape.clone();
        extras = extras == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extras));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The shape without a copy; callers must not modify it. */
    public long[] shapeView() {
        return shape;
    }

    @Override
    public String toString() {
        return name + ": " + dtype + Shape.toString(shape);
    }
}
