package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;

/**
 * A Linear layer whose weight stays int8 or bf16 ({@link NarrowMatrix}), widened in registers by
 * {@link NarrowProducts} (packed into panels at load); then bias, residual and activation, as the reference: act(x·Wᵀ + bias + residual).
 */
final class NarrowLinearKernel implements LinearKernel {
    private final NarrowProducts w;
    private final float[] bias;
    private final Activation act;
    /** The product, when a residual (which may be y itself) is still to be read. */
    private static final Scratch PRODUCT = new Scratch();

    NarrowLinearKernel(NarrowMatrix w, float[] bias, Activation act) {
        if (bias != null && bias.length != w.rows()) throw new IllegalArgumentException(bias.length + " biases for " + w.rows() + " outputs");
        this.w = new NarrowProducts(w); // packed into panels; the row-major matrix is not kept
        this.bias = bias;
        this.act = act;
    }

    @Override
    public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                    ComputePool pool) {
        int out = w.rows();
        if (rows == 0 || out == 0) return;
        if (residual == null) {
            w.multiply(x, xOff, ldx, rows, y, yOff, ldy, pool);
            Epilogue.apply(y, yOff, ldy, 0, rows, 0, out, bias, 0, false, act, null, 0, 0, false);
            return;
        }
        float[] t = PRODUCT.floats(rows * out);
        w.multiply(x, xOff, ldx, rows, t, 0, out, pool);
        Epilogue.apply(t, 0, out, 0, rows, 0, out, bias, 0, false, act, residual, resOff, ldr, true);
        for (int i = 0; i < rows; i++) System.arraycopy(t, i * out, y, yOff + i * ldy, out);
    }

    @Override
    public long heldBytes() {
        return w.heldBytes() + (bias == null ? 0 : 4L * bias.length);
    }
}
