package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.kernels.TransientFloats;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.ConvGeometry;
import dev.isthmus.engine.kernels.ConvKernel;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.Conv1d} and {@code torch.nn.Conv2d}: (N, C, L) / (N, C, H, W) or unbatched, zero padding given as
 * an int, a tuple, {@code "same"} or {@code "valid"}, stride, dilation, groups. A 1-D convolution runs as the 2-D one
 * with a kernel of height 1. Fusion passes give it an epilogue: an activation, a residual added before the activation
 * (its second input, of the result's shape), or a 2×2 max pooling of stride 2 ({@code MaxPool2d(2)}).
 */
public final class Conv implements Op {
    final int dims, cin, cout, groups;
    final int kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight;
    final Tensor weight, bias;
    /**
     * A folded BatchNorm's per-output-channel factor on the weights, applied when the weights are read for a kernel
     * ({@link #weightFloats()}), or null. The weights stay those of the file (mapped, not copied) until a kernel packs
     * them, so a model does not hold folded copies beside the packed ones.
     */
    final float[] scale;
    final Activation act;
    final boolean maxPool2, residual;

    private Conv(int dims, int cin, int cout, int groups, int kh, int kw, int sh, int sw, int dh, int dw, int padTop, int padBottom,
                 int padLeft, int padRight, Tensor weight, float[] scale, Tensor bias, Activation act, boolean maxPool2, boolean residual) {
        this.dims = dims;
        this.cin = cin;
        this.cout = cout;
        this.groups = groups;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.dh = dh;
        this.dw = dw;
        this.padTop = padTop;
        this.padBottom = padBottom;
        this.padLeft = padLeft;
        this.padRight = padRight;
        this.weight = weight;
        this.scale = scale;
        this.bias = bias;
        this.act = act;
        this.maxPool2 = maxPool2;
        this.residual = residual;
    }

    /** Reads {@code Conv1d} ({@code dims} 1) or {@code Conv2d} arguments and binds the weights. */
    public static Conv create(int dims, OpArgs a, Weights w) {
        int cin = a.requiredInt("in_channels");
        int cout = a.requiredInt("out_channels");
        int[] kernel = a.tuple("kernel_size", null, dims);
        if (kernel == null) throw new IllegalArgumentException("missing required argument 'kernel_size'");
        int[] stride = a.tuple("stride", ones(dims), dims);
        int[] dilation = a.tuple("dilation", ones(dims), dims);
        int groups = a.integer("groups", 1);
        boolean hasBias = a.bool("bias", true);
        String mode = a.string("padding_mode", "zeros");
        a.ignore("device", "dtype");
        if (!mode.equals("zeros")) throw new IllegalArgumentException("padding_mode '" + mode + "' is not supported (only 'zeros')");
        if (cin <= 0 || cout <= 0) throw new IllegalArgumentException("in_channels and out_channels must be positive");
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException("groups = " + groups + " must divide in_channels = " + cin + " and out_channels = " + cout);
        }
        for (int i = 0; i < dims; i++) {
            if (kernel[i] <= 0 || stride[i] <= 0 || dilation[i] <= 0) throw new IllegalArgumentException("kernel_size, stride and dilation must be positive");
        }
        int[] before = new int[dims], after = new int[dims];
        Object p = a.raw("padding");
        if (p instanceof String s) {
            if (s.equals("same")) {
                for (int i = 0; i < dims; i++) {
                    if (stride[i] != 1) throw new IllegalArgumentException("padding='same' is not supported for strided convolutions (as in PyTorch)");
                    int total = dilation[i] * (kernel[i] - 1);
                    before[i] = total / 2;
                    after[i] = total - total / 2;
                }
            } else if (!s.equals("valid")) {
                throw new IllegalArgumentException("argument 'padding' must be an int, a tuple, 'same' or 'valid', got '" + s + "'");
            }
        } else {
            int[] pad = a.tuple("padding", new int[dims], dims);
            for (int i = 0; i < dims; i++) {
                if (pad[i] < 0) throw new IllegalArgumentException("padding must be non-negative");
                before[i] = after[i] = pad[i];
            }
        }
        long[] wShape = dims == 1 ? new long[]{cout, cin / groups, kernel[0]} : new long[]{cout, cin / groups, kernel[0], kernel[1]};
        Tensor weight = w.require(a, "weight", wShape);
        Tensor bias = hasBias ? w.require(a, "bias", cout) : null;
        int k = dims - 1;
        return new Conv(dims, cin, cout, groups, dims == 1 ? 1 : kernel[0], kernel[k], dims == 1 ? 1 : stride[0], stride[k],
                dims == 1 ? 1 : dilation[0], dilation[k], dims == 1 ? 0 : before[0], dims == 1 ? 0 : after[0], before[k], after[k],
                weight, null, bias, Activation.NONE, false, false);
    }

    private static int[] ones(int n) {
        int[] o = new int[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Override
    public String name() {
        return dims == 1 ? "Conv1d" : "Conv2d";
    }

    public Activation activation() {
        return act;
    }

    public boolean hasResidual() {
        return residual;
    }

    public boolean hasMaxPool2() {
        return maxPool2;
    }

    public int outChannels() {
        return cout;
    }

    /** 1 for Conv1d (a 2-D convolution of height 1), 2 for Conv2d. */
    public int dims() {
        return dims;
    }

    /** The kernel geometry (a 1-D convolution as 2-D with kh = 1); the trailing padding is {@link #padBottom()}, {@link #padRight()}. */
    public ConvGeometry geometry() {
        return new ConvGeometry(cin, cout, kh, kw, sh, sw, padTop, padLeft, dh, dw, groups);
    }

    public int padBottom() {
        return padBottom;
    }

    public int padRight() {
        return padRight;
    }

    /**
     * The weights (cout, cin/groups, kh, kw), with any folded BatchNorm applied: a copy the caller may keep or pack
     * (a mapped file's pages are dropped again once read; a kernel may ask again when it packs another form).
     */
    public float[] weightFloats() {
        if (scale == null) return Params.floatsReleasing(weight);
        float[] w = weight.toFloatArray(); // always a copy: it is scaled in place
        weight.releasePages();
        foldScale(w, w.length);
        return w;
    }

    /** Multiplies each output channel's weights among {@code w[0, n)} by its folded BatchNorm scale. */
    private void foldScale(float[] w, int n) {
        int per = n / cout;
        for (int oc = 0; oc < cout; oc++) {
            float f = scale[oc];
            for (int i = oc * per, e = i + per; i < e; i++) w[i] *= f;
        }
    }

    /** Where {@link #transientWeights()} puts the weights: one array per thread, reused from layer to layer. */
    private static final TransientFloats WEIGHTS = new TransientFloats();

    /**
     * {@link #weightFloats()} in the calling thread's transient array ({@link TransientFloats}): valid until the next
     * call on this thread, possibly longer than the weights; for a kernel that packs them and keeps no reference.
     */
    public float[] transientWeights() {
        int n = Math.toIntExact(weight.numel());
        float[] w = WEIGHTS.get(n);
        weight.copyFloatsTo(w);
        weight.releasePages();
        if (scale != null) foldScale(w, n);
        return w;
    }

    /** The bias, or null. */
    public float[] biasFloats() {
        return Params.floats(bias);
    }

    /** The same convolution with {@code a} applied to its result. */
    public Conv withActivation(Activation a) {
        return new Conv(dims, cin, cout, groups, kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight, weight, scale, bias, a,
                maxPool2, residual);
    }

    /** The same with a 2×2 / stride 2 max pooling of its result (only 2-D, before any residual). */
    public Conv withMaxPool2() {
        return new Conv(dims, cin, cout, groups, kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight, weight, scale, bias, act,
                true, residual);
    }

    /** The same adding a second input, of the result's shape, before the activation. */
    public Conv withResidual() {
        return new Conv(dims, cin, cout, groups, kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight, weight, scale, bias, act,
                maxPool2, true);
    }

    /**
     * The same followed by an eval-mode BatchNorm with these statistics, folded into the weights:
     * w·γ/√(σ²+ε) and (b − μ)·γ/√(σ²+ε) + β (γ, β may be null).
     */
    public Conv withBatchNorm(float[] mean, float[] var, float[] gamma, float[] beta, double eps) {
        float[] b0 = Params.floats(bias);
        float[] ns = new float[cout];
        float[] nb = new float[cout];
        for (int oc = 0; oc < cout; oc++) {
            double f = (gamma == null ? 1.0 : gamma[oc]) / Math.sqrt(var[oc] + eps);
            // a second fold multiplies the first one's factor: the weights are still read once, at compile
            ns[oc] = (float) ((scale == null ? 1.0 : scale[oc]) * f);
            nb[oc] = (float) (((b0 == null ? 0.0 : b0[oc]) - mean[oc]) * f + (beta == null ? 0.0 : beta[oc]));
        }
        return new Conv(dims, cin, cout, groups, kh, kw, sh, sw, dh, dw, padTop, padBottom, padLeft, padRight,
                weight, ns, Tensor.ofFloats(nb, cout), act, maxPool2, residual);
    }

    private long outDim(long in, int k, int s, int d, int before, int after) {
        if (in < 0) return -1;
        long o = Math.floorDiv(in + before + after - (long) d * (k - 1) - 1, s) + 1;
        if (o <= 0) {
            throw new IllegalArgumentException("input size " + in + " is smaller than the (dilated) kernel " + (d * (k - 1) + 1)
                    + " after padding");
        }
        return o;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, residual ? 2 : 1);
        if (residual && in.size() != 2) throw new IllegalArgumentException("the fused residual is missing");
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.rank(s, dims + 1, dims + 2);
        int c = s.length - dims - 1;
        ShapeRules.dim(s, c, cin, "in_channels");
        long[] o = s.clone();
        o[c] = cout;
        if (dims == 2) o[c + 1] = outDim(s[c + 1], kh, sh, dh, padTop, padBottom);
        o[o.length - 1] = outDim(s[s.length - 1], kw, sw, dw, padLeft, padRight);
        if (maxPool2) {
            for (int k = o.length - 2; k < o.length; k++) o[k] = o[k] < 0 ? -1 : o[k] / 2;
        }
        if (residual) {
            long[] r = ShapeRules.floats(in, 1).dims();
            if (r.length != o.length) throw new IllegalArgumentException("the residual " + Shape.toString(r) + " does not match " + Shape.toString(o));
        }
        return List.of(ValueType.f32(o));
    }

    /** The result may be written over the residual (each element is read before its own result is written). */
    @Override
    public boolean mayOverwrite(int i) {
        return residual && i == 1;
    }

    @Override
    public long paramBytes() {
        return Params.bytes(weight, bias);
    }

    @Override
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(cin).append("→").append(cout).append(", kernel ").append(dims == 1 ? "" + kw : kh + "×" + kw);
        if (sh != 1 || sw != 1) b.append(", stride ").append(dims == 1 ? "" + sw : sh + "×" + sw);
        if (groups != 1) b.append(", groups ").append(groups);
        String narrow = Params.narrowNote(weight);
        if (!narrow.isEmpty()) b.append(narrow).append(" (widened to F32 at load)");
        java.util.List<String> epilogue = new java.util.ArrayList<>();
        if (residual) epilogue.add("residual");
        if (act != Activation.NONE) epilogue.add(act.name().toLowerCase(java.util.Locale.ROOT));
        if (maxPool2) epilogue.add("max_pool2d(2)");
        if (!epilogue.isEmpty()) b.append(" + ").append(String.join(", ", epilogue));
        return b.toString();
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        // the weights as a supplier: a kernel that packs a form later reads them again (from the mapped file, the fold
        // applied) instead of holding an unpacked copy, into a transient array it must not keep
        ConvKernel k = kernels.conv2d(new ConvGeometry(cin, cout, kh, kw, sh, sw, padTop, padLeft, dh, dw, groups),
                this::transientWeights, Params.floats(bias));
        return new Executable() {
            @Override
            public void run(Frame f) {
                long[] s = f.inShape[0];
                int c = s.length - dims - 1;
                int n = c == 1 ? (int) s[0] : 1;
                int h = dims == 2 ? (int) s[c + 1] : 1, w = (int) s[s.length - 1];
                int oh = dims == 2 ? (int) outDim(h, kh, sh, dh, padTop, padBottom) : 1;
                int ow = (int) outDim(w, kw, sw, dw, padLeft, padRight);
                k.run(f.buf, f.in[0], n, h, w, f.buf, f.out[0], oh, ow, act, maxPool2, residual ? f.buf : null,
                        residual ? f.in[1] : 0, f.pool);
            }

            @Override
            public long heldBytes() {
                return k.heldBytes();
            }
        };
    }
}
