package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.Species;
import dev.isthmus.engine.kernels.vector.VectorMath;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel.Path;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.util.Arrays;

import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.pix4x2;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.pix8x3;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.pooled2x6x2;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.run10x1;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.run12x1;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.run12x2;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.run5x2;
import static dev.isthmus.engine.kernels.vector.conv.DirectTiles.run6x4;
import static dev.isthmus.engine.kernels.vector.conv.Transposes.transposeIn;
import static dev.isthmus.engine.kernels.vector.conv.Transposes.transposeOut;

/**
 * The direct paths of an ungrouped convolution, {@link Path#CHANNELS} and {@link Path#PIXELS}: register tiles of
 * output pixels × output channels that accumulate broadcasts × vectors tap by tap on a zero-padded copy of the image,
 * no im2col and nothing packed per call. Both read the same packed weights and sum every output in the same order
 * (their results are bitwise equal); {@link ConvPaths#cheaper} picks between them per call.
 *
 * <p>The image is first copied into zero-padded planes split by stride phase ({@link #phasePlanes}), laid out so that
 * consecutive "virtual" pixels q = oy·pitch + ox read consecutive floats: for tap k = (ci, ky, kx) the input of
 * virtual pixel q is src[q + taps[k]], whatever the stride, dilation or padding. A tile of consecutive virtual
 * pixels thus needs one index per tap (C2 checks its bounds once; the tile's loads are constant displacements from
 * it), and the weights come at a constant stride (C2 hoists their checks). The virtual pixels with ox ≥ ow are
 * computed and dropped: 1 in 15 for the seed CNN's conv2 (14×14, pitch 15), 1 in 29 for conv1.
 *
 * <ul>
 * <li>CHANNELS (vectors over output channels, as ONNX Runtime's NCHWc convolutions): a tile is R consecutive virtual
 * pixels × V vectors of output channels (6×4 or 12×2). Per tap: V weight vectors, R broadcasts, R·V FMAs. The tiles
 * land pixel-major in a block of CHUNK virtual pixels × coP, which L×L register transposes ({@link Transposes}) move
 * into y's channel rows.</li>
 * <li>PIXELS (vectors over output pixels): a tile is PIX_CHANNELS output channels × PIX_VECTORS vectors of
 * consecutive virtual pixels (8×3). Per tap: PIX_VECTORS input vectors, PIX_CHANNELS weight broadcasts, their product
 * of FMAs. The tiles land channel-major in a block of coP × PIX_CHUNK virtual pixels, whose runs of real pixels are
 * copied into y: no transposes.</li>
 * </ul>
 * CHANNELS rounds output channels up to L and pixels to 6 or 12; PIXELS channels to 8 and the pixels of each block
 * to 48, and skips the transposes. So PIXELS wins for few taps (the transposes then cost as much as the FMAs), for
 * output channels far from a multiple of L and on large images; CHANNELS for small images with many taps, where
 * PIXELS rounds up more pixels (seed CNN conv2: 240 virtual pixels for 196). The tiles are in {@link DirectTiles};
 * what was measured, in bench/kernels-results.md ("Convolution paths").
 *
 * <p>The fused 2×2 max pooling runs on the channels path ({@link #channelTilesPooled}): it pools in its channel-last
 * blocks (or in the tiles' registers) and transposes a quarter of the pixels.
 *
 * <p>A residual (y's shape) is staged in a chunk's block where the tiles will store (by {@link Transposes#transposeIn}
 * on the channels path, by run copies on the pixels path) and the tiles add it to their sums before their ReLU;
 * another activation then runs on the block, before it goes to y. A chunk reads the residual of exactly the output
 * pixels it writes, before it writes them, so y may be the residual itself.
 *
 * <p>Tasks are (image, range of virtual pixels): disjoint outputs, each summed in a fixed order, so the result does
 * not depend on the thread count.
 */
final class DirectConv extends ConvAlgorithm {
    /** Most vectors of output channels in one register tile: 6×4 (24 accumulators) of 32 registers, 5×2 of 16. */
    static final int VMAX = Species.WIDE_REGISTERS ? 4 : 2;
    /** A multiple of every channels tile's pixel count (6 and 12, or 5 and 10). */
    static final int TILE_PIXELS = Species.WIDE_REGISTERS ? 12 : 10;
    /** Virtual pixels per channels block: a multiple of TILE_PIXELS (tiles never straddle blocks) and of L. */
    static final int CHUNK = lcm(TILE_PIXELS, L) * Math.max(1, 96 / lcm(TILE_PIXELS, L));
    /** The pixels tile: 8 output channels × 3 vectors (24 accumulators) of 32 registers, 4 × 2 of 16 (and where L
     * = 4, so that a tile's channels never straddle two blocks of the packed weights). */
    static final int PIX_CHANNELS = Species.WIDE_REGISTERS && L >= 8 ? 8 : 4, PIX_VECTORS = PIX_CHANNELS == 8 ? 3 : 2,
            PIX_PIXELS = PIX_VECTORS * L;
    /** Virtual pixels per pixels block (a multiple of PIX_PIXELS). */
    static final int PIX_CHUNK = PIX_PIXELS * 4;

    /** The weights packed by {@link #packWeights}: per block of channels-tile width, depth × its channels. */
    final float[] wt;
    /** The bias padded to coP output channels (zeros past cout, or everywhere when there is no bias); shared with
     * the Winograd path. */
    final float[] biasP;
    /** Vectors of output channels, and output channels rounded up to whole vectors (vecs·L). */
    final int vecs, coP;
    /** coP zeros: the bias of the depth blocks after the first. */
    private final float[] zeros;
    /** 1×1, stride 1, no padding: the image is its own padded planes (see {@link #planesTask}). */
    private final boolean pointwise;

    DirectConv(ConvGeometry g, float[] weight, float[] biasP) {
        super(g);
        if (groups != 1) throw new IllegalArgumentException("the direct paths need groups = 1");
        this.vecs = (cout + L - 1) / L;
        this.coP = vecs * L;
        this.biasP = biasP;
        this.zeros = new float[coP];
        this.pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0;
        this.wt = packWeights(weight);
    }

    // Per-thread scratch: the block of output pixels × channels, the tap offsets, the transposes' row table, the
    // pooled pixels × channels of a group of row pairs.
    private static final Scratch BLOCK = new Scratch(), POOLED_BLOCK = new Scratch();
    private static final Scratch.Ints TAPS = new Scratch.Ints(), ROWS = new Scratch.Ints();

    /** Vectors of output channels in the channels tile that starts with {@code left} vectors still to do. */
    static int blockVectors(int left) {
        return left >= VMAX ? VMAX : left >= 2 ? 2 : 1;
    }

    /**
     * The weights as the channels and pixels paths read them: per channels-tile-wide block of nv = blockVectors(…)
     * vectors of output channels starting at vector v0, a (depth × nv·L) matrix at wt[depth·v0·L …] (row
     * k = (ci·kh + ky)·kw + kx, as PyTorch orders the taps): a channels tile's weights for tap k are nv·L consecutive
     * floats, a pixels tile's PIX_CHANNELS of them, at a stride the same for every k. Output channels past cout are
     * zero.
     */
    private float[] packWeights(float[] weight) {
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

    /**
     * y (n, cout, oh, ow) at y[yOff …] = act(conv(x) + bias + residual) on path p (CHANNELS or PIXELS), the residual
     * (n, cout, oh, ow) at res[resOff …] or none (res null; it may be y at yOff). With {@code pooled} (and no
     * residual), y is (n, cout, oh / 2, ow / 2) and holds the 2×2 max pooling of act(conv(x) + bias), on the
     * channels path whatever p.
     */
    void forward(Path p, float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                 float[] res, int resOff, boolean pooled, ComputePool pool) {
        // pooled: tasks and blocks are whole pairs of output rows (2·pitch virtual pixels), the last odd row dropped
        int pitch = pitch(w, ow), virt = pooled ? oh / 2 * 2 * pitch : (oh - 1) * pitch + ow;
        boolean parallel = ComputePool.splits(pool, (long) n * cout * oh * ow * depth);
        int per = virt;
        if (parallel && n < 2 * pool.threads()) {
            // few images: split each into pixel ranges so every thread gets work (the split never changes a result)
            int want = (2 * pool.threads() + n - 1) / n;
            per = roundUp((virt + want - 1) / want, pooled ? 2 * pitch : p == Path.CHANNELS ? TILE_PIXELS : PIX_PIXELS);
        }
        int px = per, parts = (virt + per - 1) / per, tasks = n * parts;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) planesTask(p, t, parts, px, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff, pooled);
        } else {
            pool.parallelFor(tasks, t -> planesTask(p, t, parts, px, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff, pooled));
        }
    }

    /**
     * The row pitch of the phase planes. Stride 1 along x: the narrowest that holds the input and its left padding
     * and lets a row's last taps run on into the next row's left padding (zeros), so that one row's right padding
     * is the next one's left. Otherwise: room for every padded column of the phase.
     */
    int pitch(int w, int ow) {
        if (sw == 1) return Math.max(Math.max(1, ow), Math.max(padLeft + w, ow + (kw - 1) * dw - padLeft));
        return (paddedCols(w, ow) + sw - 1) / sw;
    }

    /** Virtual pixels [q0, q0 + per) of image t / parts, q0 = (t % parts)·per. */
    private void planesTask(Path p, int t, int parts, int per, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh,
                            int ow, Activation act, float[] res, int resOff, boolean pooled) {
        int b = t / parts;
        int pitch = pitch(w, ow), rowsPerPhase = (paddedRows(h, oh) + sh - 1) / sh, plane = rowsPerPhase * pitch;
        int virt = pooled ? oh / 2 * 2 * pitch : (oh - 1) * pitch + ow;
        int q0 = (t % parts) * per, count = Math.min(per, virt - q0);
        // slack after the planes: the last row's taps run into it, and so do the extra pixels of the last tile
        int slack = pitch + Math.max(TILE_PIXELS, PIX_PIXELS), xImg = xOff + b * cin * h * w;
        // a pointwise convolution reads the image where it is when x holds the slack past it: its planes are their
        // own padded planes (pitch w, h rows), and copying them cost as much as a tenth of the convolution
        boolean inPlace = pointwise && oh <= h && ow <= w && pitch == w && (long) xImg + cin * plane + slack <= x.length;
        float[] src = inPlace ? x : phasePlanes(x, xImg, h, w, rowsPerPhase, pitch, cin * sh * sw * plane + slack);
        int base = inPlace ? xImg : 0;
        int[] taps = TAPS.ints(depth);
        for (int ci = 0, k = 0; ci < cin; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int phase = (ci * sh + ky * dh % sh) * sw + kx * dw % sw;
                    taps[k++] = base + phase * plane + ky * dh / sh * pitch + kx * dw / sw;
                }
            }
        }
        if (pooled) {
            channelTilesPooled(src, taps, q0, count, pitch, y, yOff + b * cout * (oh / 2) * (ow / 2), oh / 2, ow / 2, act);
            return;
        }
        int yImg = yOff + b * cout * oh * ow, rImg = resOff + b * cout * oh * ow;
        if (p == Path.CHANNELS) channelTiles(src, taps, q0, count, pitch, y, yImg, oh, ow, act, res, rImg);
        else pixelTiles(src, taps, q0, count, pitch, y, yImg, oh, ow, act, res, rImg);
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
                } else if (sw == 2) {
                    // by vector pairs split into even and odd columns (a scalar loop took a sixth of ResNet's 3×3
                    // stride-2 layers)
                    splitRow2(x, s, w, padLeft, d, rowAt, rowAt + plane);
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

    /**
     * The channels path on virtual pixels [q0, q0 + count) of one image (y's at y[yImg …], the residual's, when res is
     * not null, at res[rImg …]). Per chunk: the residual of its output pixels transposed into the block, the tiles
     * (which add it before their ReLU), another activation on the block, the transposes into y.
     */
    private void channelTiles(float[] src, int[] taps, int q0, int count, int pitch, float[] y, int yImg, int oh,
                              int ow, Activation act, float[] res, int rImg) {
        float[] block = BLOCK.floats(CHUNK * coP);
        int[] rows = ROWS.ints(CHUNK);
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        for (int c0 = 0; c0 < count; c0 += CHUNK) {
            int cn = Math.min(CHUNK, count - c0), q = q0 + c0;
            // the block's rows of the chunk's output pixels (virtual pixels with ox < ow), in y's order: a chunk
            // holds one run of consecutive output pixels, from p
            int oy = q / pitch, ox = q % pitch, n = 0, p = oy * ow + Math.min(ox, ow);
            for (int j = 0; j < cn; j++) {
                if (ox < ow) rows[n++] = j * coP;
                if (++ox == pitch) ox = 0;
            }
            if (res != null) transposeIn(res, rImg + p, oh * ow, block, rows, n, 0, cout);
            channelBlock(src, q, cn, taps, relu, res != null, block);
            if (tmp != null) VectorMath.applyInPlace(act, block, 0, cn * coP, tmp);
            transposeOut(block, rows, n, y, yImg + p, oh * ow, 0, cout);
        }
    }

    /**
     * The channels path's register tiles for virtual pixels [q, q + cn) (rounded up to whole tiles, at most a multiple
     * of TILE_PIXELS) into block (pixel j's coP channels at j·coP), + bias, + what the block holds when {@code res}
     * (a residual), ReLU when {@code relu}.
     */
    private void channelBlock(float[] src, int q, int cn, int[] taps, boolean relu, boolean res, float[] block) {
        for (int v0 = 0, nv; v0 < vecs; v0 += nv) {
            nv = blockVectors(vecs - v0);
            int co = v0 * L, wOff = depth * co, kc = depthBlock(nv);
            // deep convolutions in blocks of kc taps, every tile of the chunk per block, so that the block's weights
            // (kc × nv·L floats) stay in cache while the tiles reuse them; after the first block the tiles start from
            // zero and add what the block holds (their sums so far), the ReLU comes with the last
            for (int k0 = 0; k0 < depth; k0 += kc) {
                int k1 = Math.min(depth, k0 + kc);
                boolean first = k0 == 0, last = k1 == depth, r = last && relu, add = res || !first;
                float[] b = first ? biasP : zeros;
                tiles(src, q, cn, taps, k0, k1, nv, b, co, wOff, r, add, block);
            }
        }
    }

    /** Taps per depth block of a channels tile nv vectors wide: CHANNELS_DEPTH_FLOATS of its weights. */
    static int depthBlock(int nv) {
        return Math.max(1, CHANNELS_DEPTH_FLOATS / (nv * L));
    }

    /**
     * Floats of weights in one depth block of the channels tiles (see {@link #channelBlock}): 256 KB, in L2 beside a
     * small image's padded input; smaller blocks pay the tiles' set-up and the partial sums' reloads more often
     * (bench/kernels-results.md).
     */
    static final int CHANNELS_DEPTH_FLOATS = 64 * 1024;

    /** The tiles of one channel block (nv vectors from channel co) over taps [k0, k1) for virtual pixels [q, q + cn). */
    private void tiles(float[] src, int q, int cn, int[] taps, int k0, int k1, int nv, float[] bias, int co, int wOff,
                       boolean relu, boolean res, float[] block) {
        if (Species.WIDE_REGISTERS) {
            if (nv == 4) {
                for (int j = 0; j < cn; j += 6) run6x4(src, q + j, taps, k0, k1, wt, wOff, bias, co, relu, res, block, j * coP + co, coP);
            } else if (nv == 2) {
                for (int j = 0; j < cn; j += 12) run12x2(src, q + j, taps, k0, k1, wt, wOff, bias, co, relu, res, block, j * coP + co, coP);
            } else {
                for (int j = 0; j < cn; j += 12) run12x1(src, q + j, taps, k0, k1, wt, wOff, bias, co, relu, res, block, j * coP + co, coP);
            }
        } else {
            if (nv == 2) {
                for (int j = 0; j < cn; j += 5) run5x2(src, q + j, taps, k0, k1, wt, wOff, bias, co, relu, res, block, j * coP + co, coP);
            } else {
                for (int j = 0; j < cn; j += 10) run10x1(src, q + j, taps, k0, k1, wt, wOff, bias, co, relu, res, block, j * coP + co, coP);
            }
        }
    }

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
        // narrower than L, one transpose per row pair would go through the edge scratch
        int group = Math.max(1, Math.min(pairs, POOLED_GROUP_FLOATS / Math.max(1, pw * coP)));
        // two vectors of channels on 32 registers: the tiles pool their 2 × 6 pixels themselves, and the two rows
        // never leave the registers; otherwise a block of the row pair's tiles, then a pooling pass
        boolean inTiles = Species.WIDE_REGISTERS && vecs == 2;
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
                channelBlock(src, q, span, taps, relu, false, block);
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
            transposeOut(pooled, rows, gn * pw, y, yImg + (q0 / (2 * pitch) + g0) * pw, ph * pw, 0, cout);
        }
    }

    /** The pixels path on virtual pixels [q0, q0 + count) of one image (y's at y[yImg …]). */
    private void pixelTiles(float[] src, int[] taps, int q0, int count, int pitch, float[] y, int yImg, int oh,
                            int ow, Activation act, float[] res, int rImg) {
        float[] block = BLOCK.floats(coP * PIX_CHUNK);
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        int pixels = oh * ow, group = planesAtOnce(pixels);
        for (int c0 = 0; c0 < count; c0 += PIX_CHUNK) {
            int cn = Math.min(PIX_CHUNK, count - c0), q = q0 + c0;
            if (res != null) {
                // the residual of the chunk's real pixels into the block, where the tiles add it before their ReLU
                for (int c1 = 0; c1 < cout; c1 += group) {
                    int c2 = Math.min(cout, c1 + group);
                    for (int j = 0, oy = q / pitch, ox = q % pitch; j < cn; ) {
                        int len = Math.min(ow - ox, cn - j);
                        if (len > 0) copyRunsIn(res, rImg + oy * ow + ox, pixels, c1, c2, j, len, block);
                        j += Math.min(pitch - ox, cn - j);
                        ox = 0;
                        oy++;
                    }
                }
            }
            for (int v0 = 0, nv; v0 < vecs; v0 += nv) {
                nv = blockVectors(vecs - v0);
                // the groups of PIX_CHANNELS in the weights' block of nv·L channels that hold real channels
                for (int co = v0 * L; co < Math.min(cout, (v0 + nv) * L); co += PIX_CHANNELS) {
                    int wOff = depth * v0 * L + co - v0 * L, ldw = nv * L, row = co * PIX_CHUNK;
                    if (PIX_CHANNELS == 8) {
                        for (int j = 0; j < cn; j += PIX_PIXELS) pix8x3(src, q + j, taps, depth, wt, wOff, ldw, biasP, co, relu, res != null, block, row + j, PIX_CHUNK);
                    } else {
                        for (int j = 0; j < cn; j += PIX_PIXELS) pix4x2(src, q + j, taps, depth, wt, wOff, ldw, biasP, co, relu, res != null, block, row + j, PIX_CHUNK);
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
     * multiple of 1 KB apart fall in 64 / gcd(64, lines apart) sets only, and those of 4 KB all in one, where
     * writing every plane at once thrashes L1 (bench/kernels-results.md, "Convolution paths").
     */
    private int planesAtOnce(int pixels) {
        if (pixels % 16 != 0) return cout; // planes a fraction of a line apart: spread over every set
        int lines = pixels / 16 % 64, sets = lines == 0 ? 1 : 64 / gcd(64, lines);
        return Math.max(PIX_CHANNELS, Math.min(cout, 8 * sets)); // at most 8 lines a set: L1s have 8 ways or more
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

    /** block[co·PIX_CHUNK + j + i] = r[rAt + co·ldr + i] for i < len, co in [c1, c2): {@link #copyRuns} the other
     * way. */
    private static void copyRunsIn(float[] r, int rAt, int ldr, int c1, int c2, int j, int len, float[] block) {
        int i = 0;
        for (; i + L <= len; i += L) {
            for (int co = c1, s = rAt + co * ldr + i, d = co * PIX_CHUNK + j + i; co < c2; co++, s += ldr, d += PIX_CHUNK) {
                FloatVector.fromArray(F, r, s).intoArray(block, d);
            }
        }
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            for (int co = c1, s = rAt + co * ldr + i, d = co * PIX_CHUNK + j + i; co < c2; co++, s += ldr, d += PIX_CHUNK) {
                FloatVector.fromArray(F, r, s, m).intoArray(block, d, m);
            }
        }
    }
}
