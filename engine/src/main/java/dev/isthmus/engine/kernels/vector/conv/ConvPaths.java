package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.kernels.vector.Species;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel.Path;

/**
 * Which path a convolution takes: the rules and their thresholds in one place. Part of the choice is made once, at
 * construction ({@link #fixed}): depthwise convolutions run {@link Path#DEPTHWISE}, other grouped ones and very deep
 * ones {@link Path#GEMM}. The rest is made per call from the output's size ({@link #pick}): {@link Path#WINOGRAD}
 * where it pays, else whichever direct path does less work ({@link #cheaper}). What the thresholds were measured on
 * is in bench/kernels-results.md ("Convolution paths"); {@code ConvPathsBench} and {@code LayerKernelsBench} time
 * the paths.
 *
 * <p>The choice never changes a result beyond the float rounding each algorithm has: the channels and pixels paths
 * agree bitwise; GEMM, depthwise and Winograd sum in other orders (within 1e-4 of the reference).
 */
final class ConvPaths {
    private ConvPaths() {
    }

    private static final int L = Species.L;

    /**
     * From this many taps per output (cin/groups·kh·kw) on, an ungrouped convolution runs the GEMM (unless Winograd
     * pays): the direct tiles stream each tile's weights (taps × channels) from cache, which only the GEMM's depth
     * blocks still keep close at such depths.
     */
    static final int GEMM_DEPTH = 2048;
    /**
     * The channels path streams a block's weights (depth × up to VMAX·L floats) once per tile; above this many floats
     * they no longer stay in L2 beside the input, and the pixels path (which reads PIX_CHANNELS of them at a time)
     * is faster.
     */
    static final int CHANNELS_MAX_BLOCK = 32 * 1024;
    /**
     * Fewest input and output channels for which the Winograd path is picked (also over the GEMM path for deep
     * kernels): below, its transforms (≈ 2 × 16 additions per tile and channel) outweigh the multiply-adds saved.
     */
    static final int WINOGRAD_MIN_CHANNELS = 32;
    /** Smallest output side for which the Winograd path is picked: at 7×7 it and the direct paths run even, and
     * smaller outputs waste more of their edge tiles. */
    static final int WINOGRAD_MIN_OUTPUT = 4;

    /**
     * The path fixed at construction, or null when it is chosen per call (among the channels, pixels and Winograd
     * paths): {@code forced} when given (checked against the geometry), depthwise convolutions on the depthwise
     * path, other grouped ones and those with at least GEMM_DEPTH taps per output on the GEMM path (unless Winograd
     * pays for them).
     */
    static Path fixed(ConvGeometry g, Path forced) {
        if (forced == Path.DEPTHWISE && !g.depthwise()) throw new IllegalArgumentException("not a depthwise convolution");
        if ((forced == Path.CHANNELS || forced == Path.PIXELS) && g.groups() != 1) throw new IllegalArgumentException(forced + " needs groups = 1");
        if (forced == Path.WINOGRAD && !g.winograd3x3()) {
            throw new IllegalArgumentException("WINOGRAD needs a 3×3 kernel, stride 1, dilation 1 and groups = 1");
        }
        if (forced != null) return forced;
        if (g.depthwise()) return Path.DEPTHWISE;
        if (g.groups() > 1 || (g.depth() >= GEMM_DEPTH && !winogradPays(g))) return Path.GEMM;
        return null;
    }

    /** True when the Winograd path may be picked for this geometry (then for outputs of WINOGRAD_MIN_OUTPUT and more). */
    static boolean winogradPays(ConvGeometry g) {
        return g.winograd3x3() && g.cin() >= WINOGRAD_MIN_CHANNELS && g.cout() >= WINOGRAD_MIN_CHANNELS;
    }

    /**
     * The path of a call with an input w pixels wide and an output of oh × ow: the fixed one, else Winograd when the
     * kernel has it and the output is large enough, else the cheaper direct path.
     */
    static Path pick(Path fixed, boolean winograd, DirectConv direct, int w, int oh, int ow) {
        if (fixed != null) return fixed;
        if (winograd && oh >= WINOGRAD_MIN_OUTPUT && ow >= WINOGRAD_MIN_OUTPUT) return Path.WINOGRAD;
        return cheaper(direct, w, oh, ow);
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

    /** True when a channels tile's weights (depth × its vectors of channels) outgrow CHANNELS_MAX_BLOCK. */
    static boolean channelsTooDeep(DirectConv d) {
        return (long) d.depth * Math.min(d.vecs, DirectConv.VMAX) * L > CHANNELS_MAX_BLOCK;
    }

    /**
     * CHANNELS or PIXELS, whichever does less work for an input w wide and an output oh × ow, counted in FMA lanes:
     * the virtual pixels computed (the pixels path rounds each block up to PIX_PIXELS) × the output channels
     * computed (L or PIX_CHANNELS at a time) × depth, plus for the channels path ≈ 9 per output for the transposes
     * (a cost fitted to the seed CNN's two convolutions, whose timings on both paths are in bench/kernels-results.md).
     * Both sum every output in the same order, so the choice never changes a result.
     */
    static Path cheaper(DirectConv d, int w, int oh, int ow) {
        if (channelsTooDeep(d)) return Path.PIXELS;
        long virt = (long) (oh - 1) * d.pitch(w, ow) + ow;
        long channels = virt * d.coP * d.depth + 9L * oh * ow * d.cout;
        long pixelsVirt = virt / DirectConv.PIX_CHUNK * DirectConv.PIX_CHUNK
                + ConvAlgorithm.roundUp((int) (virt % DirectConv.PIX_CHUNK), DirectConv.PIX_PIXELS);
        long pixels = pixelsVirt * ConvAlgorithm.roundUp(d.cout, DirectConv.PIX_CHANNELS) * d.depth;
        return channels <= pixels ? Path.CHANNELS : Path.PIXELS;
    }
}
