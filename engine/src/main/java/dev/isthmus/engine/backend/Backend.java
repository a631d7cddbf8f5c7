package dev.isthmus.engine.backend;

import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;

/**
 * A set of native or alternative implementations of some ops, opened for one model. When a model is built with a
 * backend, each node the backend {@link #supports} is built by it; the others use the Java kernels. The model
 * closes the backend with itself, which frees everything the backend holds for it.
 */
public interface Backend extends AutoCloseable {
    /** The backend's name, e.g. {@code onednn}. */
    String name();

    /** True when this backend implements the {@code torch.nn} op {@code op}. */
    boolean supports(String op);

    /**
     * Builds the layer for a node this backend supports. Argument problems are {@link IllegalArgumentException}s, as
     * for the Java layers; returning null leaves the node to the Java kernels (e.g. an argument combination the
     * backend does not handle).
     */
    Layer create(NodeArgs args, WeightBinder weights);

    /** Frees what the backend holds for its model. */
    @Override
    void close();
}
