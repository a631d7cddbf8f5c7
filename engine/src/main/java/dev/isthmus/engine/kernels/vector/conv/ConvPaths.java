package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.kernels.vector.Species;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel.Path;

/**
 * Which path a convolution takes: the rules and their thresholds in one place. Part of the choice is made once, at
 * construction ({@link #fixed}): depthwise convolutions run {@link Path#DEPTHWISE}, other grouped ones
 * {@link Path#GEMM}; a 1×1 convolution with a stride and no padding is a subsample and a stride-1 one
 * ({@link #subsamples}); pointwise convolutions run the GEMM but for expansions on small images
 * ({@link #pointwisePath}). The rest is made per call from the output's size ({@link #pick}): {@link Path#WINOGRAD}
 * where it pays, else whichever direct path does less work ({@link #cheaper}). What the thresholds were measured on
 * is in bench/kernels-results.md ("Convolution paths"); {@code ConvPathsBench} and {@code LayerKernelsBench} time
 * the paths.
 *
 * <p>The choice never changes a result beyond the float rounding each algorithm has: the channels and pixels paths
 * agree bitwise up to one depth block of the channels tiles (deeper, the channels path adds its blocks' partial
 * sums); GEMM, depthwise and Winograd sum in other orders (within 1e-4 of the reference).
 */
final class ConvPaths {
    private ConvPaths() {
    }

    private static final int L = Species.L;

    /**
     * With the fused 2×2 max pooling the channels path's pooling tiles run the whole depth per tile (they do not split
     * it into {@link DirectConv#CHANNELS_DEPTH_FLOATS} blocks as the plain channels tiles do): above this many floats
     * of a tile's weights they no longer stay in L2 beside the input, and the pixels path then pools from scratch.
     */
    static final int CHANNELS_MAX_BLOCK = 32 * 1024;
    /**
     * The pixels path's work counts this many times its FMA lanes against the channels path's (see {@link #cheaper}):
     * on ResNet's 1×1 and 3×3 layers (cin 64–2048, 7×7 to 56×56) the channels path ran 1.2–1.4× faster for the same
     * lanes, its 6×4 tile loading fewer floats per FMA than the 8×3 pixels tile.
     */
    static final double PIXELS_COST = 1.25;
    /** The channels path's transposes, in FMA lanes per output (fitted with PIXELS_COST: see {@link #cheaper}). */
    static final int TRANSPOSE_COST = 7;
    /**
     * Fewest input and output channels for which the Winograd path is picked (also over the GEMM path for deep
     * kernels): below, its transforms (≈ 2 × 16 additions per tile and channel) outweigh the multiply-adds saved.
     */
    static final int WINOGRAD_MIN_CHANNELS = 32;
    /** Smallest output side for which the Winograd path is picked: at 7×7 it and the direct paths run even, and
     * smaller outputs waste more of their edge tiles. */
    static final int WINOGRAD_MIN_OUTPUT = 4;
    /**
     * Fewest output pixels per call (images × oh × ow) for which the Winograd path is picked: its transformed weights
     * are 16/9 the size of the direct paths', and a call streams them once however few pixels it has: on a deep
     * layer with one small image reading them costs more than Winograd saves (ResNet-50's last 3×3 layers at batch 1;
     * at batch 8 Winograd wins again).
     */
    static final int WINOGRAD_MIN_PIXELS = 64;

    /**
     * The path fixed at construction, or null when it is chosen per call (among the channels, pixels and Winograd
     * paths): {@code forced} when given (checked against the geometry), depthwise convolutions on the depthwise
     * path, other grouped ones on the GEMM path. Deep ungrouped convolutions stay on the direct paths: the channels
     * tiles split the depth into blocks whose weights stay in cache, and so beat the GEMM's im2col panels on every
     * ResNet layer measured, 3×3 with 4608 taps on 7×7 included (bench/kernels-results.md).
     */
    static Path fixed(ConvGeometry g, Path forced) {
        if (forced == Path.DEPTHWISE && !g.depthwise()) throw new IllegalArgumentException("not a depthwise convolution");
        if ((forced == Path.CHANNELS || forced == Path.PIXELS) && g.groups() != 1) throw new IllegalArgumentException(forced + " needs groups = 1");
        if (forced == Path.WINOGRAD && !g.winograd3x3()) {
            throw new IllegalArgumentException("WINOGRAD needs a 3×3 kernel, stride 1, dilation 1 and groups = 1");
        }
        if (forced != null) return forced;
        if (g.depthwise()) return Path.DEPTHWISE;
        if (g.groups() > 1) return Path.GEMM;
        return null;
    }

    /**
     * True for a 1×1 kernel with a stride and no padding: {@link Conv2dKernel} then subsamples the input and runs the
     * stride-1 convolution on it (whatever path that takes).
     */
    static boolean subsamples(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && (g.sh() > 1 || g.sw() > 1) && g.padTop() == 0 && g.padLeft() == 0;
    }

    /** True when the Winograd path may be picked for this geometry (then for outputs of WINOGRAD_MIN_OUTPUT and more). */
    static boolean winogradPays(ConvGeometry g) {
        return g.winograd3x3() && g.cin() >= WINOGRAD_MIN_CHANNELS && g.cout() >= WINOGRAD_MIN_CHANNELS;
    }

    /**
     * The path of a call on n images with an input w pixels wide and an output of oh × ow: the fixed one, else
     * Winograd when the kernel may take it and the output is large enough (WINOGRAD_MIN_OUTPUT a side,
     * WINOGRAD_MIN_PIXELS in all), else the cheaper direct path ({@code direct} is asked for only then: it may build it).
     */
    static Path pick(Path fixed, boolean winograd, java.util.function.Supplier<DirectConv> direct, int n, int w, int oh, int ow) {
        if (fixed != null) return fixed;
        if (winograd && oh >= WINOGRAD_MIN_OUTPUT && ow >= WINOGRAD_MIN_OUTPUT && (long) n * oh * ow >= WINOGRAD_MIN_PIXELS) {
            return Path.WINOGRAD;
        }
        return cheaper(direct.get(), w, oh, ow);
    }

    /**
     * With the fused 2×2 max pooling: true when a call on path p (p = {@link #pick}) runs the channels path with the
     * pooling in its tiles and blocks. It pools in its channel-last blocks (or in registers) and transposes a quarter
     * of the pixels, where the pixels path's advantage (no transposes) is mostly gone: so a pixels call takes the
     * channels path too, unless the pixels path was forced or the channels tiles' weights outgrow the cache. The
     * other paths (but Winograd, which pools in its output transform) convolve into scratch and pool from cache.
     */
    static boolean poolsOnChannels(Path p, Path fixed, DirectConv direct) {
        return p == Path.CHANNELS || (p == Path.PIXELS && fixed == null && !channelsTooDeep(direct));
    }

    /** True when a pooling channels tile's weights (depth × its vectors of channels) outgrow CHANNELS_MAX_BLOCK. */
    static boolean channelsTooDeep(DirectConv d) {
        return (long) d.depth * Math.min(d.vecs, DirectConv.VMAX) * L > CHANNELS_MAX_BLOCK;
    }

    /**
     * CHANNELS or PIXELS, whichever does less work for an input w wide and an output oh × ow, counted in FMA lanes:
     * the virtual pixels computed (the pixels path rounds each block up to PIX_PIXELS) × the output channels
     * computed (L or PIX_CHANNELS at a time) × depth, the pixels path's times PIXELS_COST, plus for the channels path
     * TRANSPOSE_COST per output for the transposes. The two constants were fitted to the seed CNN's conv1 and
     * ResNet's layers (the numbers are in bench/kernels-results.md). Both sum every output in the same order when the depth fits
     * one depth block of the channels tiles, so the choice then never changes a result.
     */
    static Path cheaper(DirectConv d, int w, int oh, int ow) {
        return cheaper(d.pitch(w, ow), d.coP, d.cout, d.depth, oh, ow);
    }

    /** {@link #cheaper(DirectConv, int, int, int)} from the phase planes' pitch and the channels and depth. */
    static Path cheaper(int pitch, int coP, int cout, int depth, int oh, int ow) {
        long virt = (long) (oh - 1) * pitch + ow;
        long channels = virt * coP * depth + (long) TRANSPOSE_COST * oh * ow * cout;
        long pixelsVirt = virt / DirectConv.PIX_CHUNK * DirectConv.PIX_CHUNK
                + ConvAlgorithm.roundUp((int) (virt % DirectConv.PIX_CHUNK), DirectConv.PIX_PIXELS);
        double pixels = PIXELS_COST * pixelsVirt * ConvAlgorithm.roundUp(cout, DirectConv.PIX_CHANNELS) * depth;
        return channels <= pixels ? Path.CHANNELS : Path.PIXELS;
    }

    /**
     * A pointwise convolution: 1×1, stride 1 (a strided one is subsampled first, {@link #subsamples}), no padding,
     * groups 1. Then y = W·x is a plain GEMM whose right operand is the image itself (panels of whole pixel runs),
     * which writes NCHW directly: no transposes, no padded planes.
     */
    static boolean pointwise(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && g.dh() == 1 && g.dw() == 1 && g.groups() == 1;
    }

    /** An expansion (cout ≥ 2·cin): its path depends on the image ({@link #pointwisePath}); else always GEMM. */
    static boolean pointwiseByImage(ConvGeometry g) {
        return g.cout() >= 2 * g.cin();
    }

    /**
     * The path of a pointwise convolution ({@link #pointwise}) with an input w wide and an output oh × ow: the GEMM,
     * except expansions on small images — cout ≥ 2·cin on at most 7×7 pixels, cout ≥ 5·cin on at most 14×14 — which
     * take the cheaper direct path. Measured (bench/kernels-results.md, ResNet-50, MobileNetV2, EfficientNet-B0): the
     * GEMM is 5–35% faster on every contraction and on every expansion from 28×28 up (16→96 on 112×112, 64→256 on
     * 56×56, 32→192 on 28×28) and on 256→1024 at 14×14; the channels path 4–8% faster on 7×7 expansions (320→1280,
     * 512→2048, 1024→2048) and on the ×6 expansions at 14×14 (64→384, 96→576, 112→672): there the GEMM's panels of
     * NR pixels round 49 or 196 pixels up and each product is too shallow to pay for it.
     */
    static Path pointwisePath(ConvGeometry g, int w, int oh, int ow) {
        long pixels = (long) oh * ow;
        boolean direct = pointwiseByImage(g) && ((pixels <= 49 && g.cout() >= 2 * g.cin()) || (pixels <= 196 && g.cout() >= 5 * g.cin()));
        if (!direct) return Path.GEMM;
        return cheaper(Math.max(1, Math.max(w, ow)), (g.cout() + L - 1) / L * L, g.cout(), g.cin(), oh, ow);
    }
}
