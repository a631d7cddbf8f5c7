package dev.isthmus.engine.kernels;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.tensor.Tensor;

/**
 * The kernels every op runs on, chosen once per JVM: the Vector API kernels when the vector module is there and C2
 * compiles them (see {@link Simd}), otherwise the scalar reference kernels, which are also the oracle the vector ones
 * are tested against. Ops never ask which one they have; tests hold both in one JVM and compare them.
 *
 * <p>Buffers are float arrays with offsets (a plan's buffer, or the caller's arrays); tensors are dense, row-major,
 * NCHW for images. Kernels split work over {@code pool} (never null; one thread runs everything inline) on output
 * blocks only, so results never depend on the thread count, and allocate nothing in steady state.
 */
public interface KernelProvider {
    /** {@code reference}, or {@code vector N-bit}. */
    String name();

    /** The provider this JVM uses: chosen once, from {@link Simd}. */
    static KernelProvider get() {
        return Providers.DEFAULT;
    }

    /** The scalar reference kernels. */
    static KernelProvider reference() {
        return Providers.reference();
    }

    /** The Vector API kernels at this JVM's width; throws when the vector module is not usable here. */
    static KernelProvider vector() {
        return Providers.vector();
    }

    // ---- products with weights prepared once -----------------------------------------------------------------

    /** {@code torch.nn.Linear}: y (rows × out) = act(x (rows × in) · Wᵀ + bias + residual), W (out × in) as stored. */
    LinearKernel linear(float[] weight, float[] bias, int out, int in, Activation act);

    /** A 2-D convolution (NCHW, zero padding) with its weights (cout, cin/groups, kh, kw) prepared at load. */
    ConvKernel conv2d(ConvGeometry g, float[] weight, float[] bias);

    /**
     * {@link #conv2d(ConvGeometry, float[], float[])} with the weights given by {@code weights}, which a provider may
     * call again when it builds a form of the layer later (e.g. the path a call first takes), so that it holds no
     * unpacked copy meanwhile. What the supplier returns is transient ({@link TransientFloats}: valid until its next
     * call on the thread, possibly longer than the weights): a kernel keeps only what it packs from it. Default: one
     * copy of exactly the weights, for {@link #conv2d(ConvGeometry, float[], float[])}.
     */
    default ConvKernel conv2d(ConvGeometry g, java.util.function.Supplier<float[]> weights, float[] bias) {
        return conv2d(g, java.util.Arrays.copyOf(weights.get(), g.cout() * g.depth()), bias);
    }

    /** One layer of {@code torch.nn.GRU} (both directions when {@code dirs} = 2): per direction (3H, in), (3H, H), (3H). */
    RecurrentKernel gru(int in, int hidden, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh);

    /**
     * One layer of {@code torch.nn.LSTM}: per direction W_ih (4H, in), W_hh (4H, P), biases (4H), and with
     * {@code proj} > 0 W_hr (P, H) (P = proj, else H).
     */
    RecurrentKernel lstm(int in, int hidden, int proj, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh,
                         float[][] whr);

    /** One layer of {@code torch.nn.RNN} (tanh, or ReLU when {@code relu}): per direction (H, in), (H, H), (H). */
    RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, float[][] wih, float[][] whh, float[][] bih, float[][] bhh);

    /** A {@code torch.nn.TransformerEncoderLayer} (post-LN, or pre-LN with {@code normFirst}) with its weights prepared. */
    EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act,
                                    float[] inW, float[] inB, float[] outW, float[] outB, float[] w1, float[] b1,
                                    float[] w2, float[] b2, float[] n1g, float[] n1b, float[] n2g, float[] n2b);

    /**
     * {@link #encoderLayer(int, int, int, boolean, double, Activation, float[], float[], float[], float[], float[],
     * float[], float[], float[], float[], float[], float[], float[])} with the four weight matrices as tensors (a
     * mapped file's, read in place): a provider that packs them reads them once and never holds a float copy.
     */
    default EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, Activation act,
                                            Tensor inW, float[] inB, Tensor outW, float[] outB, Tensor w1, float[] b1,
                                            Tensor w2, float[] b2, float[] n1g, float[] n1b, float[] n2g, float[] n2b) {
        return encoderLayer(d, heads, ff, normFirst, eps, act, inW.readFloats(), inB, outW.readFloats(), outB, w1.readFloats(), b1,
                w2.readFloats(), b2, n1g, n1b, n2g, n2b);
    }

    /**
     * {@link #linear(float[], float[], int, int, Activation)} with the weight as a tensor (a mapped file's, read in
     * place): a provider that packs it reads it once and never holds a float copy.
     */
    default LinearKernel linear(Tensor weight, float[] bias, int out, int in, Activation act) {
        return linear(weight.readFloats(), bias, out, in, act);
    }

    /**
     * An encoder layer (as {@link #encoderLayer(int, int, int, boolean, double, Activation, float[], float[], float[],
     * float[], float[], float[], float[], float[], float[], float[], float[], float[])}) whose four products are given:
     * {@code inProj} (d → 3d, Q | K | V), {@code outProj} (d → d; called with the residual), {@code ff1} (d → ff, with
     * the layer's activation) and {@code ff2} (ff → d; called with the residual). Used where another engine runs the
     * products (oneDNN's int8 matmul) and these kernels the attention and the LayerNorms.
     */
    EncoderLayerKernel encoderLayer(int d, int heads, int ff, boolean normFirst, double eps, LinearKernel inProj, LinearKernel outProj,
                                    LinearKernel ff1, LinearKernel ff2, float[] n1g, float[] n1b, float[] n2g, float[] n2b);

    // ---- dynamic int8 quantization of activations (for int8 × int8 products run elsewhere) ----------------------

    /**
     * Quantizes each of {@code rows} rows of {@code cols} floats (row i at {@code x[xOff + i·ldx]}) to int8 with a scale
     * of its own, symmetric: m = max |x|, scale = m / 127, q = x·(127 / m) rounded half away from zero (in float
     * arithmetic: v + (v &lt; 0 ? −0.5 : 0.5), then truncated). A row whose m is below 1e-30 gets scale 0 and q = 0.
     * Writes q row-major (rows × cols bytes) to {@code q} and the scales to {@code scales[0 … rows)}.
     */
    void quantizeRows(float[] x, int xOff, int ldx, int rows, int cols, java.lang.foreign.MemorySegment q, float[] scales);

    /**
     * The epilogue of a product of int8 rows: y (rows × n, row stride {@code ldy}) = act(acc·rowScale + bias + residual)
     * computed as float operations in that order, where {@code acc} holds rows × n floats (row-major) already scaled per
     * column (by the weights' scales), {@code bias} (may be null) one per column and {@code residual} (may be null; may
     * be y itself) y's layout at {@code resOff} with row stride {@code ldr}.
     */
    void dequantizeRows(java.lang.foreign.MemorySegment acc, int rows, int n, float[] rowScales, float[] bias, Activation act,
                        float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr);

    // ---- weight-only kernels: weights held in 1 or 2 bytes, widened to F32 as they are read ------------------------

    /**
     * {@code torch.nn.Linear} with its weight (out × in) kept narrow ({@link NarrowMatrix}: int8 with a scale per
     * output, or bf16) and widened in registers: y = act(x·Wᵀ + bias + residual), W the widened weight. Its results
     * match {@link #linear(float[], float[], int, int, Activation)} over {@link NarrowMatrix#toFloats()} within float
     * rounding.
     */
    LinearKernel linear(NarrowMatrix weight, float[] bias, Activation act);

    /**
     * {@link #gru(int, int, int, float[][], float[][], float[][], float[][])} with W_ih (3H × in) and W_hh (3H × H) of
     * each direction kept narrow and widened in registers.
     */
    RecurrentKernel gru(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh);

    /**
     * {@link #lstm(int, int, int, int, float[][], float[][], float[][], float[][], float[][])} without a projection,
     * with W_ih (4H × in) and W_hh (4H × H) of each direction kept narrow and widened in registers.
     */
    RecurrentKernel lstm(int in, int hidden, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh);

    /**
     * {@link #lstm(int, int, int, int, float[][], float[][], float[][], float[][], float[][])} with a projection of
     * {@code proj} outputs, W_ih (4H × in), W_hh (4H × P) and W_hr (P × H) of each direction kept narrow.
     */
    RecurrentKernel lstm(int in, int hidden, int proj, int dirs, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh,
                         NarrowMatrix[] whr);

    /**
     * {@link #rnn(int, int, int, boolean, float[][], float[][], float[][], float[][])} with W_ih (H × in) and W_hh
     * (H × H) of each direction kept narrow.
     */
    RecurrentKernel rnn(int in, int hidden, int dirs, boolean relu, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh);

    /**
     * The narrow GRU with its input projections made elsewhere (a backend's int8 matmul): {@code inputProducts[d]} maps
     * rows of {@code in} inputs to W_ih x + b_ih of direction d (3H values, no activation). W_hh and b_hh as in
     * {@link #gru(int, int, int, NarrowMatrix[], NarrowMatrix[], float[][], float[][])}.
     */
    RecurrentKernel gru(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh, float[][] bhh);

    /**
     * The narrow LSTM (no projection) with its input projections made elsewhere: {@code inputProducts[d]} maps rows of
     * {@code in} inputs to W_ih x + b_ih + b_hh of direction d (4H values: both biases, which the LSTM only adds).
     */
    RecurrentKernel lstm(int in, int hidden, int dirs, LinearKernel[] inputProducts, NarrowMatrix[] whh);

    /**
     * A fresh set of exercises that gets this provider's kernels compiled (see {@link KernelWarmup}), or null when
     * there is nothing to warm (the scalar reference compiles quickly enough on its own).
     */
    default KernelWarmup.Warmer warmer() {
        return null;
    }

    // ---- products of activations ------------------------------------------------------------------------------

    /**
     * c (m × n, row stride ldc) = a (m × k, row stride lda) · b, where b is (k × n) with row stride ldb, or with
     * {@code transB} (n × k) with row stride ldb. One matrix; batched products call it per batch.
     */
    void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, float[] c, int cOff, int ldc,
                int m, int n, int k);

    /**
     * Scaled dot-product attention of one head: out[i] = Σ_j softmax_j(q_i·k_j·scale + keyBias[j]) v_j, rows at
     * {@code off + i·stride}; keyBias (one per key) may be null; with {@code causal} query i sees keys j ≤ i.
     */
    void attention(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                   float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                   int keyBiasOff, boolean causal);

    // ---- normalisations ---------------------------------------------------------------------------------------

    /** LayerNorm over rows of d (gamma, beta may be null). y may be x. */
    void layerNorm(float[] x, int xOff, float[] y, int yOff, int rows, int d, float[] gamma, float[] beta, double eps,
                   ComputePool pool);

    /** Inference BatchNorm over (n, c, spatial) with per-channel statistics. y may be x. */
    void batchNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, float[] mean, float[] var,
                   float[] gamma, float[] beta, double eps, ComputePool pool);

    /** GroupNorm over (n, c, spatial): statistics per (image, group of c/groups channels); gamma, beta per channel. */
    void groupNorm(float[] x, int xOff, float[] y, int yOff, int n, int c, int spatial, int groups, float[] gamma,
                   float[] beta, double eps, ComputePool pool);

    /** Softmax (or log-softmax) along the middle axis of an (outer, d, inner) layout. y may be x. */
    void softmax(float[] x, int xOff, float[] y, int yOff, int outer, int d, int inner, boolean log, ComputePool pool);

    // ---- pooling (planes = n·c planes of h × w) ---------------------------------------------------------------

    void maxPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                   float[] y, int yOff, int oh, int ow, ComputePool pool);

    void avgPool2d(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                   boolean countIncludePad, int divisorOverride, float[] y, int yOff, int oh, int ow, ComputePool pool);

    void adaptiveAvgPool2d(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff, int oh, int ow, ComputePool pool);

    // ---- elementwise ------------------------------------------------------------------------------------------

    /** y[i] = act(x[i]), i < n; in place when y is x at the same offset. */
    void activation(Activation act, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool);

    /** y[i] = op(x[i]) with the op's parameters p, q (e.g. LeakyReLU's slope, clamp's bounds), i < n; in place allowed. */
    void unary(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n, ComputePool pool);

    /**
     * y = op(a, b) over a broadcast (see {@link Broadcast}), with the result then passed through {@code act}; y may be
     * a or b at the same offset when that operand has y's shape.
     */
    void binary(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast shape, Activation act,
                ComputePool pool);
}
