package dev.isthmus.engine.graph;

import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * A built node: a PyTorch module with its parameters bound. Layers are immutable after construction and safe to run
 * from many threads at once.
 */
public interface Layer {
    /**
     * The shapes of the results for inputs of these shapes; {@code -1} marks a dimension not known until run time.
     * Throws {@link IllegalArgumentException} saying which rule the inputs break.
     */
    List<long[]> outputShapes(List<long[]> inputShapes);

    /**
     * Computes the results. Inputs have passed {@link #outputShapes}'s checks at their concrete shapes. Work may be
     * split over {@code pool}, over output blocks only, so that results do not depend on its thread count.
     */
    List<Tensor> forward(List<Tensor> inputs, ComputePool pool);

    /** How many inputs the layer takes: at least {@link #minInputs()}, at most this. */
    default int maxInputs() {
        return 1;
    }

    default int minInputs() {
        return 1;
    }

    /**
     * True when the layer implements {@link #run(Frame)}: the planned path, which writes into buffers assigned by the
     * session's plan and allocates nothing.
     */
    default boolean isPlanned() {
        return false;
    }

    /** Floats of scratch space {@link #run(Frame)} needs for inputs of these (concrete) shapes. */
    default long scratchFloats(List<long[]> inputShapes) {
        return 0;
    }

    /** True when result 0 is input 0 under another shape (Flatten, Dropout): the plan gives both the same memory. */
    default boolean isView() {
        return false;
    }

    /** The planned forward pass: inputs and results are slices of {@code f.buf}. Must not allocate. */
    default void run(Frame f) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no planned path");
    }

    /**
     * Called once after load-time fusions: a layer whose fast kernel holds packed copies of its weights drops the
     * unpacked ones it kept for the reference path, so that weights are not held twice.
     */
    default void trim() {
    }

    /** Bytes of memory the layer holds beyond the mapped weights: converted copies and packed panels. */
    default long heldBytes() {
        return 0;
    }

    /** True when the first input holds integer ids (Embedding) rather than floats. */
    default boolean takesIntegerInput() {
        return false;
    }
}
