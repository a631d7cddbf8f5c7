package dev.isthmus.engine.kernels;

import dev.isthmus.engine.parallel.ComputePool;

/** A 2-D convolution with its weights prepared at load (see {@link ConvGeometry}). */
public interface ConvKernel {
    /**
     * y (n, cout, oh, ow) = act(conv(x (n, cin, h, w)) + bias + residual); oh and ow (which imply the trailing padding)
     * are the caller's. With {@code maxPool2} y is (n, cout, oh/2, ow/2): act(max over 2×2 windows of conv + bias)
     * (no residual then). {@code residual} (may be null) has y's shape at {@code resOff} and may be y itself.
     */
    void run(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act, boolean maxPool2,
             float[] residual, int resOff, ComputePool pool);

    /** Bytes held: packed weight copies and tables. */
    long heldBytes();

    /** A word on how it computes (e.g. the convolution path), for {@code --verbose}; may be empty. */
    default String describe(int h, int w, int oh, int ow) {
        return "";
    }
}
