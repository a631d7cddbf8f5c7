package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A 2-D convolution (NCHW, as {@code torch.nn.Conv2d}: zero padding, stride, dilation, groups) with its weights packed
 * once at load. Five paths ({@link Path}); {@link #path} says which one a call takes.
 *
 * <ul>
 * <li>Ungrouped convolutions run directly on a zero-padded copy of the image, as register tiles of output pixels ×
 * output channels that accumulate broadcasts × vectors tap by tap: no im2col, nothing packed per call (see "channels
 * and pixels paths" below). {@link Path#CHANNELS} takes vectors over output channels (as ONNX Runtime's NCHWc
 * convolutions do) and transposes the tiles into y's channel rows; {@link Path#PIXELS} takes vectors over output
 * pixels and needs no transpose. The two read the same packed weights and sum every output in the same order (their
 * results are bitwise equal), so each call takes whichever does less work for its shape ({@link #cheaper}).
 * Measured on one Zen 5 core (AVX-512, FMA peak ≈ 265 GFLOP/s; LayerKernelsBench), the seed CNN with ReLU, per
 * image: conv2 (32→64, 3×3 pad 1, 14×14) on CHANNELS 35–36 µs ≈ 205 GFLOP/s, against 55 µs on the GEMM path; conv1
 * (1→32, 28×28, 9 taps) on PIXELS 5.0 µs, against 7.6. Faster than the GEMM on every other ungrouped shape measured
 * too (1×1 64→64 on 28×28: 38 against 57 µs; 7×7 stride 2: 14 against 47; 3×3 stride 2; 128→128 on 28×28: 241
 * against 186 GFLOP/s), up to the very deep taps below.</li>
 * <li>{@link Path#GEMM}: grouped convolutions, and ungrouped ones with at least 2048 taps per output (GEMM_DEPTH),
 * whose weights only the GEMM's depth blocks keep in cache (512→512 3×3 on 7×7: 1.3 ms, channels 1.5, pixels 1.8;
 * 256→256 on 14×14 or 28×28: even). One GEMM per (image, group, block of output pixels): the weights of the group
 * are the packed left operand (cout/groups × cin/groups·kh·kw, packed at construction) and im2col writes the input
 * patches straight into the B panel layout (depth-major, NR output pixels per panel, no intermediate matrix).
 * C = W·patches is then already NCHW: no transpose. Bias (per output channel, i.e. per row) and the activation are
 * the GEMM's epilogue.</li>
 * <li>{@link Path#DEPTHWISE}, depthwise convolutions (groups = cin > 1, with or without a channel multiplier): a
 * zero-padded copy of the input plane, then per output row a vector of output pixels accumulates kh·kw broadcast
 * weights × shifted input rows.</li>
 * <li>{@link Path#WINOGRAD}, 3×3 kernels with stride 1, dilation 1 and groups 1 (picked when cin ≥ 32, cout ≥ 32 and
 * the output is at least 4×4; can be forced on any such shape): Winograd's F(2×2, 3×3) on 2×2 tiles of output pixels. The
 * weights are transformed once (U = G·g·Gᵀ, 16 packed right operands of cout × cin); per chunk of tiles, the input
 * transform (V = Bᵀ·d·B, vectors of input channels), 16 GEMMs (tiles × cin)·(cin × cout), and the output transform
 * (Y = Aᵀ·M·A + bias, activation) into y: 16 multiply-adds per tile, input and output channel where the direct paths
 * do 36 (see "Winograd path" below). Float rounding differs from the direct paths (within 1e-4 of them).</li>
 * </ul>
 * Tasks are (image, range of output pixels), (image, group, pixel block), (image, input channel) or (chunk of tile
 * rows, range of output channels): disjoint outputs, each output summed in a fixed order, so the result does not
 * depend on the thread count.
 */
public final class Conv2dKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** At most this many output pixels per GEMM task (a multiple of NR): the task's im2col panels (k × this) are
     * built once and reused by every output-channel tile. Fewer when images × groups would leave threads idle. */
    private static final int PIXELS_PER_TASK = Math.max(1, 256 / Tiles.NR) * Tiles.NR;

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

    private final int cin, cout, groups, cinG, coutG, kh, kw, sh, sw, padTop, padLeft, dh, dw, depth;
    private final float[] weight, bias;
    /** The path, or null: CHANNELS or PIXELS, whichever {@link #cheaper} picks for the call's shape. */
    private final Path path;
    /** True on the channels and pixels paths (they share the packed weights). */
    private final boolean planes;
    /** GEMM path, per group: its weights packed as the GEMM's left operand; else null. */
    private final PackedMatrix[] packed;
    /** Channels and pixels paths: the weights packed by {@link #packWeights} and the bias padded to coP = vecs·L
     * output channels (zeros past cout, or everywhere when there is no bias); else null. */
    private final float[] wt, biasP;
    private final int vecs, coP;
    /** Winograd path (forced, or possible when no path is forced): for each position of the 4×4 transformed tile in
     * turn, U = G·g·Gᵀ as the GEMM's right operand (cout × cin, padded with zero rows to winoCols), stacked in one
     * matrix; else null. */
    private final PackedMatrix wino;
    /** Columns of each position's operand in {@link #wino}: cout rounded up to the GEMM's panel width. */
    private final int winoCols;
    /** cin rounded up to L: the row length of the transformed input (its extra columns are zero). */
    private final int cinP;

    /**
     * @param weight (cout, cin/groups, kh, kw) as PyTorch stores it; kept by reference (the depthwise path reads it)
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
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) throw new IllegalArgumentException("groups must divide cin and cout");
        this.cin = cin;
        this.cout = cout;
        this.groups = groups;
        this.cinG = cin / groups;
        this.coutG = cout / groups;
        this.kh = kh;
        this.kw = kw;
        this.sh = strideH;
        this.sw = strideW;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.dh = dilationH;
        this.dw = dilationW;
        this.depth = cinG * kh * kw;
        if (weight.length != cout * depth) throw new IllegalArgumentException("weight has " + weight.length + " floats, expected " + cout * depth);
        this.weight = weight;
        this.bias = bias;
        boolean depthwise = cinG == 1 && groups > 1;
        if (path == Path.DEPTHWISE && !depthwise) throw new IllegalArgumentException("not a depthwise convolution");
        if ((path == Path.CHANNELS || path == Path.PIXELS) && groups != 1) throw new IllegalArgumentException(path + " needs groups = 1");
        boolean winograd3x3 = kh == 3 && kw == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 && groups == 1;
        if (path == Path.WINOGRAD && !winograd3x3) {
            throw new IllegalArgumentException("WINOGRAD needs a 3×3 kernel, stride 1, dilation 1 and groups = 1");
        }
        boolean winogradPays = winograd3x3 && cin >= WINOGRAD_MIN_CHANNELS && cout >= WINOGRAD_MIN_CHANNELS;
        if (path == null && (depthwise || groups > 1 || (depth >= GEMM_DEPTH && !winogradPays))) {
            path = depthwise ? Path.DEPTHWISE : Path.GEMM;
        }
        this.path = path;
        this.planes = path == null || path == Path.CHANNELS || path == Path.PIXELS;
        boolean useWino = path == Path.WINOGRAD
                || (path == null && winogradPays);
        if (path == Path.GEMM) {
            packed = new PackedMatrix[groups];
            for (int g = 0; g < groups; g++) packed[g] = PackedMatrix.forA(weight, g * coutG * depth, depth, coutG, depth);
        } else {
            packed = null;
        }
        if (planes || useWino) {
            vecs = (cout + L - 1) / L;
            coP = vecs * L;
            wt = planes ? packWeights() : null;
            biasP = new float[coP];
            if (bias != null) System.arraycopy(bias, 0, biasP, 0, cout);
        } else {
            vecs = coP = 0;
            wt = biasP = null;
        }
        cinP = roundUp(cin, L);
        winoCols = roundUp(cout, PackedGemm.panelWidth());
        wino = useWino ? winogradWeights() : null;
    }

    /** Bytes of the packed copies this kernel holds besides the weights it was given (which it keeps by reference). */
    public long footprint() {
        long b = 0;
        if (packed != null) for (PackedMatrix m : packed) b += 4L * m.footprint(); // footprint() counts floats
        if (wt != null) b += 4L * wt.length;
        if (biasP != null) b += 4L * biasP.length;
        if (wino != null) b += 4L * wino.footprint();
        return b;
    }

    /** True when this convolution runs the depthwise kernel (one input channel per output channel); false on the
     * other paths, the direct channels and pixels paths included (see {@link #path}). */
    public boolean direct() {
        return path == Path.DEPTHWISE;
    }

    /** The path {@link #forward} takes for an input w pixels wide and an output of oh × ow. */
    public Path path(int w, int oh, int ow) {
        if (path != null) return path;
        if (wino != null && oh >= WINOGRAD_MIN_OUTPUT && ow >= WINOGRAD_MIN_OUTPUT) return Path.WINOGRAD;
        return cheaper(w, oh, ow);
    }

    /**
     * y (n, cout, oh, ow) = act(conv(x (n, cin, h, w)) + bias). oh and ow (which imply the trailing padding) are the
     * caller's, as in the reference.
     */
    public void forward(float[] x, int n, int h, int w, float[] y, int oh, int ow, Activation act, ComputePool pool) {
        forward(x, 0, n, h, w, y, 0, oh, ow, act, pool);
    }

    // Per-thread scratch (each pool worker has its own): a task's im2col panels, zero-padded input planes, the
    // im2col run table; the channels and pixels paths' block of output pixels × channels, their tap offsets, the
    // transposes' row table and edge square.
    private static final Scratch PANELS = new Scratch(), PAD = new Scratch(), BLOCK = new Scratch(), EDGE = new Scratch();
    private static final Scratch.Ints SEGMENTS = new Scratch.Ints(), TAPS = new Scratch.Ints(), ROWS = new Scratch.Ints();

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
     * output transform (one pixel written instead of four); the other paths convolve a few images at a time into
     * per-thread scratch and pool them from cache.
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        boolean maxPool2, ComputePool pool) {
        long yLen = maxPool2 ? (long) n * cout * (oh / 2) * (ow / 2) : (long) n * cout * oh * ow;
        if (xOff < 0 || yOff < 0 || (long) xOff + (long) n * cin * h * w > x.length || (long) yOff + yLen > y.length) {
            throw new IllegalArgumentException("x or y too small");
        }
        if (n == 0 || oh <= 0 || ow <= 0 || (maxPool2 && (oh < 2 || ow < 2))) return;
        Path p = path(w, oh, ow);
        if (maxPool2 && (p == Path.CHANNELS || (p == Path.PIXELS && path == null && !channelsTooDeep()))) {
            // the channels path pools in its channel-last blocks and transposes a quarter of the pixels, where the
            // pixels path's advantage (no transposes) is mostly gone: seed CNN conv1 + ReLU + pool, 1 thread, 5.6 µs
            // per image against 7.1 on pixels then pooling from cache (183 against 256 µs at batch 32)
            planesForward(Path.CHANNELS, x, xOff, n, h, w, y, yOff, oh, ow, act, true, pool);
            return;
        }
        if (maxPool2 && p != Path.WINOGRAD) {
            pooledForward(p, x, xOff, n, h, w, y, yOff, oh, ow, act, pool);
            return;
        }
        switch (p) {
            case CHANNELS, PIXELS -> planesForward(p, x, xOff, n, h, w, y, yOff, oh, ow, act, false, pool);
            case GEMM -> gemmForward(x, xOff, n, h, w, y, yOff, oh, ow, act, pool);
            case DEPTHWISE -> depthwiseForward(x, xOff, n, h, w, y, yOff, oh, ow, act, pool);
            case WINOGRAD -> winogradForward(x, xOff, n, h, w, y, yOff, oh, ow, act, maxPool2, pool);
        }
    }

    /** Floats of convolution output that {@link #pooledForward} keeps in scratch at a time: 256 KB, within L2. */
    private static final int POOLED_FLOATS = 64 * 1024;
    /** The calling thread's convolution output awaiting pooling. */
    private static final Scratch UNPOOLED = new Scratch();

    /**
     * A path other than Winograd, then the 2×2 max pooling: a few images at a time (at least one; as many as fit in
     * POOLED_FLOATS) convolved into the caller's scratch, then pooled into y while they are still in cache. ReLU
     * runs before the pooling (it commutes with max); another activation after it, on the pooled values.
     */
    private void pooledForward(Path p, float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow,
                               Activation act, ComputePool pool) {
        int per = cout * oh * ow, ph = oh / 2, pw = ow / 2, group = Math.max(1, Math.min(n, POOLED_FLOATS / per));
        float[] s = UNPOOLED.floats(group * per + L); // L floats of slack for max2x2NonNegative
        Activation inner = act == Activation.RELU ? act : Activation.NONE;
        for (int b0 = 0; b0 < n; b0 += group) {
            int g = Math.min(group, n - b0), xAt = xOff + b0 * cin * h * w, yAt = yOff + b0 * cout * ph * pw;
            switch (p) {
                case CHANNELS, PIXELS -> planesForward(p, x, xAt, g, h, w, s, 0, oh, ow, inner, false, pool);
                case GEMM -> gemmForward(x, xAt, g, h, w, s, 0, oh, ow, inner, pool);
                default -> depthwiseForward(x, xAt, g, h, w, s, 0, oh, ow, inner, pool);
            }
            if (inner == Activation.RELU && L >= 4) Pool2dKernel.max2x2NonNegative(s, 0, g * cout, oh, ow, y, yAt);
            else Pool2dKernel.max(s, 0, g * cout, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, y, yAt, ph, pw, pool);
            if (act != inner) VectorMath.applyInPlace(act, y, yAt, g * cout * ph * pw);
        }
    }

    /** Rows of the zero-padded input planes: every tap of every output row is inside. */
    private int paddedRows(int h, int oh) {
        return Math.max(h + padTop, (oh - 1) * sh + (kh - 1) * dh + 1);
    }

    /** Columns of the zero-padded input planes. */
    private int paddedCols(int w, int ow) {
        return Math.max(w + padLeft, (ow - 1) * sw + (kw - 1) * dw + 1);
    }

    // ---- channels and pixels paths -------------------------------------------------------------------------------
    //
    // The image is first copied into zero-padded planes split by stride phase (phasePlanes), laid out so that
    // consecutive "virtual" pixels q = oy·pitch + ox read consecutive floats: for tap k = (ci, ky, kx) the input of
    // virtual pixel q is src[q + taps[k]], whatever the stride, dilation or padding. A tile of consecutive virtual
    // pixels thus needs one index per tap (C2 checks its bounds once; the tile's loads are constant displacements
    // from it), and the weights come at a constant stride (C2 hoists their checks). The virtual pixels with ox ≥ ow
    // are computed and dropped: 1 in 15 for the seed CNN's conv2 (14×14, pitch 15), 1 in 29 for conv1.
    //
    // CHANNELS: a tile is R consecutive virtual pixels × V vectors of output channels (6×4 or 12×2). Per tap: V weight
    // vectors, R broadcasts, R·V FMAs. The tiles land pixel-major in a block of CHUNK virtual pixels × coP, which L×L
    // register transposes move into y's channel rows (≈ 1.5 µs of conv2's 35).
    // PIXELS: a tile is PIX_CHANNELS output channels × PIX_VECTORS vectors of consecutive virtual pixels (8×3). Per
    // tap: PIX_VECTORS input vectors, PIX_CHANNELS weight broadcasts, their product of FMAs. The tiles land channel-
    // major in a block of coP × PIX_CHUNK virtual pixels, whose runs of real pixels are copied into y.
    // CHANNELS rounds output channels up to L and pixels to 6 or 12; PIXELS channels to 8 and the pixels of each block
    // to 48, and skips the transposes. So PIXELS wins for few taps (conv1: the transposes cost as much as the FMAs),
    // for output channels far from a multiple of L (16→5: 10.5 µs against 24.9) and on large images; CHANNELS for
    // small images with many taps (conv2: PIXELS computes 240 virtual pixels for 196, 37.5 µs).

    /** Most vectors of output channels in one register tile: 6×4 (24 accumulators) of 32 registers, 5×2 of 16. */
    private static final int VMAX = Tiles.WIDE ? 4 : 2;
    /** A multiple of every channels tile's pixel count (6 and 12, or 5 and 10). */
    private static final int TILE_PIXELS = Tiles.WIDE ? 12 : 10;
    /** Virtual pixels per channels block: a multiple of TILE_PIXELS (tiles never straddle blocks) and of L. */
    private static final int CHUNK = lcm(TILE_PIXELS, L) * Math.max(1, 96 / lcm(TILE_PIXELS, L));
    /** The pixels tile: 8 output channels × 3 vectors (24 accumulators) of 32 registers, 4 × 2 of 16 (and where L
     * = 4, so that a tile's channels never straddle two blocks of the packed weights). */
    private static final int PIX_CHANNELS = Tiles.WIDE && L >= 8 ? 8 : 4, PIX_VECTORS = PIX_CHANNELS == 8 ? 3 : 2,
            PIX_PIXELS = PIX_VECTORS * L;
    /** Virtual pixels per pixels block (a multiple of PIX_PIXELS). */
    private static final int PIX_CHUNK = PIX_PIXELS * 4;

    private static int lcm(int a, int b) {
        return a / gcd(a, b) * b;
    }

    private static int roundUp(int a, int m) {
        return (a + m - 1) / m * m;
    }

    /** From this many taps per output (cin/groups·kh·kw) on, a convolution runs the GEMM (see the class comment). */
    private static final int GEMM_DEPTH = 2048;
    /** The channels path streams a block's weights (depth × up to VMAX·L floats) once per tile; above this many
     * floats they no longer stay in L2 beside the input (128→128 3×3 on 28×28, 295 KB: 154 GFLOP/s, pixels 241). */
    private static final int CHANNELS_MAX_BLOCK = 32 * 1024;

    /**
     * CHANNELS or PIXELS, whichever does less work for an input w wide and an output oh × ow, counted in FMA lanes:
     * the virtual pixels computed (the pixels path rounds each block up to PIX_PIXELS) × the output channels
     * computed (L or PIX_CHANNELS at a time) × depth, plus for the channels path ≈ 9 per output for the transposes
     * (fitted to the seed CNN: conv1 1→32, 28×28: pixels 4.8 µs, channels 6.5; conv2 32→64, 14×14: channels 34.5,
     * pixels 37.5). Both sum every output in the same order, so the choice never changes a result.
     */
    /** True when a channels tile's weights (depth × its vectors of channels) outgrow CHANNELS_MAX_BLOCK. */
    private boolean channelsTooDeep() {
        return (long) depth * Math.min(vecs, VMAX) * L > CHANNELS_MAX_BLOCK;
    }

    private Path cheaper(int w, int oh, int ow) {
        if (channelsTooDeep()) return Path.PIXELS;
        long virt = (long) (oh - 1) * pitch(w, ow) + ow;
        long channels = virt * coP * depth + 9L * oh * ow * cout;
        long pixelsVirt = virt / PIX_CHUNK * PIX_CHUNK + roundUp((int) (virt % PIX_CHUNK), PIX_PIXELS);
        long pixels = pixelsVirt * roundUp(cout, PIX_CHANNELS) * depth;
        return channels <= pixels ? Path.CHANNELS : Path.PIXELS;
    }

    /** Vectors of output channels in the channels tile that starts with {@code left} vectors still to do. */
    private static int blockVectors(int left) {
        return left >= VMAX ? VMAX : left >= 2 ? 2 : 1;
    }

    /**
     * The weights as the channels and pixels paths read them: per channels-tile-wide block of nv = blockVectors(…)
     * vectors of output channels starting at vector v0, a (depth × nv·L) matrix at wt[depth·v0·L …] (row
     * k = (ci·kh + ky)·kw + kx, as PyTorch orders the taps): a channels tile's weights for tap k are nv·L consecutive
     * floats, a pixels tile's PIX_CHANNELS of them, at a stride the same for every k. Output channels past cout are
     * zero.
     */
    private float[] packWeights() {
        float[] d = new float[Math.max(1, depth) * coP];
        for (int v0 = 0, nv; v0 < vecs; v0 += nv) {
            nv = blockVectors(vecs - v0);
            int base = depth * v0 * L, width = nv * L;
            for (int co = v0 * L; co < Math.min(cout, (v0 + nv) * L); co++) {
                for (int k = 0; k < depth; k++) d[base + k * width + co - v0 * L] = weight[co * depth + k];
            }
        }
        return d;
    }

    private void planesForward(Path p, float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow,
                               Activation act, boolean pooled, ComputePool pool) {
        // pooled: tasks and blocks are whole pairs of output rows (2·pitch virtual pixels), the last odd row dropped
        int pitch = pitch(w, ow), virt = pooled ? oh / 2 * 2 * pitch : (oh - 1) * pitch + ow;
        boolean parallel = pool != null && pool.threads() > 1 && (long) n * cout * oh * ow * depth >= (1 << 18);
        int per = virt;
        if (parallel && n < 2 * pool.threads()) {
            // few images: split each into pixel ranges so every thread gets work (the split never changes a result)
            int want = (2 * pool.threads() + n - 1) / n;
            per = roundUp((virt + want - 1) / want, pooled ? 2 * pitch : p == Path.CHANNELS ? TILE_PIXELS : PIX_PIXELS);
        }
        int px = per, parts = (virt + per - 1) / per, tasks = n * parts;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) planesTask(p, t, parts, px, x, xOff, h, w, y, yOff, oh, ow, act, pooled);
        } else {
            pool.parallelFor(tasks, t -> planesTask(p, t, parts, px, x, xOff, h, w, y, yOff, oh, ow, act, pooled));
        }
    }

    /**
     * The row pitch of the phase planes. Stride 1 along x: the narrowest that holds a row of output pixels (virtual
     * pixel oy·pitch + ox needs ox < pitch; with a padding wider than the dilated kernel the output is wider than the
     * padded input) and the input with its left padding, and lets a row's last taps run on into the next row's left
     * padding (zeros), so that one row's right padding is the next one's left. Otherwise: room for every padded column
     * of the phase.
     */
    private int pitch(int w, int ow) {
        if (sw == 1) return Math.max(Math.max(1, ow), Math.max(padLeft + w, ow + (kw - 1) * dw - padLeft));
        return (paddedCols(w, ow) + sw - 1) / sw;
    }

    /** Virtual pixels [q0, q0 + per) of image t / parts, q0 = (t % parts)·per. */
    private void planesTask(Path p, int t, int parts, int per, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh,
                            int ow, Activation act, boolean pooled) {
        int b = t / parts;
        int pitch = pitch(w, ow), rowsPerPhase = (paddedRows(h, oh) + sh - 1) / sh, plane = rowsPerPhase * pitch;
        int virt = pooled ? oh / 2 * 2 * pitch : (oh - 1) * pitch + ow;
        int q0 = (t % parts) * per, count = Math.min(per, virt - q0);
        // slack after the planes: the last row's taps run into it, and so do the extra pixels of the last tile
        int slack = pitch + Math.max(TILE_PIXELS, PIX_PIXELS);
        float[] src = phasePlanes(x, xOff + b * cin * h * w, h, w, rowsPerPhase, pitch, cin * sh * sw * plane + slack);
        int[] taps = TAPS.ints(depth);
        for (int ci = 0, k = 0; ci < cin; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int phase = (ci * sh + ky * dh % sh) * sw + kx * dw % sw;
                    taps[k++] = phase * plane + ky * dh / sh * pitch + kx * dw / sw;
                }
            }
        }
        if (pooled) {
            channelTilesPooled(src, taps, q0, count, pitch, y, yOff + b * cout * (oh / 2) * (ow / 2), oh / 2, ow / 2, act);
            return;
        }
        int yImg = yOff + b * cout * oh * ow;
        if (p == Path.CHANNELS) channelTiles(src, taps, q0, count, pitch, y, yImg, oh, ow, act);
        else pixelTiles(src, taps, q0, count, pitch, y, yImg, oh, ow, act);
    }

    /**
     * The image's cin planes of h×w at x[xImg …], zero-padded (the input at padded row padTop, column padLeft) and
     * split by stride phase: padded pixel (r, c) goes to the plane of phase (r % sh, c % sw) at row r / sh, column
     * c / sw, planes of rowsPerPhase × pitch ordered (ci, r % sh, c % sw). With stride 1 that is just the padded
     * planes. A strided convolution thus reads consecutive floats for consecutive output pixels, as a dense one
     * does. Zeros up to {@code size} floats; the calling thread's {@link #PAD} scratch.
     */
    private float[] phasePlanes(float[] x, int xImg, int h, int w, int rowsPerPhase, int pitch, int size) {
        float[] d = PAD.floats(size);
        Arrays.fill(d, 0, size, 0f);
        int plane = rowsPerPhase * pitch;
        for (int ci = 0; ci < cin; ci++) {
            for (int iy = 0; iy < h; iy++) {
                int r = iy + padTop, s = xImg + (ci * h + iy) * w;
                int rowAt = (ci * sh + r % sh) * sw * plane + r / sh * pitch;
                if (sw == 1) {
                    copyRun(x, s, d, rowAt + padLeft, w);
                } else {
                    // padded column c = ix + padLeft goes to phase c % sw, column c / sw
                    for (int ix = 0, px = padLeft % sw, at = rowAt + padLeft / sw; ix < w; ix++) {
                        d[at + px * plane] = x[s + ix];
                        if (++px == sw) {
                            px = 0;
                            at++;
                        }
                    }
                }
            }
        }
        return d;
    }

    /** The channels path on virtual pixels [q0, q0 + count) of one image (y's at y[yImg …]). */
    private void channelTiles(float[] src, int[] taps, int q0, int count, int pitch, float[] y, int yImg, int oh,
                              int ow, Activation act) {
        float[] block = BLOCK.floats(CHUNK * coP);
        int[] rows = ROWS.ints(CHUNK);
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        for (int c0 = 0; c0 < count; c0 += CHUNK) {
            int cn = Math.min(CHUNK, count - c0), q = q0 + c0;
            channelBlock(src, q, cn, taps, relu, block);
            if (tmp != null) VectorMath.applyInPlace(act, block, 0, cn * coP, tmp);
            // the block's rows of the chunk's output pixels (virtual pixels with ox < ow), in y's order: a chunk
            // holds one run of consecutive output pixels, from p
            int oy = q / pitch, ox = q % pitch, n = 0, p = oy * ow + Math.min(ox, ow);
            for (int j = 0; j < cn; j++) {
                if (ox < ow) rows[n++] = j * coP;
                if (++ox == pitch) ox = 0;
            }
            transposeOut(block, rows, n, y, yImg + p, oh * ow);
        }
    }

    /**
     * The channels path's register tiles for virtual pixels [q, q + cn) (rounded up to whole tiles, at most a multiple
     * of TILE_PIXELS) into block (pixel j's coP channels at j·coP), + bias, ReLU when {@code relu}.
     */
    private void channelBlock(float[] src, int q, int cn, int[] taps, boolean relu, float[] block) {
        for (int v0 = 0, nv; v0 < vecs; v0 += nv) {
            nv = blockVectors(vecs - v0);
            int co = v0 * L, wOff = depth * co;
            if (Tiles.WIDE) {
                if (nv == 4) {
                    for (int j = 0; j < cn; j += 6) run6x4(src, q + j, taps, depth, wt, wOff, biasP, co, relu, block, j * coP + co, coP);
                } else if (nv == 2) {
                    for (int j = 0; j < cn; j += 12) run12x2(src, q + j, taps, depth, wt, wOff, biasP, co, relu, block, j * coP + co, coP);
                } else {
                    for (int j = 0; j < cn; j += 12) run12x1(src, q + j, taps, depth, wt, wOff, biasP, co, relu, block, j * coP + co, coP);
                }
            } else {
                if (nv == 2) {
                    for (int j = 0; j < cn; j += 5) run5x2(src, q + j, taps, depth, wt, wOff, biasP, co, relu, block, j * coP + co, coP);
                } else {
                    for (int j = 0; j < cn; j += 10) run10x1(src, q + j, taps, depth, wt, wOff, biasP, co, relu, block, j * coP + co, coP);
                }
            }
        }
    }

    /** The calling thread's pooled pixels × channels of a group of row pairs (channels path with pooling). */
    private static final Scratch POOLED_BLOCK = new Scratch();
    /** At most this many floats of pooled pixels × channels (64 KB) await their transposes. */
    private static final int POOLED_GROUP_FLOATS = 16 * 1024;

    /**
     * The channels path with the 2×2 max pooling, on the row pairs of virtual pixels [q0, q0 + count) (multiples of
     * 2·pitch) of one image, into y's pooled planes (ph × pw at y[yImg …]): per row pair, the tiles of its two rows
     * (the first pitch + 2·pw virtual pixels, channel-last), the max of each window's four pixel vectors (compare and
     * blend after a ReLU, which leaves no NaN or −0; Java's max otherwise, then the activation); then the transposes
     * of the pooled pixels only, a group of row pairs at a time.
     */
    private void channelTilesPooled(float[] src, int[] taps, int q0, int count, int pitch, float[] y, int yImg, int ph,
                                    int pw, Activation act) {
        int span = roundUp(pitch + 2 * pw, TILE_PIXELS), pairs = count / (2 * pitch);
        // row pairs pooled before their pixels are transposed together: as many as fit POOLED_GROUP_FLOATS. For rows
        // narrower than L, one transpose per row pair went through the edge scratch (seed CNN conv1, 14 pooled pixels
        // a row: 1.9 of its 5.9 µs; 4.7 µs with the image's 14 row pairs at once)
        int group = Math.max(1, Math.min(pairs, POOLED_GROUP_FLOATS / Math.max(1, pw * coP)));
        // two vectors of channels on 32 registers: the tiles pool their 2 × 6 pixels themselves (seed CNN conv1 +
        // ReLU + pool: 4.8 → 3.5 µs per image); otherwise a block of the row pair's tiles, then a pooling pass
        boolean inTiles = Tiles.WIDE && vecs == 2;
        float[] block = inTiles ? null : BLOCK.floats(Math.max(CHUNK, span) * coP);
        float[] pooled = POOLED_BLOCK.floats(Math.max(1, group * pw) * coP);
        int[] rows = ROWS.ints(Math.max(group * pw, L));
        boolean relu = act == Activation.RELU;
        for (int i = 0; i < group * pw; i++) rows[i] = i * coP;
        for (int g0 = 0; g0 < pairs; g0 += group) {
            int gn = Math.min(group, pairs - g0);
            for (int i = 0; i < gn; i++) {
                int q = q0 + (g0 + i) * 2 * pitch;
                if (inTiles) {
                    for (int x = 0; x < pw; x += 3) {
                        pooled2x6x2(src, q + 2 * x, pitch, taps, depth, wt, 0, biasP, 0, relu, pooled, (i * pw + x) * coP,
                                coP, Math.min(3, pw - x));
                    }
                    continue;
                }
                channelBlock(src, q, span, taps, relu, block);
                for (int ox = 0; ox < pw; ox++) {
                    int a = 2 * ox * coP, b = a + coP, c = a + pitch * coP, d = c + coP, o = (i * pw + ox) * coP;
                    for (int v = 0; v < coP; v += L) {
                        FloatVector p0 = FloatVector.fromArray(F, block, a + v), p1 = FloatVector.fromArray(F, block, b + v);
                        FloatVector p2 = FloatVector.fromArray(F, block, c + v), p3 = FloatVector.fromArray(F, block, d + v);
                        FloatVector m;
                        if (relu) {
                            p0 = p0.blend(p1, p0.lt(p1));
                            p2 = p2.blend(p3, p2.lt(p3));
                            m = p0.blend(p2, p0.lt(p2));
                        } else {
                            m = p0.max(p1).max(p2.max(p3));
                        }
                        m.intoArray(pooled, o + v);
                    }
                }
            }
            if (!relu) VectorMath.applyInPlace(act, pooled, 0, gn * pw * coP);
            transposeOut(pooled, rows, gn * pw, y, yImg + (q0 / (2 * pitch) + g0) * pw, ph * pw);
        }
    }

    /** The pixels path on virtual pixels [q0, q0 + count) of one image (y's at y[yImg …]). */
    private void pixelTiles(float[] src, int[] taps, int q0, int count, int pitch, float[] y, int yImg, int oh,
                            int ow, Activation act) {
        float[] block = BLOCK.floats(coP * PIX_CHUNK);
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        int pixels = oh * ow, group = planesAtOnce(pixels);
        for (int c0 = 0; c0 < count; c0 += PIX_CHUNK) {
            int cn = Math.min(PIX_CHUNK, count - c0), q = q0 + c0;
            for (int v0 = 0, nv; v0 < vecs; v0 += nv) {
                nv = blockVectors(vecs - v0);
                // the groups of PIX_CHANNELS in the weights' block of nv·L channels that hold real channels
                for (int co = v0 * L; co < Math.min(cout, (v0 + nv) * L); co += PIX_CHANNELS) {
                    int wOff = depth * v0 * L + co - v0 * L, ldw = nv * L, row = co * PIX_CHUNK;
                    if (PIX_CHANNELS == 8) {
                        for (int j = 0; j < cn; j += PIX_PIXELS) pix8x3(src, q + j, taps, depth, wt, wOff, ldw, biasP, co, relu, block, row + j, PIX_CHUNK);
                    } else {
                        for (int j = 0; j < cn; j += PIX_PIXELS) pix4x2(src, q + j, taps, depth, wt, wOff, ldw, biasP, co, relu, block, row + j, PIX_CHUNK);
                    }
                }
            }
            if (tmp != null) {
                for (int co = 0; co < cout; co++) VectorMath.applyInPlace(act, block, co * PIX_CHUNK, cn, tmp);
            }
            // the runs of real pixels (ox < ow) into y, `group` channels at a time: each run is one vector copy loop
            // over those channels (the mask of its last vector made once)
            for (int c1 = 0; c1 < cout; c1 += group) {
                int c2 = Math.min(cout, c1 + group);
                for (int j = 0, oy = q / pitch, ox = q % pitch; j < cn; ) {
                    int len = Math.min(ow - ox, cn - j);
                    if (len > 0) copyRuns(block, c1, c2, j, y, yImg + oy * ow + ox, pixels, len);
                    j += Math.min(pitch - ox, cn - j); // on to the next row
                    ox = 0;
                    oy++;
                }
            }
        }
    }

    /**
     * How many of y's planes of {@code pixels} floats the pixels path writes at a time: all of them, unless they
     * share L1 sets. A line's set is its address / 64 modulo 64 (64 sets on x86 and most ARM cores), so planes a
     * multiple of 1 KB apart fall in 64 / gcd(64, lines apart) sets only, and those of 4 KB all in one: 1→32 3×3 on
     * 32×32 took 20 µs with the 32 planes at once, 6.5 with 8 (28×28, not aliased: 4.9 at once, 5.9 by 8).
     */
    private int planesAtOnce(int pixels) {
        if (pixels % 16 != 0) return cout; // planes a fraction of a line apart: spread over every set
        int lines = pixels / 16 % 64, sets = lines == 0 ? 1 : 64 / gcd(64, lines);
        return Math.max(PIX_CHANNELS, Math.min(cout, 8 * sets)); // at most 8 lines a set: L1s have 8 ways or more
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** y[yAt + co·ldy + i] = block[co·PIX_CHUNK + j + i] for i < len, co in [c1, c2): vectors, the last one
     * masked. */
    private static void copyRuns(float[] block, int c1, int c2, int j, float[] y, int yAt, int ldy, int len) {
        int i = 0;
        for (; i + L <= len; i += L) {
            for (int co = c1, s = co * PIX_CHUNK + j + i, d = yAt + co * ldy + i; co < c2; co++, s += PIX_CHUNK, d += ldy) {
                FloatVector.fromArray(F, block, s).intoArray(y, d);
            }
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            for (int co = c1, s = co * PIX_CHUNK + j + i, d = yAt + co * ldy + i; co < c2; co++, s += PIX_CHUNK, d += ldy) {
                FloatVector.fromArray(F, block, s, m).intoArray(y, d, m);
            }
        }
    }

    /**
     * y[yAt + co·ldy + i] = block[rows[i] + co] for i < n, co < cout, by L×L register transposes. A last group of
     * fewer than L pixels or channels overlaps the one before it (its values are written twice, identically); only
     * when there are fewer than L in all does a group go through the edge scratch.
     */
    private void transposeOut(float[] block, int[] rows, int n, float[] y, int yAt, int ldy) {
        transposeOut(block, rows, n, y, yAt, ldy, 0, cout);
    }

    /** {@link #transposeOut(float[], int[], int, float[], int, int)} for output channels [co0, co1) only. */
    private void transposeOut(float[] block, int[] rows, int n, float[] y, int yAt, int ldy, int co0, int co1) {
        if (n == 0 || co1 <= co0) return;
        float[] edge = null;
        int channels = co1 - co0;
        for (int i0 = 0; i0 < n; i0 += L) {
            int i = n >= L ? Math.min(i0, n - L) : 0, m = Math.min(L, n);
            if (m < L) Arrays.fill(rows, n, L, rows[n - 1]); // the transpose reads L rows (the extra ones are dropped)
            for (int c0 = co0; c0 < co1; c0 += L) {
                int c = channels >= L ? Math.min(c0, co1 - L) : co0, k = Math.min(L, channels), d = yAt + c * ldy + i;
                if (m == L && k == L) {
                    transpose(block, c, rows, i, y, d, ldy);
                } else {
                    if (edge == null) edge = EDGE.floats(L * L);
                    transpose(block, c, rows, i, edge, 0, L);
                    for (int r = 0; r < k; r++) System.arraycopy(edge, r * L, y, d + r * ldy, m);
                }
            }
        }
    }

    /** b[bOff + c·ldb + i] = a[aOff + rows[ri + i] + c] for c, i < L: L rows (from a table) to L columns. */
    private static void transpose(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        switch (L) {
            case 16 -> transpose16(a, aOff, rows, ri, b, bOff, ldb);
            case 8 -> transpose8(a, aOff, rows, ri, b, bOff, ldb);
            case 4 -> transpose4(a, aOff, rows, ri, b, bOff, ldb);
            default -> {
                for (int c = 0; c < L; c++) {
                    for (int i = 0; i < L; i++) b[bOff + c * ldb + i] = a[aOff + rows[ri + i] + c];
                }
            }
        }
    }

    // ---- Winograd path (F(2×2, 3×3), Lavin & Gray) -------------------------------------------------------------
    //
    // Each 2×2 block of output pixels (a tile) reads a 4×4 window d of the zero-padded input; with the 4×4 transform
    // V = Bᵀ·d·B of the window and U = G·g·Gᵀ of the 3×3 kernel, the block is Y = Aᵀ·(Σ_ci U ⊙ V)·A. The sum over
    // input channels is, for each of the 16 positions of the 4×4 tile, a product (tiles × cin)·(cin × cout): 16
    // GEMMs of 16·cin·cout multiply-adds per tile, against 36·cin·cout for the direct paths (2.25× fewer).
    //
    // A task takes a chunk of whole tile rows (consecutive over the batch, so it may span images; sized so that its
    // V (16 × tiles × cin) and M (16 × tiles × cout) stay within WINOGRAD_FLOATS) and a range of output channels:
    // 1. each of the chunk's images (its band of padded input rows) is copied channel-last into a zero-padded
    //    scratch (L×L register transposes), so that the input transform runs on vectors of input channels and
    //    writes V[position] as a row-major (tiles × cinP) matrix;
    // 2. per position, V[position]·U[position] → M[position] (tiles × coP) with PackedGemm, V read in place (the
    //    GEMM's skinny kernels: no packing per call);
    // 3. the output transform (+ bias, ReLU) on vectors of output channels writes the chunk's output pixels channel-
    //    last, and the channels transposes move them into y's rows.
    // Every output is summed in the same order whatever the split of tasks (chunks depend on the shape only; a
    // range of output channels is whole panels of B, computed as in the whole GEMM): the result does not depend on
    // the thread count.

    /** Fewest input and output channels for which the class picks the Winograd path itself (also over the GEMM
     * path for deep kernels). Measured (ConvPathsBench, 1 thread, one image, AVX-512): 16 → 16 at 28×28 ran in 40 µs
     * on Winograd against 19 µs direct (the transforms, ≈ 2 × 16 additions per tile and channel, outweigh the
     * multiply-adds saved); 32 → 64 at 14×14 25 against 35 µs; 64 → 64 at 7×7 21 against 21; 128 → 128 at 14×14
     * 172 against 258; 256 → 256 at 7×7 248 against 380 on GEMM; 64 → 64 at 56×56 712 against 998. */
    private static final int WINOGRAD_MIN_CHANNELS = 32;
    /** Smallest output side for which the class picks the Winograd path itself: at 7×7 (64 → 64, as above) the
     * paths ran even; smaller outputs waste more of their edge tiles. */
    private static final int WINOGRAD_MIN_OUTPUT = 4;
    /** Floats a chunk's V and M may take together: 512 KB, half the L2 of the cores measured (1 MB). */
    private static final int WINOGRAD_FLOATS = 128 * 1024;

    // Per-thread scratch of the Winograd path: the channel-last band of padded input, V, M, the channel-last output
    // block, the band's input rows transposed as one run, its row table, the input planes' offsets.
    private static final Scratch WINO_BAND = new Scratch(), WINO_V = new Scratch(), WINO_M = new Scratch(),
            WINO_OUT = new Scratch(), WINO_RUN = new Scratch();
    private static final Scratch.Ints WINO_ROWS = new Scratch.Ints(), WINO_PLANES = new Scratch.Ints();

    /** U = G·g·Gᵀ for every (co, ci), as 16 right operands (cout × cin), one per position (row-major in the 4×4),
     * stacked (winoCols rows each) and packed as one. */
    private PackedMatrix winogradWeights() {
        float[] u = new float[16 * winoCols * cin];
        double[][] gt = new double[3][4];
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                int g = (co * cin + ci) * 9;
                for (int r = 0; r < 3; r++) { // (g·Gᵀ) row r: G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]
                    double a = weight[g + r * 3], b = weight[g + r * 3 + 1], c = weight[g + r * 3 + 2];
                    gt[r][0] = a;
                    gt[r][1] = (a + b + c) / 2;
                    gt[r][2] = (a - b + c) / 2;
                    gt[r][3] = c;
                }
                for (int j = 0; j < 4; j++) { // G·(g·Gᵀ) column j
                    double a = gt[0][j], b = gt[1][j], c = gt[2][j];
                    int at = (j * winoCols + co) * cin + ci, pos = 4 * winoCols * cin; // position i·4 + j
                    u[at] = (float) a;
                    u[at + pos] = (float) ((a + b + c) / 2);
                    u[at + 2 * pos] = (float) ((a - b + c) / 2);
                    u[at + 3 * pos] = (float) c;
                }
            }
        }
        return PackedMatrix.forB(u, 16 * winoCols, cin);
    }

    /** Tile rows per chunk: as many as keep V and M within WINOGRAD_FLOATS (at least one). */
    private int winogradChunkRows(int tw) {
        int tiles = WINOGRAD_FLOATS / (16 * (cinP + coP));
        return Math.max(1, tiles / tw);
    }

    private void winogradForward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow,
                                 Activation act, boolean pooled, ComputePool pool) {
        int th = (oh + 1) / 2, tw = (ow + 1) / 2, rowsAll = n * th;
        int per = Math.min(rowsAll, winogradChunkRows(tw)), chunks = (rowsAll + per - 1) / per;
        boolean parallel = pool != null && pool.threads() > 1 && (long) n * cout * oh * ow * depth >= (1 << 18);
        int panels = (cout + Tiles.NR - 1) / Tiles.NR, parts = 1;
        if (parallel && chunks < 2 * pool.threads()) {
            // few chunks: split the output channels too, at panels of B (the split never changes a result)
            parts = Math.min(panels, (2 * pool.threads() + chunks - 1) / chunks);
        }
        int ps = parts, tasks = chunks * parts;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) winogradTask(t / ps, t % ps, ps, per, rowsAll, x, xOff, h, w, y, yOff, oh, ow, act, pooled);
        } else {
            pool.parallelFor(tasks, t -> winogradTask(t / ps, t % ps, ps, per, rowsAll, x, xOff, h, w, y, yOff, oh, ow, act, pooled));
        }
    }

    /**
     * Tile rows [chunk·per, chunk·per + per) ∩ [0, rowsAll) of the batch (numbered across images: image b's tile row
     * ty is b·th + ty), output channels of part {@code part} of {@code parts} (whole panels of B).
     */
    private void winogradTask(int chunk, int part, int parts, int per, int rowsAll, float[] x, int xOff, int h, int w,
                              float[] y, int yOff, int oh, int ow, Activation act, boolean pooled) {
        int th = (oh + 1) / 2, tw = (ow + 1) / 2;
        int r0 = chunk * per, r1 = Math.min(rowsAll, r0 + per), tiles = (r1 - r0) * tw;
        int panels = (cout + Tiles.NR - 1) / Tiles.NR;
        int co0 = panels * part / parts * Tiles.NR, co1 = Math.min(cout, panels * (part + 1) / parts * Tiles.NR);
        int co1P = Math.min(coP, roundUp(co1, L));
        int vPlane = tiles * cinP, mPlane = tiles * coP, rowPitch = (2 * tw + 2) * cinP;
        float[] v = WINO_V.floats(16 * vPlane);
        float[] m = WINO_M.floats(16 * mPlane);
        // 1. V: the input transform, image by image (a chunk's rows of one image are a band of it)
        for (int r = r0, j = 0; r < r1; ) {
            int b = r / th, ty0 = r % th, ty1 = Math.min(th, ty0 + (r1 - r));
            float[] band = winogradBand(x, xOff + b * cin * h * w, h, w, ty0, ty1, tw);
            for (int ty = ty0; ty < ty1; ty++) {
                for (int tx = 0; tx < tw; tx++, j++) {
                    inputTransform(band, 2 * (ty - ty0) * rowPitch + 2 * tx * cinP, rowPitch, cinP, v, j * cinP, vPlane);
                }
            }
            r += ty1 - ty0;
        }
        // 2. M[p] = V[p]·U[p], output channels [co0, co1)
        PackedGemm.multiplyStackedInPlace(v, 0, vPlane, cinP, tiles, wino, 16, winoCols, co0, co1 - co0, m, 0, mPlane, coP);
        // 3. Y: the output transform, + bias, activation, into y, image by image; pooled: one pixel per whole tile
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        int ph = oh / 2, pw = ow / 2;
        for (int r = r0, j = 0; r < r1; ) {
            int b = r / th, ty0 = r % th, ty1 = Math.min(th, ty0 + (r1 - r));
            int oy0 = 2 * ty0, oy1 = Math.min(oh, 2 * ty1);
            int pixels = pooled ? Math.max(0, Math.min(ph, ty1) - ty0) * pw : (oy1 - oy0) * ow;
            float[] out = WINO_OUT.floats(Math.max(1, pixels) * coP);
            for (int ty = ty0; ty < ty1; ty++) {
                for (int tx = 0; tx < tw; tx++, j++) {
                    if (pooled) {
                        if (ty < ph && tx < pw) {
                            outputTransform(m, j * coP, mPlane, biasP, co0, co1P, relu, out, ((ty - ty0) * pw + tx) * coP, 0, 0, true, true, true);
                        }
                        continue;
                    }
                    int oy = 2 * ty, ox = 2 * tx;
                    outputTransform(m, j * coP, mPlane, biasP, co0, co1P, relu, out, ((oy - oy0) * ow + ox) * coP, ow * coP,
                            coP, oy + 1 < oh, ox + 1 < ow, false);
                }
            }
            if (pixels > 0) {
                if (tmp != null) {
                    // whole vectors per pixel (co0 and co1P are multiples of L): no scalar tails, so each value is the
                    // same whatever the split of channels
                    for (int q = 0; q < pixels; q++) VectorMath.applyInPlace(act, out, q * coP + co0, co1P - co0, tmp);
                }
                int[] rows = WINO_ROWS.ints(Math.max(pixels, L));
                for (int q = 0; q < pixels; q++) rows[q] = q * coP;
                if (pooled) transposeOut(out, rows, pixels, y, yOff + b * cout * ph * pw + ty0 * pw, ph * pw, co0, co1);
                else transposeOut(out, rows, pixels, y, yOff + b * cout * oh * ow + oy0 * ow, oh * ow, co0, co1);
            }
            r += ty1 - ty0;
        }
    }

    /**
     * Padded rows [2·ty0, 2·ty1 + 2) × columns [0, 2·tw + 2) of the image's cin planes of h×w at x[xImg …] (the input
     * at padded row padTop, column padLeft), channel-last: padded pixel (r, c) at ((r − 2·ty0)·(2·tw + 2) + c)·cinP,
     * zeros outside the input and in channels [cin, cinP). The calling thread's {@link #WINO_BAND} scratch.
     */
    private float[] winogradBand(float[] x, int xImg, int h, int w, int ty0, int ty1, int tw) {
        int rows = 2 * (ty1 - ty0) + 2, cols = 2 * tw + 2, size = rows * cols * cinP;
        float[] d = WINO_BAND.floats(size);
        Arrays.fill(d, 0, size, 0f);
        int iy0 = Math.max(0, 2 * ty0 - padTop), iy1 = Math.min(h, 2 * ty0 + rows - padTop);
        int len = Math.min(w, cols - padLeft); // input columns inside the band
        if (len <= 0) return d;
        boolean registers = cin >= L && (L == 4 || L == 8 || L == 16);
        boolean transposes = registers && len >= L;
        int[] planes = registers ? WINO_PLANES.ints(cin) : null;
        if (registers) for (int ci = 0; ci < cin; ci++) planes[ci] = ci * h * w;
        if (registers && !transposes && (iy1 - iy0) * w >= L) {
            // rows narrower than a vector (the 14×14 maps of small CNNs): the band's input rows are one run of
            // (iy1 − iy0)·w pixels in each plane; transpose the run L pixels at a time into scratch, then copy each
            // row's first len pixels into place (a scalar loop per channel here took 3.2 of conv2's 23.7 µs)
            int run = (iy1 - iy0) * w;
            float[] t = WINO_RUN.floats(run * cinP);
            if (cin < cinP) Arrays.fill(t, 0, run * cinP, 0f);
            for (int q0 = 0; q0 < run; q0 += L) {
                int q = Math.min(q0, run - L);
                for (int c0 = 0; c0 < cin; c0 += L) {
                    int c = Math.min(c0, cin - L);
                    transpose(x, xImg + iy0 * w + q, planes, c, t, q * cinP + c, cinP);
                }
            }
            for (int iy = iy0; iy < iy1; iy++) {
                System.arraycopy(t, (iy - iy0) * w * cinP, d, ((iy + padTop - 2 * ty0) * cols + padLeft) * cinP, len * cinP);
            }
            return d;
        }
        for (int iy = iy0; iy < iy1; iy++) {
            int at = ((iy + padTop - 2 * ty0) * cols + padLeft) * cinP, s = xImg + iy * w;
            if (transposes) {
                // L pixels × L channels at a time; the last group of each overlaps the one before it
                for (int i0 = 0; i0 < len; i0 += L) {
                    int i = Math.min(i0, len - L);
                    for (int c0 = 0; c0 < cin; c0 += L) {
                        int c = Math.min(c0, cin - L);
                        transpose(x, s + i, planes, c, d, at + i * cinP + c, cinP);
                    }
                }
            } else {
                for (int ci = 0; ci < cin; ci++) {
                    for (int ix = 0, src = s + ci * h * w; ix < len; ix++) d[at + ix * cinP + ci] = x[src + ix];
                }
            }
        }
        return d;
    }

    /**
     * V = Bᵀ·d·B for one tile, every input channel: d(r, c) is the vector of channels at src[s + r·ld + c·cinP + …];
     * V(i, j) goes to v[vOff + (4i + j)·plane + …]. Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]]: first the
     * columns j of d·B (d(r,0) − d(r,2), d(r,1) + d(r,2), d(r,2) − d(r,1), d(r,1) − d(r,3)), then Bᵀ on each.
     */
    private static void inputTransform(float[] src, int s, int ld, int cinP, float[] v, int vOff, int plane) {
        int c1 = cinP, c2 = 2 * cinP, c3 = 3 * cinP;
        for (int c = 0; c < cinP; c += L) {
            int a0 = s + c, a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, o = vOff + c;
            // columns 1 and 2 of d·B share their loads
            FloatVector d01 = FloatVector.fromArray(F, src, a0 + c1), d02 = FloatVector.fromArray(F, src, a0 + c2);
            FloatVector d11 = FloatVector.fromArray(F, src, a1 + c1), d12 = FloatVector.fromArray(F, src, a1 + c2);
            FloatVector d21 = FloatVector.fromArray(F, src, a2 + c1), d22 = FloatVector.fromArray(F, src, a2 + c2);
            FloatVector d31 = FloatVector.fromArray(F, src, a3 + c1), d32 = FloatVector.fromArray(F, src, a3 + c2);
            FloatVector u0 = d01.add(d02), u1 = d11.add(d12), u2 = d21.add(d22), u3 = d31.add(d32);
            u0.sub(u2).intoArray(v, o + plane);
            u1.add(u2).intoArray(v, o + 5 * plane);
            u2.sub(u1).intoArray(v, o + 9 * plane);
            u1.sub(u3).intoArray(v, o + 13 * plane);
            u0 = d02.sub(d01);
            u1 = d12.sub(d11);
            u2 = d22.sub(d21);
            u3 = d32.sub(d31);
            u0.sub(u2).intoArray(v, o + 2 * plane);
            u1.add(u2).intoArray(v, o + 6 * plane);
            u2.sub(u1).intoArray(v, o + 10 * plane);
            u1.sub(u3).intoArray(v, o + 14 * plane);
            u0 = FloatVector.fromArray(F, src, a0).sub(d02);
            u1 = FloatVector.fromArray(F, src, a1).sub(d12);
            u2 = FloatVector.fromArray(F, src, a2).sub(d22);
            u3 = FloatVector.fromArray(F, src, a3).sub(d32);
            u0.sub(u2).intoArray(v, o);
            u1.add(u2).intoArray(v, o + 4 * plane);
            u2.sub(u1).intoArray(v, o + 8 * plane);
            u1.sub(u3).intoArray(v, o + 12 * plane);
            u0 = d01.sub(FloatVector.fromArray(F, src, a0 + c3));
            u1 = d11.sub(FloatVector.fromArray(F, src, a1 + c3));
            u2 = d21.sub(FloatVector.fromArray(F, src, a2 + c3));
            u3 = d31.sub(FloatVector.fromArray(F, src, a3 + c3));
            u0.sub(u2).intoArray(v, o + 3 * plane);
            u1.add(u2).intoArray(v, o + 7 * plane);
            u2.sub(u1).intoArray(v, o + 11 * plane);
            u1.sub(u3).intoArray(v, o + 15 * plane);
        }
    }

    /**
     * Y = Aᵀ·M·A + bias for one tile, output channels [co0, co1P) (multiples of L): M(i, j) is the vector of channels
     * at m[mOff + (4i + j)·plane + …], Aᵀ = [[1,1,1,0],[0,1,−1,−1]]. Y(0, 0) goes to out[o + …], Y(0, 1) to
     * out[o + ldp + …] (ldp floats per pixel), Y(1, ·) a row (ldr floats) below; row 1 only when {@code row1}, column 1
     * only when {@code col1} (the tiles past an odd output size). With {@code pool} (a whole tile), only the max of the
     * four pixels goes to out[o + …]: bias and ReLU commute with max, so it equals pooling the tile's outputs.
     */
    private static void outputTransform(float[] m, int mOff, int plane, float[] bias, int co0, int co1P, boolean relu,
                                        float[] out, int o, int ldr, int ldp, boolean row1, boolean col1, boolean pool) {
        for (int c = co0; c < co1P; c += L) {
            int a = mOff + c;
            FloatVector s00, s01, s02, s03, s10, s11, s12, s13;
            {
                FloatVector m0 = FloatVector.fromArray(F, m, a), m1 = FloatVector.fromArray(F, m, a + 4 * plane);
                FloatVector m2 = FloatVector.fromArray(F, m, a + 8 * plane), m3 = FloatVector.fromArray(F, m, a + 12 * plane);
                s00 = m0.add(m1).add(m2);
                s10 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(F, m, a + plane), m1 = FloatVector.fromArray(F, m, a + 5 * plane);
                FloatVector m2 = FloatVector.fromArray(F, m, a + 9 * plane), m3 = FloatVector.fromArray(F, m, a + 13 * plane);
                s01 = m0.add(m1).add(m2);
                s11 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(F, m, a + 2 * plane), m1 = FloatVector.fromArray(F, m, a + 6 * plane);
                FloatVector m2 = FloatVector.fromArray(F, m, a + 10 * plane), m3 = FloatVector.fromArray(F, m, a + 14 * plane);
                s02 = m0.add(m1).add(m2);
                s12 = m1.sub(m2).sub(m3);
            }
            {
                FloatVector m0 = FloatVector.fromArray(F, m, a + 3 * plane), m1 = FloatVector.fromArray(F, m, a + 7 * plane);
                FloatVector m2 = FloatVector.fromArray(F, m, a + 11 * plane), m3 = FloatVector.fromArray(F, m, a + 15 * plane);
                s03 = m0.add(m1).add(m2);
                s13 = m1.sub(m2).sub(m3);
            }
            FloatVector bv = FloatVector.fromArray(F, bias, c);
            FloatVector y00 = s00.add(s01).add(s02).add(bv), y01 = s01.sub(s02).sub(s03).add(bv);
            if (pool) {
                FloatVector y = y00.max(y01).max(s10.add(s11).add(s12).add(bv).max(s11.sub(s12).sub(s13).add(bv)));
                if (relu) y = FloatVector.zero(F).blend(y, y.compare(VectorOperators.GT, 0f));
                y.intoArray(out, o + c);
                continue;
            }
            if (relu) {
                y00 = FloatVector.zero(F).blend(y00, y00.compare(VectorOperators.GT, 0f));
                y01 = FloatVector.zero(F).blend(y01, y01.compare(VectorOperators.GT, 0f));
            }
            y00.intoArray(out, o + c);
            if (col1) y01.intoArray(out, o + ldp + c);
            if (row1) {
                FloatVector y10 = s10.add(s11).add(s12).add(bv), y11 = s11.sub(s12).sub(s13).add(bv);
                if (relu) {
                    y10 = FloatVector.zero(F).blend(y10, y10.compare(VectorOperators.GT, 0f));
                    y11 = FloatVector.zero(F).blend(y11, y11.compare(VectorOperators.GT, 0f));
                }
                y10.intoArray(out, o + ldr + c);
                if (col1) y11.intoArray(out, o + ldr + ldp + c);
            }
        }
    }

    // ---- GEMM path ----------------------------------------------------------------------------------------------

    private void gemmForward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                             ComputePool pool) {
        int pixels = oh * ow;
        boolean parallel = pool != null && pool.threads() > 1 && (long) n * cout * pixels * depth >= (1 << 18);
        int per = PIXELS_PER_TASK;
        if (parallel && n * groups < 2 * pool.threads()) {
            // few images: smaller pixel blocks so every thread gets work (the split never changes a result)
            int want = (2 * pool.threads() + n * groups - 1) / (n * groups);
            int nr = Tiles.NR;
            per = Math.max(nr, Math.min(per, ((pixels + want - 1) / want + nr - 1) / nr * nr));
        }
        int px = per;
        int blocks = (pixels + px - 1) / px;
        int tasks = n * groups * blocks;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) gemmTask(t, blocks, px, x, xOff, h, w, y, yOff, oh, ow, act);
        } else {
            pool.parallelFor(tasks, t -> gemmTask(t, blocks, px, x, xOff, h, w, y, yOff, oh, ow, act));
        }
    }

    private void gemmTask(int t, int blocks, int per, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow,
                          Activation act) {
        int b = t / (groups * blocks), rest = t % (groups * blocks), g = rest / blocks, blk = rest % blocks;
        int pixels = oh * ow;
        int j0 = blk * per, cols = Math.min(per, pixels - j0);
        float[] panels = PANELS.floats(PackedGemm.panelFloats(cols, depth));
        im2col(x, xOff + (b * cin + g * cinG) * h * w, h, w, oh, ow, j0, cols, panels);
        int cOff = yOff + (b * cout + g * coutG) * pixels + j0;
        PackedGemm.multiplyPanels(packed[g], panels, 0, cols, y, cOff, pixels, bias, g * coutG, true, act, null, 0, 0, null);
    }

    /**
     * Writes the patches of output pixels [j0, j0 + cols) into depth-major panels: panel q holds pixels
     * j0 + q·NR …, and row k = (ic·kh + ky)·kw + kx of it the input value each of those pixels multiplies by
     * weight k. The group's input planes are first copied into zero-padded planes that cover every tap, so each run
     * of pixels along an output row is one unconditional copy (vector loads and stores at stride 1): 48 → 14 µs for
     * the seed CNN's conv2 (k = 288, 196 pixels) against per-tap bounds logic and System.arraycopy. Every float of
     * the panels is written (padding columns with 0).
     */
    private void im2col(float[] x, int xOff, int h, int w, int oh, int ow, int j0, int cols, float[] dst) {
        final int nr = Tiles.NR;
        int ph = paddedRows(h, oh), pw = paddedCols(w, ow);
        int planeSize = ph * pw;
        float[] pad = zeroedPlanes(x, xOff, cinG, h, w, ph, pw, cinG * planeSize + L);
        int[] seg = SEGMENTS.ints(3 * (nr + 1));
        final int segLen = nr + 1, segAt = 2 * (nr + 1); // seg[0, nr] = run starts, then run lengths, then panel columns
        for (int q = 0, base = 0; q * nr < cols; q++, base += depth * nr) {
            int js = j0 + q * nr, jn = Math.min(nr, cols - q * nr);
            // the panel's pixels as runs along output rows: where each run starts in a padded plane at tap (0, 0)
            int segs = 0;
            for (int jj = 0; jj < jn; ) {
                int j = js + jj, oy = j / ow, ox = j % ow, len = Math.min(ow - ox, jn - jj);
                seg[segs] = oy * sh * pw + ox * sw;
                seg[segLen + segs] = len;
                seg[segAt + segs] = jj;
                segs++;
                jj += len;
            }
            for (int ic = 0; ic < cinG; ic++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int row = base + ((ic * kh + ky) * kw + kx) * nr;
                        int tap = ic * planeSize + ky * dh * pw + kx * dw;
                        for (int s = 0; s < segs; s++) {
                            if (sw == 1) copyRun(pad, tap + seg[s], dst, row + seg[segAt + s], seg[segLen + s]);
                            else copyStrided(pad, tap + seg[s], dst, row + seg[segAt + s], seg[segLen + s]);
                        }
                        if (jn < nr) Arrays.fill(dst, row + jn, row + nr, 0f);
                    }
                }
            }
        }
    }

    /**
     * {@code planes} planes of h×w at x[xOff …] copied into zero-padded ph×pw planes (the input at row padTop, column
     * padLeft) in the calling thread's {@link #PAD} scratch, whose first {@code size} floats are defined.
     */
    private float[] zeroedPlanes(float[] x, int xOff, int planes, int h, int w, int ph, int pw, int size) {
        float[] pad = PAD.floats(size);
        int planeSize = ph * pw;
        if (padTop == 0 && padLeft == 0 && pw == w) {
            // the input rows fill each padded plane's first h rows completely: zero only what follows them
            for (int ic = 0; ic < planes; ic++) {
                int at = ic * planeSize;
                System.arraycopy(x, xOff + ic * h * w, pad, at, h * w);
                Arrays.fill(pad, at + h * w, at + planeSize, 0f);
            }
            Arrays.fill(pad, planes * planeSize, size, 0f);
        } else {
            Arrays.fill(pad, 0, size, 0f);
            for (int ic = 0; ic < planes; ic++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(x, xOff + (ic * h + iy) * w, pad, ic * planeSize + (iy + padTop) * pw + padLeft, w);
                }
            }
        }
        return pad;
    }

    /** dst[d, d + len) = src[s, s + len) by vectors, the last one masked. */
    private static void copyRun(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i + L <= len; i += L) FloatVector.fromArray(F, src, s + i).intoArray(dst, d + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, src, s + i, m).intoArray(dst, d + i, m);
        }
    }

    private void copyStrided(float[] src, int s, float[] dst, int d, int len) {
        for (int t = 0; t < len; t++) dst[d + t] = src[s + t * sw];
    }

    // ---- depthwise path (one input channel per output channel) --------------------------------------------------

    private void depthwiseForward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                               ComputePool pool) {
        int tasks = n * cin;
        if (pool == null || pool.threads() == 1 || (long) n * cout * oh * ow * kh * kw < (1 << 16)) {
            for (int t = 0; t < tasks; t++) depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act);
        } else {
            pool.parallelFor(tasks, t -> depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act));
        }
    }

    private void depthwiseTask(int t, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow, Activation act) {
        int b = t / cin, ic = t % cin;
        // zero-padded copy of the plane, large enough for every tap of every output pixel
        int ph = paddedRows(h, oh), pw = paddedCols(w, ow);
        float[] pad = zeroedPlanes(x, xOff + (b * cin + ic) * h * w, 1, h, w, ph, pw, ph * pw);
        int mult = coutG; // output channels of this input channel (groups = cin here)
        float[] tmp = act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp();
        for (int m = 0; m < mult; m++) {
            int oc = ic * mult + m;
            float bs = bias == null ? 0f : bias[oc];
            int yo = yOff + (b * cout + oc) * oh * ow;
            int wOff = oc * kh * kw;
            for (int oy = 0; oy < oh; oy++) {
                int yRow = yo + oy * ow;
                if (sw == 1) directRowUnitStride(pad, pw, oy * sh, wOff, bs, y, yRow, ow);
                else directRowStrided(pad, pw, oy * sh, wOff, bs, y, yRow, ow);
                VectorMath.applyInPlace(act, y, yRow, ow, tmp);
            }
        }
    }

    private void directRowUnitStride(float[] pad, int pw, int iy0, int wOff, float bs, float[] y, int yRow, int ow) {
        int ox = 0;
        for (int up = F.loopBound(ow); ox < up; ox += L) {
            FloatVector acc = FloatVector.broadcast(F, bs);
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + ox;
                for (int kx = 0; kx < kw; kx++) {
                    acc = FloatVector.fromArray(F, pad, pr + kx * dw).fma(FloatVector.broadcast(F, weight[wOff + ky * kw + kx]), acc);
                }
            }
            acc.intoArray(y, yRow + ox);
        }
        if (ox < ow) {
            VectorMask<Float> m = F.indexInRange(ox, ow);
            FloatVector acc = FloatVector.broadcast(F, bs);
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + ox;
                for (int kx = 0; kx < kw; kx++) {
                    acc = FloatVector.fromArray(F, pad, pr + kx * dw, m).fma(FloatVector.broadcast(F, weight[wOff + ky * kw + kx]), acc);
                }
            }
            acc.intoArray(y, yRow + ox, m);
        }
    }

    private void directRowStrided(float[] pad, int pw, int iy0, int wOff, float bs, float[] y, int yRow, int ow) {
        for (int ox = 0; ox < ow; ox++) {
            float acc = bs;
            int c0 = ox * sw;
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + c0;
                for (int kx = 0; kx < kw; kx++) acc = Math.fma(pad[pr + kx * dw], weight[wOff + ky * kw + kx], acc);
            }
            y[yRow + ox] = acc;
        }
    }

    // ---- channels and pixels paths: register tiles and transposes -----------------------------------------------
    //
    // runRxV (channels): the R consecutive virtual pixels from q × output channels [co, co + V·L), whose weights are
    // at wt[wOff + k·V·L …]; stored pixel-major at c[cOff + i·ldc + v·L]. pixRxV (pixels): output channels
    // [co, co + R), whose weights are at wt[wOff + k·ldw …], × the V·L consecutive virtual pixels from q; stored
    // channel-major at c[cOff + i·ldc + v·L]. In both the accumulators start from the bias, the taps run in order
    // (the same FMAs, so the two agree bitwise) and ReLU, when asked, is applied in registers with the reference's
    // rule (NaN and −0 give +0). transposeN (N = L): log2 L rounds of two-vector rearranges, each swapping the
    // off-diagonal halves of the 2h×2h blocks. Written out (vectors must stay in locals) by a short generator
    // script, then kept as ordinary source, as MicroKernels.

    /** Rearranges of the transposes: for a pair of rows (r, r + h), LOh gives the new row r, HIh the new row r + h. */
    private static final VectorShuffle<Float> LO1 = swap(1, true), HI1 = swap(1, false), LO2 = swap(2, true),
            HI2 = swap(2, false), LO4 = swap(4, true), HI4 = swap(4, false), LO8 = swap(8, true), HI8 = swap(8, false);

    /** Lane l of the new row r is lane l of row r where l & h = 0, else lane l − h of row r + h (LO); lane l + h of
     * row r, else lane l of row r + h (HI). Negative indices pick from the second vector. Null where h ≥ L. */
    private static VectorShuffle<Float> swap(int h, boolean lo) {
        if (h >= L) return null;
        int[] ix = new int[L];
        for (int l = 0; l < L; l++) ix[l] = (l & h) == 0 ? (lo ? l : l + h) : (lo ? l - h - L : l - L);
        return VectorShuffle.fromArray(F, ix, 0);
    }

    private static void run6x4(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c02 = FloatVector.fromArray(F, bias, co + 2 * L);
        FloatVector c03 = FloatVector.fromArray(F, bias, co + 3 * L);
        FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03;
        FloatVector c20 = c00, c21 = c01, c22 = c02, c23 = c03;
        FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03;
        FloatVector c40 = c00, c41 = c01, c42 = c02, c43 = c03;
        FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 4 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector w2 = FloatVector.fromArray(F, wt, wk + 2 * L);
            FloatVector w3 = FloatVector.fromArray(F, wt, wk + 3 * L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01); c02 = x0.fma(w2, c02); c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11); c12 = x1.fma(w2, c12); c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21); c22 = x2.fma(w2, c22); c23 = x2.fma(w3, c23);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31); c32 = x3.fma(w2, c32); c33 = x3.fma(w3, c33);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41); c42 = x4.fma(w2, c42); c43 = x4.fma(w3, c43);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51); c52 = x5.fma(w2, c52); c53 = x5.fma(w3, c53);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c02 = z.blend(c02, c02.compare(VectorOperators.GT, 0f));
            c03 = z.blend(c03, c03.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c12 = z.blend(c12, c12.compare(VectorOperators.GT, 0f));
            c13 = z.blend(c13, c13.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c22 = z.blend(c22, c22.compare(VectorOperators.GT, 0f));
            c23 = z.blend(c23, c23.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c32 = z.blend(c32, c32.compare(VectorOperators.GT, 0f));
            c33 = z.blend(c33, c33.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c42 = z.blend(c42, c42.compare(VectorOperators.GT, 0f));
            c43 = z.blend(c43, c43.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c52 = z.blend(c52, c52.compare(VectorOperators.GT, 0f));
            c53 = z.blend(c53, c53.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L); c03.intoArray(c, cOff + 3 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L); c13.intoArray(c, cOff + ldc + 3 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L); c23.intoArray(c, cOff + 2 * ldc + 3 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L); c33.intoArray(c, cOff + 3 * ldc + 3 * L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L); c42.intoArray(c, cOff + 4 * ldc + 2 * L); c43.intoArray(c, cOff + 4 * ldc + 3 * L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L); c52.intoArray(c, cOff + 5 * ldc + 2 * L); c53.intoArray(c, cOff + 5 * ldc + 3 * L);
    }

    /**
     * The channels path's tile with the 2×2 max pooling: output pixels [q, q + 6) of a row and the six below them
     * (q + pitch …) × the 2 vectors of output channels from {@code co} (24 accumulators, as {@link #run12x2}, summed
     * in the same order), + bias, ReLU when {@code relu}; then the max of each of the 3 windows of 2×2 pixels (compare
     * and blend after a ReLU, Java's max otherwise, as {@link #channelTilesPooled} pools) into c[cOff + x·ldc …] for
     * x < {@code windows}. The two rows never leave the registers: no block of them, no pooling pass over it.
     */
    private static void pooled2x6x2(float[] src, int q, int pitch, int[] taps, int depth, float[] wt, int wOff, float[] bias,
                                    int co, boolean relu, float[] c, int cOff, int ldc, int windows) {
        FloatVector bias0 = FloatVector.fromArray(F, bias, co), bias1 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c000 = bias0, c001 = bias1, c010 = bias0, c011 = bias1, c020 = bias0, c021 = bias1, c030 = bias0, c031 = bias1, c040 = bias0, c041 = bias1, c050 = bias0, c051 = bias1;
        FloatVector c100 = bias0, c101 = bias1, c110 = bias0, c111 = bias1, c120 = bias0, c121 = bias1, c130 = bias0, c131 = bias1, c140 = bias0, c141 = bias1, c150 = bias0, c151 = bias1;
        for (int k = 0; k < depth; k++) {
            int s0 = q + taps[k], s1 = s0 + pitch, wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk), w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x00 = FloatVector.broadcast(F, src[s0 + 0]);
            c000 = x00.fma(w0, c000); c001 = x00.fma(w1, c001);
            FloatVector x01 = FloatVector.broadcast(F, src[s0 + 1]);
            c010 = x01.fma(w0, c010); c011 = x01.fma(w1, c011);
            FloatVector x02 = FloatVector.broadcast(F, src[s0 + 2]);
            c020 = x02.fma(w0, c020); c021 = x02.fma(w1, c021);
            FloatVector x03 = FloatVector.broadcast(F, src[s0 + 3]);
            c030 = x03.fma(w0, c030); c031 = x03.fma(w1, c031);
            FloatVector x04 = FloatVector.broadcast(F, src[s0 + 4]);
            c040 = x04.fma(w0, c040); c041 = x04.fma(w1, c041);
            FloatVector x05 = FloatVector.broadcast(F, src[s0 + 5]);
            c050 = x05.fma(w0, c050); c051 = x05.fma(w1, c051);
            FloatVector x10 = FloatVector.broadcast(F, src[s1 + 0]);
            c100 = x10.fma(w0, c100); c101 = x10.fma(w1, c101);
            FloatVector x11 = FloatVector.broadcast(F, src[s1 + 1]);
            c110 = x11.fma(w0, c110); c111 = x11.fma(w1, c111);
            FloatVector x12 = FloatVector.broadcast(F, src[s1 + 2]);
            c120 = x12.fma(w0, c120); c121 = x12.fma(w1, c121);
            FloatVector x13 = FloatVector.broadcast(F, src[s1 + 3]);
            c130 = x13.fma(w0, c130); c131 = x13.fma(w1, c131);
            FloatVector x14 = FloatVector.broadcast(F, src[s1 + 4]);
            c140 = x14.fma(w0, c140); c141 = x14.fma(w1, c141);
            FloatVector x15 = FloatVector.broadcast(F, src[s1 + 5]);
            c150 = x15.fma(w0, c150); c151 = x15.fma(w1, c151);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c000 = z.blend(c000, c000.compare(VectorOperators.GT, 0f));
            c001 = z.blend(c001, c001.compare(VectorOperators.GT, 0f));
            c010 = z.blend(c010, c010.compare(VectorOperators.GT, 0f));
            c011 = z.blend(c011, c011.compare(VectorOperators.GT, 0f));
            c020 = z.blend(c020, c020.compare(VectorOperators.GT, 0f));
            c021 = z.blend(c021, c021.compare(VectorOperators.GT, 0f));
            c030 = z.blend(c030, c030.compare(VectorOperators.GT, 0f));
            c031 = z.blend(c031, c031.compare(VectorOperators.GT, 0f));
            c040 = z.blend(c040, c040.compare(VectorOperators.GT, 0f));
            c041 = z.blend(c041, c041.compare(VectorOperators.GT, 0f));
            c050 = z.blend(c050, c050.compare(VectorOperators.GT, 0f));
            c051 = z.blend(c051, c051.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c101 = z.blend(c101, c101.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
            c111 = z.blend(c111, c111.compare(VectorOperators.GT, 0f));
            c120 = z.blend(c120, c120.compare(VectorOperators.GT, 0f));
            c121 = z.blend(c121, c121.compare(VectorOperators.GT, 0f));
            c130 = z.blend(c130, c130.compare(VectorOperators.GT, 0f));
            c131 = z.blend(c131, c131.compare(VectorOperators.GT, 0f));
            c140 = z.blend(c140, c140.compare(VectorOperators.GT, 0f));
            c141 = z.blend(c141, c141.compare(VectorOperators.GT, 0f));
            c150 = z.blend(c150, c150.compare(VectorOperators.GT, 0f));
            c151 = z.blend(c151, c151.compare(VectorOperators.GT, 0f));
        }
        // the windows' maxima, written out (a helper taking vectors would box them here, past C2's inlining budget)
        if (relu) {
            c000 = c000.blend(c010, c000.lt(c010));
            c100 = c100.blend(c110, c100.lt(c110));
            c000 = c000.blend(c100, c000.lt(c100));
            c001 = c001.blend(c011, c001.lt(c011));
            c101 = c101.blend(c111, c101.lt(c111));
            c001 = c001.blend(c101, c001.lt(c101));
            c020 = c020.blend(c030, c020.lt(c030));
            c120 = c120.blend(c130, c120.lt(c130));
            c020 = c020.blend(c120, c020.lt(c120));
            c021 = c021.blend(c031, c021.lt(c031));
            c121 = c121.blend(c131, c121.lt(c131));
            c021 = c021.blend(c121, c021.lt(c121));
            c040 = c040.blend(c050, c040.lt(c050));
            c140 = c140.blend(c150, c140.lt(c150));
            c040 = c040.blend(c140, c040.lt(c140));
            c041 = c041.blend(c051, c041.lt(c051));
            c141 = c141.blend(c151, c141.lt(c151));
            c041 = c041.blend(c141, c041.lt(c141));
        } else {
            c000 = c000.max(c010).max(c100.max(c110));
            c001 = c001.max(c011).max(c101.max(c111));
            c020 = c020.max(c030).max(c120.max(c130));
            c021 = c021.max(c031).max(c121.max(c131));
            c040 = c040.max(c050).max(c140.max(c150));
            c041 = c041.max(c051).max(c141.max(c151));
        }
        c000.intoArray(c, cOff);
        c001.intoArray(c, cOff + L);
        if (windows > 1) {
            c020.intoArray(c, cOff + ldc);
            c021.intoArray(c, cOff + ldc + L);
        }
        if (windows > 2) {
            c040.intoArray(c, cOff + 2 * ldc);
            c041.intoArray(c, cOff + 2 * ldc + L);
        }
    }

    private static void run12x2(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c10 = c00, c11 = c01;
        FloatVector c20 = c00, c21 = c01;
        FloatVector c30 = c00, c31 = c01;
        FloatVector c40 = c00, c41 = c01;
        FloatVector c50 = c00, c51 = c01;
        FloatVector c60 = c00, c61 = c01;
        FloatVector c70 = c00, c71 = c01;
        FloatVector c80 = c00, c81 = c01;
        FloatVector c90 = c00, c91 = c01;
        FloatVector c100 = c00, c101 = c01;
        FloatVector c110 = c00, c111 = c01;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60); c61 = x6.fma(w1, c61);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70); c71 = x7.fma(w1, c71);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80); c81 = x8.fma(w1, c81);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90); c91 = x9.fma(w1, c91);
            FloatVector x10 = FloatVector.broadcast(F, src[s + 10]);
            c100 = x10.fma(w0, c100); c101 = x10.fma(w1, c101);
            FloatVector x11 = FloatVector.broadcast(F, src[s + 11]);
            c110 = x11.fma(w0, c110); c111 = x11.fma(w1, c111);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c61 = z.blend(c61, c61.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c71 = z.blend(c71, c71.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c81 = z.blend(c81, c81.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
            c91 = z.blend(c91, c91.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c101 = z.blend(c101, c101.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
            c111 = z.blend(c111, c111.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L);
        c80.intoArray(c, cOff + 8 * ldc); c81.intoArray(c, cOff + 8 * ldc + L);
        c90.intoArray(c, cOff + 9 * ldc); c91.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc); c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc); c111.intoArray(c, cOff + 11 * ldc + L);
    }

    private static void run12x1(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c10 = c00;
        FloatVector c20 = c00;
        FloatVector c30 = c00;
        FloatVector c40 = c00;
        FloatVector c50 = c00;
        FloatVector c60 = c00;
        FloatVector c70 = c00;
        FloatVector c80 = c00;
        FloatVector c90 = c00;
        FloatVector c100 = c00;
        FloatVector c110 = c00;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k];
            int wk = wOff + k * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90);
            FloatVector x10 = FloatVector.broadcast(F, src[s + 10]);
            c100 = x10.fma(w0, c100);
            FloatVector x11 = FloatVector.broadcast(F, src[s + 11]);
            c110 = x11.fma(w0, c110);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
            c100 = z.blend(c100, c100.compare(VectorOperators.GT, 0f));
            c110 = z.blend(c110, c110.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff);
        c10.intoArray(c, cOff + ldc);
        c20.intoArray(c, cOff + 2 * ldc);
        c30.intoArray(c, cOff + 3 * ldc);
        c40.intoArray(c, cOff + 4 * ldc);
        c50.intoArray(c, cOff + 5 * ldc);
        c60.intoArray(c, cOff + 6 * ldc);
        c70.intoArray(c, cOff + 7 * ldc);
        c80.intoArray(c, cOff + 8 * ldc);
        c90.intoArray(c, cOff + 9 * ldc);
        c100.intoArray(c, cOff + 10 * ldc);
        c110.intoArray(c, cOff + 11 * ldc);
    }

    private static void run5x2(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c01 = FloatVector.fromArray(F, bias, co + L);
        FloatVector c10 = c00, c11 = c01;
        FloatVector c20 = c00, c21 = c01;
        FloatVector c30 = c00, c31 = c01;
        FloatVector c40 = c00, c41 = c01;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k];
            int wk = wOff + k * 2 * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector w1 = FloatVector.fromArray(F, wt, wk + L);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
    }

    private static void run10x1(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, bias, co);
        FloatVector c10 = c00;
        FloatVector c20 = c00;
        FloatVector c30 = c00;
        FloatVector c40 = c00;
        FloatVector c50 = c00;
        FloatVector c60 = c00;
        FloatVector c70 = c00;
        FloatVector c80 = c00;
        FloatVector c90 = c00;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k];
            int wk = wOff + k * L;
            FloatVector w0 = FloatVector.fromArray(F, wt, wk);
            FloatVector x0 = FloatVector.broadcast(F, src[s]);
            c00 = x0.fma(w0, c00);
            FloatVector x1 = FloatVector.broadcast(F, src[s + 1]);
            c10 = x1.fma(w0, c10);
            FloatVector x2 = FloatVector.broadcast(F, src[s + 2]);
            c20 = x2.fma(w0, c20);
            FloatVector x3 = FloatVector.broadcast(F, src[s + 3]);
            c30 = x3.fma(w0, c30);
            FloatVector x4 = FloatVector.broadcast(F, src[s + 4]);
            c40 = x4.fma(w0, c40);
            FloatVector x5 = FloatVector.broadcast(F, src[s + 5]);
            c50 = x5.fma(w0, c50);
            FloatVector x6 = FloatVector.broadcast(F, src[s + 6]);
            c60 = x6.fma(w0, c60);
            FloatVector x7 = FloatVector.broadcast(F, src[s + 7]);
            c70 = x7.fma(w0, c70);
            FloatVector x8 = FloatVector.broadcast(F, src[s + 8]);
            c80 = x8.fma(w0, c80);
            FloatVector x9 = FloatVector.broadcast(F, src[s + 9]);
            c90 = x9.fma(w0, c90);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c80 = z.blend(c80, c80.compare(VectorOperators.GT, 0f));
            c90 = z.blend(c90, c90.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff);
        c10.intoArray(c, cOff + ldc);
        c20.intoArray(c, cOff + 2 * ldc);
        c30.intoArray(c, cOff + 3 * ldc);
        c40.intoArray(c, cOff + 4 * ldc);
        c50.intoArray(c, cOff + 5 * ldc);
        c60.intoArray(c, cOff + 6 * ldc);
        c70.intoArray(c, cOff + 7 * ldc);
        c80.intoArray(c, cOff + 8 * ldc);
        c90.intoArray(c, cOff + 9 * ldc);
    }

    private static void pix8x3(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, int ldw, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.broadcast(F, bias[co]);
        FloatVector c01 = c00, c02 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[co + 1]);
        FloatVector c11 = c10, c12 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[co + 2]);
        FloatVector c21 = c20, c22 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[co + 3]);
        FloatVector c31 = c30, c32 = c30;
        FloatVector c40 = FloatVector.broadcast(F, bias[co + 4]);
        FloatVector c41 = c40, c42 = c40;
        FloatVector c50 = FloatVector.broadcast(F, bias[co + 5]);
        FloatVector c51 = c50, c52 = c50;
        FloatVector c60 = FloatVector.broadcast(F, bias[co + 6]);
        FloatVector c61 = c60, c62 = c60;
        FloatVector c70 = FloatVector.broadcast(F, bias[co + 7]);
        FloatVector c71 = c70, c72 = c70;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k], wk = wOff + k * ldw;
            FloatVector x0 = FloatVector.fromArray(F, src, s);
            FloatVector x1 = FloatVector.fromArray(F, src, s + L);
            FloatVector x2 = FloatVector.fromArray(F, src, s + 2 * L);
            FloatVector w0 = FloatVector.broadcast(F, wt[wk]);
            c00 = w0.fma(x0, c00); c01 = w0.fma(x1, c01); c02 = w0.fma(x2, c02);
            FloatVector w1 = FloatVector.broadcast(F, wt[wk + 1]);
            c10 = w1.fma(x0, c10); c11 = w1.fma(x1, c11); c12 = w1.fma(x2, c12);
            FloatVector w2 = FloatVector.broadcast(F, wt[wk + 2]);
            c20 = w2.fma(x0, c20); c21 = w2.fma(x1, c21); c22 = w2.fma(x2, c22);
            FloatVector w3 = FloatVector.broadcast(F, wt[wk + 3]);
            c30 = w3.fma(x0, c30); c31 = w3.fma(x1, c31); c32 = w3.fma(x2, c32);
            FloatVector w4 = FloatVector.broadcast(F, wt[wk + 4]);
            c40 = w4.fma(x0, c40); c41 = w4.fma(x1, c41); c42 = w4.fma(x2, c42);
            FloatVector w5 = FloatVector.broadcast(F, wt[wk + 5]);
            c50 = w5.fma(x0, c50); c51 = w5.fma(x1, c51); c52 = w5.fma(x2, c52);
            FloatVector w6 = FloatVector.broadcast(F, wt[wk + 6]);
            c60 = w6.fma(x0, c60); c61 = w6.fma(x1, c61); c62 = w6.fma(x2, c62);
            FloatVector w7 = FloatVector.broadcast(F, wt[wk + 7]);
            c70 = w7.fma(x0, c70); c71 = w7.fma(x1, c71); c72 = w7.fma(x2, c72);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c02 = z.blend(c02, c02.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c12 = z.blend(c12, c12.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c22 = z.blend(c22, c22.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
            c32 = z.blend(c32, c32.compare(VectorOperators.GT, 0f));
            c40 = z.blend(c40, c40.compare(VectorOperators.GT, 0f));
            c41 = z.blend(c41, c41.compare(VectorOperators.GT, 0f));
            c42 = z.blend(c42, c42.compare(VectorOperators.GT, 0f));
            c50 = z.blend(c50, c50.compare(VectorOperators.GT, 0f));
            c51 = z.blend(c51, c51.compare(VectorOperators.GT, 0f));
            c52 = z.blend(c52, c52.compare(VectorOperators.GT, 0f));
            c60 = z.blend(c60, c60.compare(VectorOperators.GT, 0f));
            c61 = z.blend(c61, c61.compare(VectorOperators.GT, 0f));
            c62 = z.blend(c62, c62.compare(VectorOperators.GT, 0f));
            c70 = z.blend(c70, c70.compare(VectorOperators.GT, 0f));
            c71 = z.blend(c71, c71.compare(VectorOperators.GT, 0f));
            c72 = z.blend(c72, c72.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L); c02.intoArray(c, cOff + 2 * L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L); c12.intoArray(c, cOff + ldc + 2 * L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L); c22.intoArray(c, cOff + 2 * ldc + 2 * L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L); c32.intoArray(c, cOff + 3 * ldc + 2 * L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L); c42.intoArray(c, cOff + 4 * ldc + 2 * L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L); c52.intoArray(c, cOff + 5 * ldc + 2 * L);
        c60.intoArray(c, cOff + 6 * ldc); c61.intoArray(c, cOff + 6 * ldc + L); c62.intoArray(c, cOff + 6 * ldc + 2 * L);
        c70.intoArray(c, cOff + 7 * ldc); c71.intoArray(c, cOff + 7 * ldc + L); c72.intoArray(c, cOff + 7 * ldc + 2 * L);
    }

    private static void pix4x2(float[] src, int q, int[] taps, int depth, float[] wt, int wOff, int ldw, float[] bias, int co,
                                 boolean relu, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.broadcast(F, bias[co]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(F, bias[co + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(F, bias[co + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(F, bias[co + 3]);
        FloatVector c31 = c30;
        for (int k = 0; k < depth; k++) {
            int s = q + taps[k], wk = wOff + k * ldw;
            FloatVector x0 = FloatVector.fromArray(F, src, s);
            FloatVector x1 = FloatVector.fromArray(F, src, s + L);
            FloatVector w0 = FloatVector.broadcast(F, wt[wk]);
            c00 = w0.fma(x0, c00); c01 = w0.fma(x1, c01);
            FloatVector w1 = FloatVector.broadcast(F, wt[wk + 1]);
            c10 = w1.fma(x0, c10); c11 = w1.fma(x1, c11);
            FloatVector w2 = FloatVector.broadcast(F, wt[wk + 2]);
            c20 = w2.fma(x0, c20); c21 = w2.fma(x1, c21);
            FloatVector w3 = FloatVector.broadcast(F, wt[wk + 3]);
            c30 = w3.fma(x0, c30); c31 = w3.fma(x1, c31);
        }
        if (relu) {
            FloatVector z = FloatVector.zero(F);
            c00 = z.blend(c00, c00.compare(VectorOperators.GT, 0f));
            c01 = z.blend(c01, c01.compare(VectorOperators.GT, 0f));
            c10 = z.blend(c10, c10.compare(VectorOperators.GT, 0f));
            c11 = z.blend(c11, c11.compare(VectorOperators.GT, 0f));
            c20 = z.blend(c20, c20.compare(VectorOperators.GT, 0f));
            c21 = z.blend(c21, c21.compare(VectorOperators.GT, 0f));
            c30 = z.blend(c30, c30.compare(VectorOperators.GT, 0f));
            c31 = z.blend(c31, c31.compare(VectorOperators.GT, 0f));
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
    }

    private static void transpose16(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + rows[ri + 4]);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + rows[ri + 5]);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + rows[ri + 6]);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + rows[ri + 7]);
        FloatVector r8 = FloatVector.fromArray(F, a, aOff + rows[ri + 8]);
        FloatVector r9 = FloatVector.fromArray(F, a, aOff + rows[ri + 9]);
        FloatVector r10 = FloatVector.fromArray(F, a, aOff + rows[ri + 10]);
        FloatVector r11 = FloatVector.fromArray(F, a, aOff + rows[ri + 11]);
        FloatVector r12 = FloatVector.fromArray(F, a, aOff + rows[ri + 12]);
        FloatVector r13 = FloatVector.fromArray(F, a, aOff + rows[ri + 13]);
        FloatVector r14 = FloatVector.fromArray(F, a, aOff + rows[ri + 14]);
        FloatVector r15 = FloatVector.fromArray(F, a, aOff + rows[ri + 15]);
        FloatVector t;
        t = r0.rearrange(LO8, r8); r8 = r0.rearrange(HI8, r8); r0 = t;
        t = r1.rearrange(LO8, r9); r9 = r1.rearrange(HI8, r9); r1 = t;
        t = r2.rearrange(LO8, r10); r10 = r2.rearrange(HI8, r10); r2 = t;
        t = r3.rearrange(LO8, r11); r11 = r3.rearrange(HI8, r11); r3 = t;
        t = r4.rearrange(LO8, r12); r12 = r4.rearrange(HI8, r12); r4 = t;
        t = r5.rearrange(LO8, r13); r13 = r5.rearrange(HI8, r13); r5 = t;
        t = r6.rearrange(LO8, r14); r14 = r6.rearrange(HI8, r14); r6 = t;
        t = r7.rearrange(LO8, r15); r15 = r7.rearrange(HI8, r15); r7 = t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r8.rearrange(LO4, r12); r12 = r8.rearrange(HI4, r12); r8 = t;
        t = r9.rearrange(LO4, r13); r13 = r9.rearrange(HI4, r13); r9 = t;
        t = r10.rearrange(LO4, r14); r14 = r10.rearrange(HI4, r14); r10 = t;
        t = r11.rearrange(LO4, r15); r15 = r11.rearrange(HI4, r15); r11 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r8.rearrange(LO2, r10); r10 = r8.rearrange(HI2, r10); r8 = t;
        t = r9.rearrange(LO2, r11); r11 = r9.rearrange(HI2, r11); r9 = t;
        t = r12.rearrange(LO2, r14); r14 = r12.rearrange(HI2, r14); r12 = t;
        t = r13.rearrange(LO2, r15); r15 = r13.rearrange(HI2, r15); r13 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        t = r8.rearrange(LO1, r9); r9 = r8.rearrange(HI1, r9); r8 = t;
        t = r10.rearrange(LO1, r11); r11 = r10.rearrange(HI1, r11); r10 = t;
        t = r12.rearrange(LO1, r13); r13 = r12.rearrange(HI1, r13); r12 = t;
        t = r14.rearrange(LO1, r15); r15 = r14.rearrange(HI1, r15); r14 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
        r4.intoArray(b, bOff + 4 * ldb);
        r5.intoArray(b, bOff + 5 * ldb);
        r6.intoArray(b, bOff + 6 * ldb);
        r7.intoArray(b, bOff + 7 * ldb);
        r8.intoArray(b, bOff + 8 * ldb);
        r9.intoArray(b, bOff + 9 * ldb);
        r10.intoArray(b, bOff + 10 * ldb);
        r11.intoArray(b, bOff + 11 * ldb);
        r12.intoArray(b, bOff + 12 * ldb);
        r13.intoArray(b, bOff + 13 * ldb);
        r14.intoArray(b, bOff + 14 * ldb);
        r15.intoArray(b, bOff + 15 * ldb);
    }

    private static void transpose8(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector r4 = FloatVector.fromArray(F, a, aOff + rows[ri + 4]);
        FloatVector r5 = FloatVector.fromArray(F, a, aOff + rows[ri + 5]);
        FloatVector r6 = FloatVector.fromArray(F, a, aOff + rows[ri + 6]);
        FloatVector r7 = FloatVector.fromArray(F, a, aOff + rows[ri + 7]);
        FloatVector t;
        t = r0.rearrange(LO4, r4); r4 = r0.rearrange(HI4, r4); r0 = t;
        t = r1.rearrange(LO4, r5); r5 = r1.rearrange(HI4, r5); r1 = t;
        t = r2.rearrange(LO4, r6); r6 = r2.rearrange(HI4, r6); r2 = t;
        t = r3.rearrange(LO4, r7); r7 = r3.rearrange(HI4, r7); r3 = t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r4.rearrange(LO2, r6); r6 = r4.rearrange(HI2, r6); r4 = t;
        t = r5.rearrange(LO2, r7); r7 = r5.rearrange(HI2, r7); r5 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        t = r4.rearrange(LO1, r5); r5 = r4.rearrange(HI1, r5); r4 = t;
        t = r6.rearrange(LO1, r7); r7 = r6.rearrange(HI1, r7); r6 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
        r4.intoArray(b, bOff + 4 * ldb);
        r5.intoArray(b, bOff + 5 * ldb);
        r6.intoArray(b, bOff + 6 * ldb);
        r7.intoArray(b, bOff + 7 * ldb);
    }

    private static void transpose4(float[] a, int aOff, int[] rows, int ri, float[] b, int bOff, int ldb) {
        FloatVector r0 = FloatVector.fromArray(F, a, aOff + rows[ri]);
        FloatVector r1 = FloatVector.fromArray(F, a, aOff + rows[ri + 1]);
        FloatVector r2 = FloatVector.fromArray(F, a, aOff + rows[ri + 2]);
        FloatVector r3 = FloatVector.fromArray(F, a, aOff + rows[ri + 3]);
        FloatVector t;
        t = r0.rearrange(LO2, r2); r2 = r0.rearrange(HI2, r2); r0 = t;
        t = r1.rearrange(LO2, r3); r3 = r1.rearrange(HI2, r3); r1 = t;
        t = r0.rearrange(LO1, r1); r1 = r0.rearrange(HI1, r1); r0 = t;
        t = r2.rearrange(LO1, r3); r3 = r2.rearrange(HI1, r3); r2 = t;
        r0.intoArray(b, bOff);
        r1.intoArray(b, bOff + ldb);
        r2.intoArray(b, bOff + 2 * ldb);
        r3.intoArray(b, bOff + 3 * ldb);
    }
}
