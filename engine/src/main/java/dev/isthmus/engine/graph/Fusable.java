package dev.isthmus.engine.graph;

/**
 * A layer that can absorb the layer that follows it when that one reads nothing else: an activation into a GEMM
 * epilogue, a BatchNorm folded into a convolution's weights. Done once at load; the absorbed node then becomes a
 * view that shares the producer's memory.
 */
public interface Fusable {
    /** Absorbs {@code next} if it can; true when it did (the model then skips {@code next}). */
    boolean fuse(Layer next);
}
