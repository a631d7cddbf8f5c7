package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.Layer;

import java.util.List;

/**
 * A layer computed by oneDNN. Like every {@link Layer} it is safe to run from many threads at once; it also owns
 * native memory, freed by {@link #close()} (or by closing the {@link OneDnnBackend} that built it).
 */
public interface OneDnnLayer extends Layer, AutoCloseable {
    /**
     * Builds the primitives for inputs of these shapes now rather than at the first run, and reorders the weights
     * into the layout they want. A {@code -1} (unknown) dimension is taken as 1. Optional: {@link #forward} does the
     * same on first use of a shape.
     */
    void prepare(List<long[]> inputShapes);

    /** The name oneDNN gives the implementation it chose for the last shape prepared or run, e.g. {@code brg_conv_fwd:avx2}. */
    String implementation();

    /** Frees the layer's native memory; a forward still running on another thread finishes first. Idempotent. */
    @Override
    void close();
}
