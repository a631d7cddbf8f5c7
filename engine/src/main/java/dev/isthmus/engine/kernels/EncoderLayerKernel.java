package dev.isthmus.engine.kernels;

import dev.isthmus.engine.parallel.ComputePool;

/** A Transformer encoder layer with its weights prepared at load (see {@link KernelProvider#encoderLayer}). */
public interface EncoderLayerKernel {
    /**
     * x (batch·seq rows of d, batch-major) at xOff → y at yOff (must not overlap x); keyBias (may be null) an additive bias
     * per (b·seq + key) at kbOff: 0 keeps a key, −∞ or a very negative value drops it.
     */
    void apply(float[] x, int xOff, float[] y, int yOff, int batch, int seq, float[] keyBias, int kbOff, ComputePool pool);

    long heldBytes();
}
