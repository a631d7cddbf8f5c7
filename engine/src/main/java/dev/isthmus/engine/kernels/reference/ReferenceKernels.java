package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Broadcast;
import dev.isthmus.engine.kernels.ConvGeometry;
import dev.isthmus.engine.kernels.ConvKernel;
import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.RecurrentKernel;
import dev.isthmus.engine.kernels.Unary;

import java.lang.foreign.MemorySegment;

/**
 * The scalar reference kernels as a {@link KernelProvider}: plain loops that are obviously PyTorch's arithmetic, sums
 * in double. They run when SIMD is off and are the oracle the vector kernels are tested against. Single-threaded
 * (the pool is not used), so results never depend on it.
 */
public final class ReferenceKernels implements KernelProvider {
    public static final ReferenceKernels INSTANCE = new ReferenceKernels();

    private ReferenceKernels() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public LinearKernel linear(float[] weight, float[] bias, int out, int in, Activation act) {
        return new LinearKernel() {
            @Override
            public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                            ComputePool pool) {
                for (int i = 0; i < rows; i++) {
                    int xo = xOff + i * ldx, yo = yOff + i * ldy, ro = resOff + i * ldr;
                    for (int j = 0; j < out; j++) {
                        double s = bias == null ? 0.0 : bias[j];
                        for (int p = 0; p < in; p++) s += (double) x[xo + p] * weight[j * in + p];
                        float v = (float) s;
                        if (residual != null) v += residual[ro + j];
                        y[yo + j] = act.apply(v);
                    }
                }
            }

            @Override
            public long heldBytes() {
                return 4L * (weight.length + (bias == null ? 0 : bias.length));
            }
        };
    }

    /** The reference Linear's sums over each weight row widened as {@link NarrowMatrix#widenRow} widens it. */
    @Override
    public LinearKernel linear(NarrowMatrix weight, float[] bias, Activation act) {
        int out = weight.rows(), in = weight.cols();
        return new LinearKernel() {
            @Override
            public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                            ComputePool pool) {
                float[] w = new float[in];
                for (int j = 0; j < out; j++) {
                    weight.widenRow(j, w, 0);
                    for (int i = 0; i < rows; i++) {
                        int xo = xOff + i * ldx;
                        double s = bias == null ? 0.0 : bias[j];
                        for (int p = 0; p < in; p++) s += (double) x[xo + p] * w[p];
                        float v = (float) s;
                        if (residual != null) v += residual[resOff + i * ldr + j];
                        y[yOff + i * ldy + j] = act.apply(v);
                    }
                }
            }

            @Override
            public long heldBytes() {
                return weight.heldBytes() + (bias == null ? 0 : 4L * bias.length);
            }
        };
    }

    /** The reference GRU over the weights widened per call (the kernel holds them narrow). */
    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        return widened(wih, whh, bih, bhh, (wi, wh) -> gru(in, hidden, dirs, wi, wh, bih, bhh));
    }

    /** The reference LSTM over the widened weights. */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        return widened(wih, whh, bih, bhh, (wi, wh) -> lstm(in, hidden, 0, dirs, wi, wh, bih, bhh, null));
    }

    /** The reference LSTM with a projection over the widened weights (W_hr widened per call too). */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int proj, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih,
                                float[][] bhh, NarrowMatrix[] whr) {
        return widened(wih, whh, bih, bhh, whr, (wi, wh) -> {
            float[][] wr = new float[dirs][];
            for (int d = 0; d < dirs; d++) wr[d] = whr[d].toFloats();
            return lstm(in, hidden, proj, dirs, wi, wh, bih, bhh, wr);
        });
    }

    /** The reference RNN over the widened weights. */
    @Override
    public RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih,
                               float[][] bhh) {
        return widened(wih, whh, bih, bhh, (wi, wh) -> rnn(in, hidden, dirs, relu, wi, wh, bih, bhh));
    }

    /**
     * The reference GRU over input projections made by {@code inputProducts}: each direction's projections (with b_ih)
     * become the input of a GRU whose W_ih is the identity and b_ih zero, so the cell adds them exactly as they are.
     */
    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh, float[][] bhh) {
        int g = 3 * hidden;
        return projected(in, g, inputProducts, whh, bhh, (x, steps, batch, d, wh, h, hOff, c, cOff, out, outOff) -> {
            float[] hd = java.util.Arrays.copyOfRange(h, hOff + d * batch * hidden, hOff + (d + 1) * batch * hidden);
            Gru.layer(x, steps, batch, g, identity(g), wh, null, bhh == null ? null : bhh[d], hidden, d == 1, hd, out, dirs * hidden,
                    outOff + d * hidden);
            System.arraycopy(hd, 0, h, hOff + d * batch * hidden, batch * hidden);
        });
    }

    /** The reference LSTM over input projections (with both biases) made by {@code inputProducts}, as the GRU's above. */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh) {
        int g = 4 * hidden;
        return projected(in, g, inputProducts, whh, null, (x, steps, batch, d, wh, h, hOff, c, cOff, out, outOff) ->
                Recurrent.lstm(x, 0, steps, batch, g, identity(g), wh, null, null, null, hidden, hidden, d == 1, h,
                        hOff + d * batch * hidden, c, cOff + d * batch * hidden, out, outOff + d * hidden, dirs * hidden));
    }

    /** One direction of a recurrent layer over its input projections x (steps, batch, G) and its widened W_hh. */
    private interface ProjectedDirection {
        void run(float[] x, int steps, int batch, int dir, float[] whh, float[] h, int hOff, float[] c, int cOff, float[] out, int outOff);
    }

    /** A recurrent kernel whose directions run over the projections {@code inputProducts} make (G = {@code g} per row). */
    private static RecurrentKernel projected(int in, int g, LinearKernel[] inputProducts, NarrowMatrix[] whh, float[][] bhh,
                                             ProjectedDirection direction) {
        int dirs = inputProducts.length;
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                int rows = steps * batch;
                for (int d = 0; d < dirs; d++) {
                    float[] gi = new float[rows * g];
                    inputProducts[d].run(x, xOff, in, rows, gi, 0, g, null, 0, 0, pool);
                    direction.run(gi, steps, batch, d, whh[d].toFloats(), h, hOff, c, cOff, out, outOff);
                }
            }

            @Override
            public long heldBytes() {
                long b = bhh == null ? 0 : bytes(bhh);
                for (int d = 0; d < dirs; d++) b += inputProducts[d].heldBytes() + whh[d].heldBytes();
                return b;
            }
        };
    }

    /** The n × n identity matrix. */
    private static float[] identity(int n) {
        float[] e = new float[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1f;
        return e;
    }

    /** A recurrent kernel that runs {@code f32}'s kernel over the weights widened at each call (they stay narrow). */
    private static RecurrentKernel widened(NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh,
                                           java.util.function.BiFunction<float[][], float[][], RecurrentKernel> f32) {
        return widened(wih, whh, bih, bhh, new NarrowMatrix[0], f32);
    }

    /** The same with {@code more} narrow matrices that {@code f32} widens itself (an LSTM's W_hr), counted as held. */
    private static RecurrentKernel widened(NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh, NarrowMatrix[] more,
                                           java.util.function.BiFunction<float[][], float[][], RecurrentKernel> f32) {
        int dirs = wih.length;
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                float[][] wi = new float[dirs][], wh = new float[dirs][];
                for (int d = 0; d < dirs; d++) {
                    wi[d] = wih[d].toFloats();
                    wh[d] = whh[d].toFloats();
                }
                f32.apply(wi, wh).forward(x, xOff, steps, batch, h, hOff, c, cOff, out, outOff, pool);
            }

            @Override
            public long heldBytes() {
                long b = (bih == null ? 0 : bytes(bih)) + (bhh == null ? 0 : bytes(bhh));
                for (int d = 0; d < dirs; d++) b += wih[d].heldBytes() + whh[d].heldBytes();
                for (NarrowMatrix m : more) b += m.heldBytes();
                return b;
            }
        };
    }

    @Override
    public ConvKernel conv2d(ConvGeometry g, float[] weight, float[] bias) {
        return new ConvKernel() {
            @Override
            public void run(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                            boolean maxPool2, float[] residual, int resOff, ComputePool pool) {
                int outLen = n * g.cout() * oh * ow;
                float[] xs = java.util.Arrays.copyOfRange(x, xOff, xOff + n * g.cin() * h * w);
                float[] c = new float[outLen];
                Conv2d.forward(xs, n, g.cin(), h, w, weight, bias, g.cout(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                        g.padTop(), g.padLeft(), g.dilationH(), g.dilationW(), g.groups(), c, oh, ow, Activation.NONE);
                if (maxPool2) {
                    int ph = oh / 2, pw = ow / 2;
                    Pool2d.max(c, 0, n * g.cout(), oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, y, yOff, ph, pw);
                    for (int i = 0; i < n * g.cout() * ph * pw; i++) y[yOff + i] = act.apply(y[yOff + i]);
                    return;
                }
                for (int i = 0; i < outLen; i++) {
                    float v = c[i];
                    if (residual != null) v += residual[resOff + i];
                    y[yOff + i] = act.apply(v);
                }
            }

            @Override
            public long heldBytes() {
                return 4L * (weight.length + (bias == null ? 0 : bias.length));
            }
        };
    }

    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                float[] xs = java.util.Arrays.copyOfRange(x, xOff, xOff + steps * batch * in);
                float[] o = new float[steps * batch * dirs * hidden];
                for (int d = 0; d < dirs; d++) {
                    float[] hd = java.util.Arrays.copyOfRange(h, hOff + d * batch * hidden, hOff + (d + 1) * batch * hidden);
                    Gru.layer(xs, steps, batch, in, wih[d], whh[d], bih[d], bhh[d], hidden, d == 1, hd, o, dirs * hidden, d * hidden);
                    System.arraycopy(hd, 0, h, hOff + d * batch * hidden, batch * hidden);
                }
                System.arraycopy(o, 0, out, outOff, o.length);
            }

            @Override
            public long heldBytes() {
                return bytes(wih, whh, bih, bhh);
            }
        };
    }

    @Override
    public RecurrentKernel lstm(int in, int hidden, int proj, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh,
                                float[][] whr) {
        int p = proj > 0 ? proj : hidden;
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                for (int d = 0; d < dirs; d++) {
                    Recurrent.lstm(x, xOff, steps, batch, in, wih[d], whh[d], bih[d], bhh[d], whr == null ? null : whr[d], hidden, p,
                            d == 1, h, hOff + d * batch * p, c, cOff + d * batch * hidden, out, outOff + d * p, dirs * p);
                }
            }

            @Override
            public long heldBytes() {
                return bytes(wih, whh, bih, bhh) + (whr == null ? 0 : bytes(whr));
            }
        };
    }

    @Override
    public RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                for (int d = 0; d < dirs; d++) {
                    Recurrent.rnn(x, xOff, steps, batch, in, wih[d], whh[d], bih[d], bhh[d], hidden, relu, d == 1, h,
                            hOff + d * batch * hidden, out, outOff + d * hidden, dirs * hidden);
                }
            }

            @Override
            public long heldBytes() {
                return bytes(wih, whh, bih, bhh);
            }
        };
    }

    static long bytes(float[][]... groups) {
        long b = 0;
        for (float[][] g : groups) if (g != null) for (float[] a : g) b += a == null ? 0 : 4L * a.length;
        return b;
    }

    @Override
    public EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act, float[] inW,
                                           float[] inB, float[] outW, float[] outB, float[] w1, float[] b1, float[] w2, float[] b2,
                                           float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        return new EncoderLayer(d, heads, ff, normFirst, eps, linear(inW, inB, 3 * d, d, Activation.NONE), linear(outW, outB, d, d, Activation.NONE),
                linear(w1, b1, ff, d, act), linear(w2, b2, d, ff, Activation.NONE), n1g, n1b, n2g, n2b);
    }

    @Override
    public EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, LinearKernel inProj, LinearKernel outProj,
                                           LinearKernel ff1, LinearKernel ff2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        return new EncoderLayer(d, heads, ff, normFirst, eps, inProj, outProj, ff1, ff2, n1g, n1b, n2g, n2b);
    }

    @Override
    public void quantizeRows(float[] x, int xOff, int ldx, int rows, int cols, MemorySegment q, float[] scales) {
        Int8Rows.quantizeRows(x, xOff, ldx, rows, cols, q, scales);
    }

    @Override
    public void dequantizeRows(MemorySegment acc, int rows, int n, float[] rowScales, float[] bias, Activation act, float[] y, int yOff,
                               int ldy, float[] residual, int resOff, int ldr) {
        Int8Rows.dequantizeRows(acc, rows, n, rowScales, bias, act, y, yOff, ldy, residual, resOff, ldr);
    }

    @Override
    public void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff, int ldc,
                       int m, int n, int k) {
        Gemm.matmul(a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, m, n, k);
    }

    @Override
    public void attention(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                          float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                          int keyBiasOff, boolean causal) {
        Attention.forward(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, oOff, oStride, sq, sk, headDim, scale,
                keyBias, keyBiasOff, causal);
    }

    @Override
    public void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, double eps,
                          ComputePool pool) {
        Norms.layerNorm(x, xOff, y, yOff, rows, d, gamma, beta, eps);
    }

    @Override
    public void batchNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, float[] mean, float[] var,
                          float[] gamma, float[] beta, double eps, ComputePool pool) {
        Norms.batchNorm(x, xOff, y, yOff, n, c, spatial, mean, var, gamma, beta, eps);
    }

    @Override
    public void groupNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, int groups, float[] gamma,
                          float[] beta, double eps, ComputePool pool) {
        Norms.groupNorm(x, xOff, y, yOff, n, c, spatial, groups, gamma, beta, eps);
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, boolean log, ComputePool pool) {
        Norms.softmax(x, xOff, y, yOff, outer, d, inner, log);
    }

    @Override
    public void maxPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                          int dw, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        Pool2d.max(x, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, y, yOff, oh, ow);
    }

    @Override
    public void avgPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          boolean countIncludePad, int divisorOverride, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        Pool2d.avg(x, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride, y, yOff, oh, ow);
    }

    @Override
    public void adaptiveAvgPool2d(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        Pool2d.adaptiveAvg(x, xOff, planes, h, w, y, yOff, oh, ow);
    }

    @Override
    public void activation(Activation act, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        Elementwise.activation(act, x, xOff, y, yOff, n);
    }

    @Override
    public void unary(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        Elementwise.unary(op, p, q, x, xOff, y, yOff, n);
    }

    @Override
    public void binary(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast shape, Activation act,
                       ComputePool pool) {
        Elementwise.binary(op, a, aOff, b, bOff, y, yOff, shape, act);
    }
}
