package dev.isthmus.engine.kernels;

import dev.isthmus.engine.parallel.ComputePool;

/** A Linear layer's product with its weights prepared at load: y = act(x·Wᵀ + bias + residual). */
public interface LinearKernel {
    /**
     * Rows of x at {@code xOff + i·ldx} (in floats each) into rows of y at {@code yOff + i·ldy} (out floats each);
     * {@code residual} (may be null) has y's layout at {@code resOff} with row stride {@code ldr} and may be y itself.
     */
    void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
             ComputePool pool);

    /** Bytes held: the weights as the kernel keeps them (packed panels, or the plain matrix). */
    long heldBytes();
}
