package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.RecurrentKernel;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.parallel.ComputePool;

/**
 * A recurrent layer (one or both directions) with W_ih and W_hh kept int8 or bf16 ({@link NarrowMatrix}) and
 * widened in registers by {@link NarrowProducts}: the GRU ({@link NarrowGruKernel}), the LSTM ({@link NarrowLstmKernel},
 * with or without a projection) and the RNN ({@link NarrowRnnKernel}) differ only in their gate math ({@link #step}).
 *
 * <p>The input projections of every step and both directions are one product (W_ih of the directions stacked; widened
 * once per call when there are enough rows, {@link NarrowLinearKernel#product}), with the cell's input bias — or,
 * when a backend makes them (oneDNN's int8 matmul on int8 weights), one {@link LinearKernel} per direction. Each
 * step is then a matrix-vector product over the narrow W_hh per batch row — the memory-bound case these kernels are
 * for — followed by the gate math. The products split over the pool on blocks of outputs when they are big enough,
 * so results do not depend on the thread count.
 */
abstract class NarrowRecurrentKernel implements RecurrentKernel {
    private static final Scratch GI = new Scratch(), GH = new Scratch();

    /** {@code width}: the hidden state's width (the projection's for an LSTM with one, else {@code hidden}). */
    final int in, hidden, width, dirs, gates;
    /** W_ih of the directions stacked: (dirs·G·H × in); null when {@link #inputProducts} make the projections. */
    private final NarrowProducts wih;
    /** Per direction, x ↦ W_ih x + the input bias (G·H values), made by a backend; or null. */
    private final LinearKernel[] inputProducts;
    private final NarrowProducts[] whh;
    /** Added to every row of the input projections (dirs·G·H), or null. */
    private final float[] inputBias;

    /**
     * @param gates     gates per hidden unit (GRU 3, LSTM 4, RNN 1): W_ih of each direction is (G·H × in), W_hh (G·H × H)
     * @param inputBias added to the input projections (dirs·G·H), or null
     */
    NarrowRecurrentKernel(String cell, int gates, int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[] inputBias) {
        this(cell, gates, in, hidden, hidden, dirs, wih, null, whh, inputBias);
    }

    /** With a hidden state of {@code width} values (an LSTM's projection): W_hh of each direction is (G·H × width). */
    NarrowRecurrentKernel(String cell, int gates, int in, int hidden, int width, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh,
                          float[] inputBias) {
        this(cell, gates, in, hidden, width, dirs, wih, null, whh, inputBias);
    }

    /** The same with the input projections (bias included) made by {@code inputProducts}, one per direction. */
    NarrowRecurrentKernel(String cell, int gates, int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh) {
        this(cell, gates, in, hidden, hidden, dirs, null, inputProducts, whh, null);
    }

    private NarrowRecurrentKernel(String cell, int gates, int in, int hidden, int width, int dirs, NarrowMatrix[] wih,
                                  LinearKernel[] inputProducts, NarrowMatrix[] whh, float[] inputBias) {
        if (dirs != 1 && dirs != 2) throw new IllegalArgumentException("dirs must be 1 or 2");
        if (inputProducts != null && inputProducts.length != dirs) {
            throw new IllegalArgumentException(cell + ": " + inputProducts.length + " input products for " + dirs + " directions");
        }
        int g = gates * hidden;
        for (int d = 0; d < dirs; d++) {
            if ((wih != null && (wih[d].rows() != g || wih[d].cols() != in)) || whh[d].rows() != g || whh[d].cols() != width) {
                throw new IllegalArgumentException(cell + " weights " + (wih == null ? "" : wih[d] + ", ") + whh[d] + " for input " + in
                        + ", hidden " + hidden);
            }
        }
        this.in = in;
        this.hidden = hidden;
        this.width = width;
        this.dirs = dirs;
        this.gates = gates;
        this.wih = wih == null ? null : new NarrowProducts(dirs == 1 ? wih[0] : NarrowMatrix.stack(wih[0], wih[1]));
        this.inputProducts = inputProducts == null ? null : inputProducts.clone();
        this.whh = new NarrowProducts[dirs];
        for (int d = 0; d < dirs; d++) this.whh[d] = NarrowProducts.forSteps(whh[d]);
        for (int d = 0; d < dirs; d++) { // packed: the mapped pages are not read again
            if (wih != null) wih[d].releasePages();
            whh[d].releasePages();
        }
        this.inputBias = inputBias;
    }

    /** The biases of the directions one after another (dirs·n), summed over {@code parts}; null when all are null. */
    static float[] stackedBias(int dirs, int n, float[][]... parts) {
        float[] b = null;
        for (int d = 0; d < dirs; d++) {
            for (float[][] part : parts) {
                if (part == null || part[d] == null) continue;
                if (b == null) b = new float[dirs * n];
                Elementwise.addInPlace(b, d * n, part[d], 0, n);
            }
        }
        return b;
    }

    @Override
    public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out, int outOff,
                        ComputePool pool) {
        int g = gates * hidden, gw = dirs * g, rows = steps * batch;
        float[] gi = GI.floats(rows * gw);
        if (inputProducts != null) {
            for (int d = 0; d < dirs; d++) inputProducts[d].run(x, xOff, in, rows, gi, d * g, gw, null, 0, 0, pool);
        } else {
            NarrowLinearKernel.product(wih, x, xOff, in, rows, gi, 0, gw, pool);
            if (inputBias != null) {
                for (int i = 0; i < rows; i++) Elementwise.addInPlace(gi, i * gw, inputBias, 0, gw);
            }
        }
        float[] gh = GH.floats(batch * g);
        int ow = dirs * width;
        for (int d = 0; d < dirs; d++) {
            NarrowProducts w = whh[d];
            int hd = hOff + d * batch * width, cd = cOff + d * batch * hidden;
            for (int s = 0; s < steps; s++) {
                int t = d == 1 ? steps - 1 - s : s;
                w.multiply(h, hd, width, batch, gh, 0, g, pool);
                for (int b = 0; b < batch; b++) {
                    int ho = hd + b * width;
                    step(d, gi, (t * batch + b) * gw + d * g, gh, b * g, h, ho, c, cd + b * hidden);
                    System.arraycopy(h, ho, out, outOff + (t * batch + b) * ow + d * width, width);
                }
            }
        }
    }

    /**
     * One batch row's step in direction {@code dir}: from its input projections (with the input bias) at
     * {@code gi[giOff …]} and W_hh·h at {@code gh[ghOff …]} (G·H values each, which it may overwrite), the new hidden
     * state ({@link #width} values) into {@code h[ho …]} and, for a cell with one, the new cell state into {@code c[co …]}.
     */
    abstract void step(int dir, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int ho, float[] c, int co);

    /** Bytes held beyond the packed weights and the input bias (e.g. the GRU's b_hh). */
    long otherBytes() {
        return 0;
    }

    @Override
    public long heldBytes() {
        long b = (wih == null ? 0 : wih.heldBytes()) + (inputBias == null ? 0 : 4L * inputBias.length) + otherBytes();
        if (inputProducts != null) for (LinearKernel p : inputProducts) b += p.heldBytes();
        for (NarrowProducts w : whh) b += w.heldBytes();
        return b;
    }
}
