package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;

/**
 * A Linear layer whose weight stays int8 or bf16 ({@link NarrowMatrix}), widened in registers by
 * {@link NarrowProducts} (packed into panels at load); then bias, residual and activation, as the reference: act(x·Wᵀ + bias + residual).
 * A call with {@link #WIDEN_ROWS} rows or more widens the weight once, a block of outputs at a time, into a per-thread
 * F32 scratch of 512 KB (shared by all layers) and runs the packed GEMM on each block while it is in L2: the widening
 * is then paid once per call instead of once per row, and never goes out to memory.
 */
final class NarrowLinearKernel implements LinearKernel {
    private final NarrowProducts w;
    private final float[] bias;
    private final Activation act;
    /** The product, when a residual (which may be y itself) is still to be read. */
    private static final Scratch PRODUCT = new Scratch();
    /** The weights widened to F32 panels for one call with many rows (per thread; reused by every layer). */
    private static final Scratch WIDENED = new Scratch();

    /**
     * Rows from which a call widens the weight to F32 panels once (block by block) and runs the packed GEMM
     * ({@code -Disthmus.narrow.widenRows}); below, each row widens the weights in registers as it goes. Measured here
     * (1 thread, the MNIST model's int8 9216 → 128 layer, ms row by row against widened): 8 rows 0.077 / 0.092, 12
     * rows 0.188 / 0.090, 16 rows 0.282 / 0.117; a MiniLM-size BERT on 128 tokens, whole model: int8 59.5 / 25.0,
     * bf16 49.8 / 25.4 (F32: 20.7).
     */
    static final int WIDEN_ROWS = Integer.getInteger("isthmus.narrow.widenRows", 10);

    /**
     * Weights from which a layer widens (smaller ones stay row by row: their widening buys little, e.g. a classifier
     * head of 10 outputs run on every step of a sequence).
     */
    static final long WIDEN_WEIGHTS = 1 << 14;

    /** F32 weights widened per block of outputs: 512 KB, so that a block is still in L2 when the GEMM reads it. */
    private static final int BLOCK_FLOATS = 1 << 17;

    /** Outputs per widened block for {@code in} inputs: whole panels of {@link Tiles#NR}, at least one. */
    static int blockOutputs(int in) {
        return Math.max(1, BLOCK_FLOATS / Math.max(in, 1) / Tiles.NR) * Tiles.NR;
    }

    NarrowLinearKernel(NarrowMatrix w, float[] bias, Activation act) {
        if (bias != null && bias.length != w.rows()) throw new IllegalArgumentException(bias.length + " biases for " + w.rows() + " outputs");
        this.w = new NarrowProducts(w); // packed into panels; the row-major matrix is not kept
        w.releasePages();
        this.bias = bias;
        this.act = act;
    }

    @Override
    public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                    ComputePool pool) {
        int out = w.rows();
        if (rows == 0 || out == 0) return;
        // the product goes to y, or first to a scratch array when a residual (which may be y itself) is still to be read
        float[] t = residual == null ? y : PRODUCT.floats(rows * out);
        int tOff = residual == null ? yOff : 0, ldt = residual == null ? ldy : out;
        product(w, x, xOff, ldx, rows, t, tOff, ldt, pool);
        Epilogue.apply(t, tOff, ldt, 0, rows, 0, out, bias, 0, false, act, residual, resOff, ldr, true);
        if (residual != null) for (int i = 0; i < rows; i++) System.arraycopy(t, i * out, y, yOff + i * ldy, out);
    }

    /**
     * y = x·Wᵀ for {@code rows} rows: with {@link #WIDEN_ROWS} rows or more (and a weight of {@link #WIDEN_WEIGHTS} or
     * more) the weight is widened once, a block of {@link #blockOutputs} outputs at a time, into the per-thread F32
     * scratch, and the packed GEMM runs on each block (x packed once for all); else each row widens the weights in
     * registers. Also the input projections of the weight-only GRU and LSTM ({@link NarrowRecurrentKernel}).
     */
    static void product(NarrowProducts w, float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, ComputePool pool) {
        int out = w.rows(), in = w.cols();
        if (rows >= WIDEN_ROWS && (long) out * in >= WIDEN_WEIGHTS) {
            int block = blockOutputs(in);
            float[] panels = WIDENED.floats(PackedMatrix.floats(Math.min(block, out), in, Tiles.NR));
            float[] packedX = PackedGemm.packRows(x, xOff, ldx, rows, in, pool); // once for all the blocks
            for (int o0 = 0; o0 < out; o0 += block) {
                int o1 = Math.min(out, o0 + block);
                w.widenPanels(panels, Tiles.NR, o0, o1);
                PackedGemm.multiplyByPanels(x, xOff, ldx, packedX, rows, panels, o1 - o0, in, y, yOff + o0, ldy, pool);
            }
        } else {
            w.multiply(x, xOff, ldx, rows, y, yOff, ldy, pool);
        }
    }

    @Override
    public long heldBytes() {
        return w.heldBytes() + (bias == null ? 0 : 4L * bias.length);
    }
}
