package dev.isthmus.engine.kernels.vector.conv;

import java.util.function.Supplier;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.Pool2dKernel;
import dev.isthmus.engine.kernels.vector.Species;
import dev.isthmus.engine.kernels.vector.VectorMath;

/**
 * A 2-D convolution (NCHW, as {@code torch.nn.Conv2d}: zero padding, stride, dilation, groups) with its weights packed
 * once at load. Five paths ({@link Path}), one class each; {@link #path} says which one a call takes and
 * {@link ConvPaths} holds the rules.
 *
 * <ul>
 * <li>{@link Path#CHANNELS} and {@link Path#PIXELS} ({@link DirectConv}): ungrouped convolutions directly on a
 * zero-padded copy of the image, as register tiles of output pixels × output channels that accumulate broadcasts ×
 * vectors tap by tap: no im2col, nothing packed per call. CHANNELS takes vectors over output channels and transposes
 * the tiles into y's channel rows; PIXELS takes vectors over output pixels and needs no transpose. The two read the
 * same packed weights and sum every output in the same order (their results are bitwise equal), so each call takes
 * whichever does less work for its shape.</li>
 * <li>{@link Path#GEMM} ({@link Im2colConv}): grouped convolutions that are not depthwise, and pointwise ones (1×1,
 * stride 1 or subsampled, no padding) except expansions on small images ({@link ConvPaths#pointwisePath}); im2col
 * (for a pointwise convolution a copy of whole pixel runs) straight into the GEMM's panels, the weights as its
 * packed left operand.</li>
 * <li>{@link Path#DEPTHWISE} ({@link DepthwiseConv}): depthwise convolutions (groups = cin > 1, with or without a
 * channel multiplier).</li>
 * <li>{@link Path#WINOGRAD} ({@link WinogradConv}): 3×3 kernels with stride 1, dilation 1 and groups 1 (picked when
 * cin ≥ 32, cout ≥ 32 and the output is at least 4×4; can be forced on any such shape): Winograd's F(2×2, 3×3), 16
 * multiply-adds per tile, input and output channel where the direct paths do 36. Float rounding differs from the
 * direct paths (within 1e-4 of them).</li>
 * </ul>
 * Every path can add a residual before the activation in the same pass (ResNet's and MobileNet's skip connections),
 * and can pool (MaxPool2d(2)) its output. Every path splits its work into tasks with disjoint outputs, each output
 * summed in a fixed order, so the result does not depend on the thread count. Nothing is allocated per call in
 * steady state: the work buffers are per-thread scratch.
 */
public final class Conv2dKernel {
    private static final int L = Species.L;

    /** How a convolution is computed (see the class comment). */
    public enum Path {
        /** Direct: register tiles of output pixels × vectors of output channels, transposed into y. */
        CHANNELS,
        /** Direct: register tiles of output channels × vectors of output pixels. */
        PIXELS,
        /** im2col panels and the packed GEMM. */
        GEMM,
        /** Direct, per input channel (groups = cin). */
        DEPTHWISE,
        /** Winograd F(2×2, 3×3): 3×3, stride 1, dilation 1, groups 1; 16 GEMMs on transformed tiles. */
        WINOGRAD
    }

    private final int cin, cout;
    /**
     * A 1×1 kernel with a stride and no padding: each call first takes every sh-th row and sw-th column of the input
     * ({@link #subsample}) and the algorithms below run the stride-1 convolution on that (ResNet's downsampling
     * shortcuts). The strided forms read 4× the input for nothing (phase planes of every phase, or strided im2col
     * one float at a time) and their per-pixel bookkeeping is that of the full image.
     */
    private final int subSh, subSw;
    /** The path, or null: CHANNELS, PIXELS or WINOGRAD, whichever {@link ConvPaths#pick} picks for the call. */
    private final Path path;
    /**
     * The algorithms this kernel can run (null where its path can never be taken). The direct and GEMM ones of a
     * pointwise convolution whose path depends on the image ({@link ConvPaths#pointwiseByImage}) are built at the
     * first call that takes them (so a model holds one packed copy of those weights, as for every other layer).
     */
    private final Form<DirectConv> direct;
    /** The direct form as the path choice asks for it: one object, not a new one per call. */
    private final Supplier<DirectConv> directs;
    private final Form<WinogradConv> winograd;
    /** Whether the Winograd path may be taken (then built at the first call that takes it, unless forced). */
    private final boolean winogradOk;
    private final Form<Im2colConv> gemm;
    private final DepthwiseConv depthwise;
    /** A pointwise convolution on the path {@link ConvPaths#pointwisePath} picks per call. */
    private final boolean pointwise;
    /**
     * What the lazily built algorithms are built from: {@code weights} gives the unpacked weights again when one is
     * built (a model's reads them from the mapped file: nothing unpacked is held meanwhile).
     */
    private final ConvGeometry geom;
    private final Supplier<float[]> weights;
    private final float[] bias;
    /** The bias padded to whole vectors of output channels (the direct and Winograd paths share it), or null. */
    private final float[] biasP;

    /**
     * @param weight (cout, cin/groups, kh, kw) as PyTorch stores it; kept by reference (see the supplier form for one
     *               that holds no unpacked copy)
     * @param bias   (cout) or null
     */
    public Conv2dKernel(float[] weight, float[] bias, int cin, int cout, int kh, int kw, int strideH, int strideW,
                        int padTop, int padLeft, int dilationH, int dilationW, int groups) {
        this(weight, bias, cin, cout, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, null);
    }

    /** The same on the given path (null: the one this class picks); for tests, which run every path on every shape,
     * and benchmarks that compare paths. */
    public Conv2dKernel(float[] weight, float[] bias, int cin, int cout, int kh, int kw, int strideH, int strideW,
                        int padTop, int padLeft, int dilationH, int dilationW, int groups, Path path) {
        this(() -> weight, bias, cin, cout, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, path);
    }

    /**
     * The same with the weights given by {@code weights}, called once at construction for the paths built then and
     * again for each path built later (the direct and Winograd forms when the path is picked per call, the direct
     * and GEMM forms of a pointwise expansion): only the packed forms a call has taken are held.
     */
    public Conv2dKernel(Supplier<float[]> weights, float[] bias, int cin, int cout, int kh, int kw, int strideH, int strideW,
                        int padTop, int padLeft, int dilationH, int dilationW, int groups, Path path) {
        ConvGeometry given = new ConvGeometry(cin, cout, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups);
        boolean sub = ConvPaths.subsamples(given);
        this.subSh = sub ? strideH : 1;
        this.subSw = sub ? strideW : 1;
        ConvGeometry g = sub ? new ConvGeometry(cin, cout, 1, 1, 1, 1, 0, 0, 1, 1, groups) : given;
        this.path = ConvPaths.fixed(g, path);
        this.pointwise = this.path == null && ConvPaths.pointwise(g);
        boolean planesFixed = this.path == Path.CHANNELS || this.path == Path.PIXELS;
        boolean gemmNow = this.path == Path.GEMM || (pointwise && !ConvPaths.pointwiseByImage(g));
        this.cin = cin;
        this.cout = cout;
        this.geom = g;
        this.bias = bias;
        this.weights = weights;
        // the weights are read now only for the forms built now: a fixed path's, a pointwise contraction's GEMM
        float[] weight = planesFixed || this.path == Path.WINOGRAD || gemmNow || this.path == Path.DEPTHWISE ? checked(weights.get()) : null;
        boolean planes = planesFixed || (this.path == null && !pointwise);
        this.winogradOk = this.path == Path.WINOGRAD || (this.path == null && ConvPaths.winogradPays(g));
        if (planes || winogradOk || pointwise) {
            biasP = new float[(cout + L - 1) / L * L];
            if (bias != null) System.arraycopy(bias, 0, biasP, 0, cout);
        } else {
            biasP = null;
        }
        this.direct = new Form<>(planesFixed ? new DirectConv(g, weight, biasP) : null,
                () -> new DirectConv(geom, checked(weights.get()), biasP));
        this.directs = direct::get;
        this.winograd = new Form<>(this.path == Path.WINOGRAD ? new WinogradConv(g, weight, biasP) : null,
                () -> new WinogradConv(geom, checked(weights.get()), biasP));
        this.gemm = new Form<>(gemmNow ? new Im2colConv(g, weight, bias) : null,
                () -> new Im2colConv(geom, checked(weights.get()), bias));
        // the depthwise form keeps its weights as they are: its own copy of exactly them
        this.depthwise = this.path == Path.DEPTHWISE ? new DepthwiseConv(g, java.util.Arrays.copyOf(weight, cout * g.depth()), bias) : null;
    }

    /** A packed form of the weights: given at construction, or built once, at the first call that takes it. */
    private static final class Form<T> {
        private volatile T value;
        private final Supplier<T> make;

        Form(T value, Supplier<T> make) {
            this.value = value;
            this.make = make;
        }

        T get() {
            T v = value;
            if (v != null) return v;
            synchronized (this) {
                if (value == null) value = make.get();
                return value;
            }
        }

        /** The form if it has been built, else null (nothing is built). */
        T built() {
            return value;
        }
    }

    /** The weights as given (at least cout · depth floats: a transient array may be longer). */
    private float[] checked(float[] weight) {
        if (weight.length < cout * geom.depth()) {
            throw new IllegalArgumentException("weight has " + weight.length + " floats, expected " + cout * geom.depth());
        }
        return weight;
    }

    /** Bytes of the weights this kernel holds: the packed forms built so far, and the depthwise form's weights. */
    public long footprint() {
        long b = 0;
        Im2colConv m = gemm.built();
        DirectConv d = direct.built();
        if (m != null) for (var a : m.packed) b += 4L * a.footprint(); // footprint() counts floats
        if (d != null) b += 4L * d.wt.length;
        if (biasP != null) b += 4L * biasP.length;
        WinogradConv wg = winograd.built();
        if (wg != null) b += 4L * wg.wino.footprint();
        if (depthwise != null) b += 4L * depthwise.floats();
        return b;
    }

    /** True when this convolution runs the depthwise kernel (one input channel per output channel); false on the
     * other paths, the direct channels and pixels paths included (see {@link #path}). */
    public boolean direct() {
        return path == Path.DEPTHWISE;
    }

    /** The path {@link #forward} takes for one image w pixels wide and an output of oh × ow. */
    public Path path(int w, int oh, int ow) {
        return path(1, w, oh, ow);
    }

    /** The path {@link #forward} takes for n images w pixels wide and an output of oh × ow each. */
    public Path path(int n, int w, int oh, int ow) {
        int in = subSw > 1 ? ow : w;
        if (pointwise) return ConvPaths.pointwisePath(geom, in, oh, ow);
        return ConvPaths.pick(path, winogradOk, directs, n, in, oh, ow);
    }

    /**
     * y (n, cout, oh, ow) = act(conv(x (n, cin, h, w)) + bias). oh and ow (which imply the trailing padding) are the
     * caller's, as in the reference.
     */
    public void forward(float[] x, int n, int h, int w, float[] y, int oh, int ow, Activation act, ComputePool pool) {
        forward(x, 0, n, h, w, y, 0, oh, ow, act, pool);
    }

    /**
     * {@link #forward(float[], int, int, int, float[], int, int, Activation, ComputePool)} on x (n, cin, h, w) dense at
     * {@code x[xOff …]} into y (n, cout, oh, ow) dense at {@code y[yOff …]}. y's range must not overlap x's. The work
     * buffers are per-thread scratch: nothing is allocated in steady state on one thread.
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        ComputePool pool) {
        forward(x, xOff, n, h, w, y, yOff, oh, ow, act, false, pool);
    }

    /**
     * The same, and with {@code maxPool2} a 2×2 max pooling of stride 2 (PyTorch's {@code MaxPool2d(2)}, floor mode)
     * on the convolution's output: y is then (n, cout, oh / 2, ow / 2) and holds act(max over each 2×2 window of
     * conv(x) + bias), which for ReLU equals the max of the ReLUs. The Winograd path pools each 2×2 output tile in its
     * output transform (one pixel written instead of four), the channels path in its tiles and blocks; the other
     * paths convolve a few images at a time into per-thread scratch and pool them from cache.
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        boolean maxPool2, ComputePool pool) {
        forward(x, xOff, n, h, w, y, yOff, oh, ow, act, maxPool2, null, 0, pool);
    }

    /**
     * y (n, cout, oh, ow) = act(conv(x (n, cin, h, w)) + bias + residual) in one pass, as ResNet's
     * {@code relu(bn(conv(x)) + identity)} or (activation NONE) MobileNet's {@code bn(conv(x)) + x} with the
     * BatchNorm folded into the weights: x dense at {@code x[xOff …]}, y dense at {@code y[yOff …]}, the residual
     * (n, cout, oh, ow) dense at {@code residual[resOff …]}, or null for none (then this is
     * {@link #forward(float[], int, int, int, int, float[], int, int, int, Activation, ComputePool)}). Every path adds
     * the residual where it adds the bias and applies the activation (in its register tiles, its GEMM's tiles, its
     * output transform), never in a pass of its own over y. y may be the residual itself (the same array at the same
     * offset): each element of the residual is read only by the task that writes that element of y, before it does.
     * Otherwise the residual must not overlap y, and y must not overlap x.
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        float[] residual, int resOff, ComputePool pool) {
        forward(x, xOff, n, h, w, y, yOff, oh, ow, act, false, residual, resOff, pool);
    }

    /**
     * Both of the above in one signature (what a layer that fuses either calls): the fused 2×2 max pooling when
     * {@code maxPool2}, a residual when {@code residual} is not null; not both (an IllegalArgumentException).
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        boolean maxPool2, float[] residual, int resOff, ComputePool pool) {
        long yLen = maxPool2 ? (long) n * cout * (oh / 2) * (ow / 2) : (long) n * cout * oh * ow;
        if (xOff < 0 || yOff < 0 || (long) xOff + (long) n * cin * h * w > x.length || (long) yOff + yLen > y.length) {
            throw new IllegalArgumentException("x or y too small");
        }
        if (residual != null) checkResidual(y, yOff, yLen, residual, resOff, maxPool2);
        if (n == 0 || oh <= 0 || ow <= 0 || (maxPool2 && (oh < 2 || ow < 2))) return;
        if (subSh > 1 || subSw > 1) {
            x = subsample(x, xOff, n * cin, h, w, oh, ow);
            xOff = 0;
            h = oh;
            w = ow;
        }
        Path p = path(n, w, oh, ow);
        if (maxPool2 && p != Path.WINOGRAD) {
            if ((p == Path.CHANNELS || p == Path.PIXELS) && ConvPaths.poolsOnChannels(p, path, direct.get())) {
                direct.get().forward(Path.CHANNELS, x, xOff, n, h, w, y, yOff, oh, ow, act, null, 0, true, pool);
            } else {
                pooledForward(p, x, xOff, n, h, w, y, yOff, oh, ow, act, pool);
            }
            return;
        }
        run(p, x, xOff, n, h, w, y, yOff, oh, ow, act, residual, resOff, maxPool2, pool);
    }

    /** The calling thread's subsampled input (see {@link #subSh}). */
    private static final Scratch SUBSAMPLED = new Scratch();

    /**
     * Every subSh-th row and subSw-th column (from the first) of the planes of h×w at x[xOff …]: planes of oh×ow in
     * the calling thread's scratch (read by the pool's workers during the call).
     */
    private float[] subsample(float[] x, int xOff, int planes, int h, int w, int oh, int ow) {
        float[] d = SUBSAMPLED.floats(planes * oh * ow);
        for (int p = 0, o = 0; p < planes; p++) {
            for (int oy = 0; oy < oh; oy++, o += ow) {
                int s = xOff + (p * h + oy * subSh) * w;
                if (subSw == 2) ConvAlgorithm.evenColumns(x, s, w, d, o, ow);
                else for (int ox = 0; ox < ow; ox++) d[o + ox] = x[s + ox * subSw];
            }
        }
        return d;
    }

    /** The residual fits, is y itself or apart from it, and comes without the fused pooling. */
    private static void checkResidual(float[] y, int yOff, long yLen, float[] residual, int resOff, boolean maxPool2) {
        if (maxPool2) throw new IllegalArgumentException("a residual cannot be added with the fused max pooling");
        if (resOff < 0 || (long) resOff + yLen > residual.length) throw new IllegalArgumentException("residual too small");
        if (residual == y && resOff != yOff && resOff < yOff + yLen && yOff < resOff + yLen) {
            throw new IllegalArgumentException("the residual overlaps y without being y");
        }
    }

    /** The convolution on path p, with a residual or none (res null); pooled: Winograd only, with no residual. */
    private void run(Path p, float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                     float[] res, int resOff, boolean pooled, ComputePool pool) {
        switch (p) {
            case CHANNELS, PIXELS -> direct.get().forward(p, x, xOff, n, h, w, y, yOff, oh, ow, act, res, resOff, false, pool);
            case GEMM -> gemm.get().forward(x, xOff, n, h, w, y, yOff, oh, ow, act, res, resOff, pool);
            case DEPTHWISE -> depthwise.forward(x, xOff, n, h, w, y, yOff, oh, ow, act, res, resOff, pool);
            case WINOGRAD -> winograd.get().forward(x, xOff, n, h, w, y, yOff, oh, ow, act, res, resOff, pooled, pool);
        }
    }

    /** Floats of convolution output that {@link #pooledForward} keeps in scratch at a time: 256 KB, within L2. */
    private static final int POOLED_FLOATS = 64 * 1024;
    /** The calling thread's convolution output awaiting pooling. */
    private static final Scratch UNPOOLED = new Scratch();

    /**
     * A path other than Winograd and the channels path's pooled tiles, then the 2×2 max pooling: a few images at a
     * time (at least one; as many as fit in POOLED_FLOATS) convolved into the caller's scratch, then pooled into y
     * while they are still in cache. ReLU runs before the pooling (it commutes with max); another activation after
     * it, on the pooled values.
     */
    private void pooledForward(Path p, float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow,
                               Activation act, ComputePool pool) {
        int per = cout * oh * ow, ph = oh / 2, pw = ow / 2, group = Math.max(1, Math.min(n, POOLED_FLOATS / per));
        float[] s = UNPOOLED.floats(group * per + L); // L floats of slack for max2x2NonNegative
        Activation inner = act == Activation.RELU ? act : Activation.NONE;
        for (int b0 = 0; b0 < n; b0 += group) {
            int g = Math.min(group, n - b0), xAt = xOff + b0 * cin * h * w, yAt = yOff + b0 * cout * ph * pw;
            run(p, x, xAt, g, h, w, s, 0, oh, ow, inner, null, 0, false, pool);
            if (inner == Activation.RELU && L >= 4) Pool2dKernel.max2x2NonNegative(s, 0, g * cout, oh, ow, y, yAt);
            else Pool2dKernel.max(s, 0, g * cout, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, y, yAt, ph, pw, pool);
            if (act != inner) VectorMath.applyInPlace(act, y, yAt, g * cout * ph * pw);
        }
    }
}
