package dev.isthmus.engine.kernels.vector;

import java.lang.foreign.MemorySegment;
import dev.isthmus.engine.tensor.Tensor;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Broadcast;
import dev.isthmus.engine.kernels.ConvGeometry;
import dev.isthmus.engine.kernels.ConvKernel;
import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.KernelWarmup;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.RecurrentKernel;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.Unary;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;

/**
 * The Vector API kernels as a {@link KernelProvider}, at the width {@link Species} fixes for this JVM. Every op has a
 * vector kernel; where part of an op stays scalar (general adaptive pooling windows, POW with a general exponent) the
 * method says so.
 */
public final class VectorKernels implements KernelProvider {
    public VectorKernels() {
    }

    @Override
    public String name() {
        return "vector " + Species.F.vectorBitSize() + "-bit";
    }

    /** The Vector API kernels on tiny shapes, every path and variant (see {@link VectorWarmup}). */
    @Override
    public KernelWarmup.Warmer warmer() {
        return new VectorWarmup(this);
    }

    @Override
    public LinearKernel linear(float[] weight, float[] bias, int out, int in, Activation act) {
        return packedLinear(PackedMatrix.forB(weight, out, in), bias, act);
    }

    /** Packs straight from the tensor (see {@link PackedMatrix#forB(Tensor, int, int)}). */
    @Override
    public LinearKernel linear(Tensor weight, float[] bias, int out, int in, Activation act) {
        return packedLinear(PackedMatrix.forB(weight, out, in), bias, act);
    }

    /** A Linear over a packed F32 weight: {@link PackedGemm} with the bias, activation and residual in its epilogue. */
    static LinearKernel packedLinear(PackedMatrix packed, float[] bias, Activation act) {
        Epilogue withAct = Epilogue.of(bias, act);
        // the residual array is given per call; this one only marks the order: act(x·Wᵀ + bias + residual)
        Epilogue residualFirst = Epilogue.of(bias, act).withResidualBeforeActivation(new float[1], 0, 0);
        long bytes = 4L * (packed.footprint() + (bias == null ? 0 : bias.length));
        return new LinearKernel() {
            @Override
            public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                            ComputePool pool) {
                if (residual == null) PackedGemm.multiply(x, xOff, ldx, rows, packed, y, yOff, ldy, withAct, pool);
                else PackedGemm.multiply(x, xOff, ldx, rows, packed, y, yOff, ldy, residualFirst, residual, resOff, ldr, pool);
            }

            @Override
            public long heldBytes() {
                return bytes;
            }
        };
    }

    /** The weight stays int8 or bf16 and is widened in registers (see {@link NarrowProducts}). */
    @Override
    public LinearKernel linear(NarrowMatrix weight, float[] bias, Activation act) {
        return new NarrowLinearKernel(weight, bias, act);
    }

    /** W_ih and W_hh stay int8 or bf16 and are widened in registers (see {@link NarrowGruKernel}). */
    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        return new NarrowGruKernel(in, hidden, dirs, wih, whh, bih, bhh);
    }

    /** W_ih and W_hh stay int8 or bf16 and are widened in registers (see {@link NarrowLstmKernel}). */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        return new NarrowLstmKernel(in, hidden, dirs, wih, whh, bih, bhh);
    }

    /** W_ih, W_hh and W_hr stay int8 or bf16 and are widened in registers (see {@link NarrowLstmKernel}). */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int proj, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih,
                                float[][] bhh, NarrowMatrix[] whr) {
        return new NarrowLstmKernel(in, hidden, proj, dirs, wih, whh, bih, bhh, whr);
    }

    /** W_ih and W_hh stay int8 or bf16 and are widened in registers (see {@link NarrowRnnKernel}). */
    @Override
    public RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih,
                               float[][] bhh) {
        return new NarrowRnnKernel(in, hidden, dirs, relu, wih, whh, bih, bhh);
    }

    /** W_hh stays int8 or bf16; the input projections come from {@code inputProducts} (see {@link NarrowGruKernel}). */
    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh, float[][] bhh) {
        return new NarrowGruKernel(in, hidden, dirs, inputProducts, whh, bhh);
    }

    /** W_hh stays int8 or bf16; the input projections come from {@code inputProducts} (see {@link NarrowLstmKernel}). */
    @Override
    public RecurrentKernel lstm(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh) {
        return new NarrowLstmKernel(in, hidden, dirs, inputProducts, whh);
    }

    /** A GRU's forward: a hidden state and no cell state. */
    private interface HiddenOnly {
        void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] out, int outOff, ComputePool pool);
    }

    /** The recurrent kernel of a GRU, which ignores the cell-state arguments. */
    private static RecurrentKernel withoutCell(HiddenOnly k, java.util.function.LongSupplier held) {
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                k.forward(x, xOff, steps, batch, h, hOff, out, outOff, pool);
            }

            @Override
            public long heldBytes() {
                return held.getAsLong();
            }
        };
    }

    @Override
    public ConvKernel conv2d(ConvGeometry g, float[] weight, float[] bias) {
        return conv2d(g, () -> weight, bias);
    }

    /** Each path's packed form is built from {@code weights} when a call first takes it (see {@link Conv2dKernel}). */
    @Override
    public ConvKernel conv2d(ConvGeometry g, java.util.function.Supplier<float[]> weights, float[] bias) {
        Conv2dKernel k = new Conv2dKernel(weights, bias, g.cin(), g.cout(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(),
                g.padLeft(), g.dilationH(), g.dilationW(), g.groups(), null);
        return new ConvKernel() {
            @Override
            public void run(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                            boolean maxPool2, float[] residual, int resOff, ComputePool pool) {
                k.forward(x, xOff, n, h, w, y, yOff, oh, ow, act, maxPool2, residual, resOff, pool);
            }

            @Override
            public long heldBytes() {
                return k.footprint();
            }

            @Override
            public String describe(int h, int w, int oh, int ow) {
                return k.path(w, oh, ow).name().toLowerCase(java.util.Locale.ROOT);
            }
        };
    }

    @Override
    public RecurrentKernel gru(int in, int hidden, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        GruKernel k = new GruKernel(in, hidden, dirs, wih, whh, bih, bhh);
        return withoutCell(k::forward, k::footprint);
    }

    @Override
    public RecurrentKernel lstm(int in, int hidden, int proj, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh,
                                float[][] whr) {
        LstmKernel k = new LstmKernel(in, hidden, proj, dirs, wih, whh, bih, bhh, whr);
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                k.forward(x, xOff, steps, batch, h, hOff, c, cOff, out, outOff, pool);
            }

            @Override
            public long heldBytes() {
                return k.heldBytes();
            }
        };
    }

    @Override
    public RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, float[][] wih, float[][] whh, float[][] bih, float[][] bhh) {
        RnnKernel k = new RnnKernel(in, hidden, dirs, relu, wih, whh, bih, bhh);
        return new RecurrentKernel() {
            @Override
            public void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out,
                                int outOff, ComputePool pool) {
                k.forward(x, xOff, steps, batch, h, hOff, null, 0, out, outOff, pool);
            }

            @Override
            public long heldBytes() {
                return k.heldBytes();
            }
        };
    }

    @Override
    public EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act, float[] inW,
                                           float[] inB, float[] outW, float[] outB, float[] w1, float[] b1, float[] w2, float[] b2,
                                           float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        return encoderLayer(new EncoderKernel(d, heads, ff, normFirst, eps, act, inW, inB, outW, outB, w1, b1, w2, b2, n1g, n1b, n2g, n2b));
    }

    /** Packs the four matrices straight from the tensors (see {@link PackedMatrix#forB(Tensor, int, int)}). */
    @Override
    public EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act, Tensor inW,
                                           float[] inB, Tensor outW, float[] outB, Tensor w1, float[] b1, Tensor w2, float[] b2,
                                           float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        EncoderKernel.checkSizes(d, heads, ff);
        return encoderLayer(new EncoderKernel(d, heads, ff, normFirst, eps, act, PackedMatrix.forB(inW, 3 * d, d), inB,
                PackedMatrix.forB(outW, d, d), outB, PackedMatrix.forB(w1, ff, d), b1, PackedMatrix.forB(w2, d, ff), b2, n1g, n1b, n2g, n2b));
    }

    @Override
    public EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, LinearKernel inProj, LinearKernel outProj,
                                           LinearKernel ff1, LinearKernel ff2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        return encoderLayer(new EncoderKernel(d, heads, ff, normFirst, eps, inProj, outProj, ff1, ff2, n1g, n1b, n2g, n2b));
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

    private static EncoderLayerKernel encoderLayer(EncoderKernel k) {
        return new EncoderLayerKernel() {
            @Override
            public void apply(float[] x, int xOff, float[] y, int yOff, int batch, int seq, float[] keyBias, int kbOff, ComputePool pool) {
                k.apply(x, xOff, y, yOff, batch, seq, keyBias, kbOff, pool);
            }

            @Override
            public long heldBytes() {
                return k.footprint();
            }
        };
    }

    @Override
    public void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff, int ldc,
                       int m, int n, int k) {
        MatmulKernel.multiply(a, aOff, lda, b, bOff, ldb, transB, c, cOff, ldc, m, n, k);
    }

    @Override
    public void attention(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                          float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                          int keyBiasOff, boolean causal) {
        AttentionKernel.attend(q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, oOff, oStride, sq, sk, headDim, scale,
                keyBias, keyBiasOff, causal);
    }

    @Override
    public void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, double eps,
                          ComputePool pool) {
        NormKernels.layerNorm(x, xOff, y, yOff, rows, d, gamma, beta, eps, pool);
    }

    @Override
    public void batchNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, float[] mean, float[] var,
                          float[] gamma, float[] beta, double eps, ComputePool pool) {
        NormKernels.batchNorm(x, xOff, y, yOff, n, c, spatial, mean, var, gamma, beta, eps, pool);
    }

    @Override
    public void groupNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, int groups, float[] gamma,
                          float[] beta, double eps, ComputePool pool) {
        NormKernels.groupNorm(x, xOff, y, yOff, n, c, spatial, groups, gamma, beta, eps, pool);
    }

    @Override
    public void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, boolean log, ComputePool pool) {
        NormKernels.softmax(x, xOff, y, yOff, outer, d, inner, log, pool);
    }

    @Override
    public void maxPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                          int dw, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        Pool2dKernel.max(x, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, y, yOff, oh, ow, pool);
    }

    @Override
    public void avgPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          boolean countIncludePad, int divisorOverride, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        Pool2dKernel.avg(x, xOff, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride, y, yOff, oh, ow, pool);
    }

    /** A global average (1 × 1) is vectorised; other adaptive windows run the reference's loops, over the pool. */
    @Override
    public void adaptiveAvgPool2d(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff, int oh, int ow, ComputePool pool) {
        AdaptivePool2dKernel.avg(x, xOff, planes, h, w, y, yOff, oh, ow, pool);
    }

    @Override
    public void activation(Activation act, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        Elementwise.activation(act, x, xOff, y, yOff, n, pool);
    }

    /** Vectorised per op (see {@link UnaryKernels}); POW with an exponent other than 0, ½, 1, 2, 3 or −1 runs Math.pow. */
    @Override
    public void unary(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool) {
        UnaryKernels.apply(op, p, q, x, xOff, y, yOff, n, pool);
    }

    @Override
    public void binary(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast shape, Activation act,
                       ComputePool pool) {
        Elementwise.binary(op, a, aOff, b, bOff, y, yOff, shape, act, pool);
    }

    /** The width this provider runs at, in bits. */
    public static int bits() {
        return Simd.enabled() ? Simd.bits() : Species.F.vectorBitSize();
    }
}
