package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.VectorMath;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * The depthwise path, {@link Conv2dKernel.Path#DEPTHWISE}: groups = cin > 1, one input channel per group, with or
 * without a channel multiplier (cout/cin output channels per input channel).
 *
 * <p>Per (image, input channel) the zero-padded input plane is split once into stride phases
 * ({@link #phasePlanes}): for stride s, s × s planes of every s-th row and column, all with one pitch P. Output pixel
 * (oy, ox) then reads tap (ky, kx) at the same place q = oy·P + ox of one phase plane, shifted by a constant: the
 * "virtual" pixels q of a row block are consecutive floats for every tap, whatever the stride, dilation or padding.
 * So a stride-2 convolution loads whole vectors at stride 1 like a stride-1 one (no gathers, no per-pixel scalar
 * loop), and every vector of the loop is whole: the virtual pixels with ox ≥ ow are computed and dropped, never
 * masked (masked stores cost a range check per lane on this JDK, and masked loops now and then keep C2 from
 * intrinsifying the whole method).
 *
 * <p>Per output channel and block of output rows (at most BLOCK_FLOATS virtual pixels, in L1): the virtual pixels
 * accumulate kh·kw taps (3×3 and 5×5 as flat kernels with the weights broadcast once per block and two vectors per
 * step; other sizes in a loop), the residual is added, the activation runs over the whole block (one long vector
 * loop), and the real pixels of each row are copied into y. Every output is thus written once.
 *
 * <p>Small images (the padded input of L channels within CL_MAX_FLOATS, CL_MAX_FLOATS_STRIDED with a stride) take
 * the channel-last variant instead
 * ({@link #channelLastTask}): per block of L channels, the padded input transposed into a pixel-major block of
 * channel vectors (L×L register transposes, {@link Transposes}), one vector of L channels per output pixel
 * accumulating kh·kw taps × per-channel weight vectors (packed at construction), and the result transposed back into
 * y's planes. No lane is wasted however narrow the rows are, and the per-row bookkeeping (a copy per padded row, a
 * copy out per output row) that dominates planes of 7×7 or 14×14 in the planar variant is paid once per L channels.
 * It needs cin ≥ L and no channel multiplier; a last block of fewer than L channels overlaps the one before it and
 * writes only its own.
 *
 * <p>Tasks are (image, input channel) or (image, block of L channels): disjoint outputs, so the result does not
 * depend on the thread count.
 */
final class DepthwiseConv extends ConvAlgorithm {
    /** Virtual output pixels per block: 16 KB, which stays in L1 beside the phase planes' rows it reads. */
    static final int BLOCK_FLOATS = 4096;

    /**
     * Floats of the channel-last block of padded input (padded pixels × L) up to which a call takes the channel-last
     * variant: 32 KB, so the block stays in L1 while every tap reads it.
     */
    static final int CL_MAX_FLOATS = 8192;
    /**
     * The same for strided convolutions, whose planar variant splits every row into phases and fills sh·sw phase
     * planes: 80 KB (in L2). Beyond it (a 56×56 input) the planar variant is ahead again (the measurements are in
     * bench/kernels-results.md).
     */
    static final int CL_MAX_FLOATS_STRIDED = 20 * 1024;

    /** (cout, 1, kh, kw) as PyTorch stores it, by reference (the planar variant reads it as it is). */
    private final float[] weight, bias;
    /**
     * For the channel-last variant (null without it: cin < L or a channel multiplier): per block of L channels
     * (starting at {@link #blockStart}), kh·kw vectors of the L channels' weights, then the L biases (zeros without
     * bias).
     */
    private final float[] packed;
    private final int blocks;

    // Per-thread scratch: a block of virtual output pixels; the taps' offsets into the phase planes.
    private static final Scratch BLOCK = new Scratch();
    private static final Scratch.Ints TAPS = new Scratch.Ints();

    /** Floats this form holds: the weights it reads in place and the channel-last blocks. */
    long floats() {
        return weight.length + (packed == null ? 0 : packed.length);
    }

    DepthwiseConv(ConvGeometry g, float[] weight, float[] bias) {
        super(g);
        if (!g.depthwise()) throw new IllegalArgumentException("not a depthwise convolution");
        this.weight = weight;
        this.bias = bias;
        int taps = kh * kw;
        if (cin >= L && coutG == 1) {
            blocks = (cin + L - 1) / L;
            packed = new float[blocks * (taps + 1) * L];
            for (int blk = 0; blk < blocks; blk++) {
                int c0 = blockStart(blk), at = blk * (taps + 1) * L;
                for (int lane = 0; lane < L; lane++) {
                    for (int k = 0; k < taps; k++) packed[at + k * L + lane] = weight[(c0 + lane) * taps + k];
                    packed[at + taps * L + lane] = bias == null ? 0f : bias[c0 + lane];
                }
            }
        } else {
            blocks = 0;
            packed = null;
        }
    }

    /** The first channel of channel-last block g: blocks of L, the last one shifted back to end at cin. */
    private int blockStart(int g) {
        return Math.min(g * L, cin - L);
    }

    /** True when a call with this input and output takes the channel-last variant. */
    boolean channelLast(int h, int w, int oh, int ow) {
        long floats = (long) paddedRows(h, oh) * paddedCols(w, ow) * L;
        return packed != null && floats <= (sh > 1 || sw > 1 ? CL_MAX_FLOATS_STRIDED : CL_MAX_FLOATS);
    }

    /**
     * y (n, cout, oh, ow) at y[yOff …] = act(conv(x) + bias + residual), the residual (n, cout, oh, ow) at
     * res[resOff …] or none (res null; it may be y at yOff: each output's residual is read before that output is
     * written, by the task that writes it).
     */
    void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                 float[] res, int resOff, ComputePool pool) {
        boolean serial = pool == null || pool.threads() == 1 || (long) n * cout * oh * ow * kh * kw < (1 << 16);
        if (channelLast(h, w, oh, ow)) {
            int tasks = n * blocks;
            if (serial) {
                for (int t = 0; t < tasks; t++) channelLastTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff);
            } else {
                pool.parallelFor(tasks, t -> channelLastTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff));
            }
            return;
        }
        int tasks = n * cin;
        if (serial) {
            for (int t = 0; t < tasks; t++) depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff);
        } else {
            pool.parallelFor(tasks, t -> depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff));
        }
    }

    // Per-thread scratch of the channel-last variant: the block's output pixels × L; where each input and output
    // pixel sits in its block.
    private static final Scratch OUT = new Scratch();
    private static final Scratch.Ints IN_ROWS = new Scratch.Ints(), OUT_ROWS = new Scratch.Ints();

    /**
     * Task t = (image, block of L channels) of the channel-last variant. Blocks: the padded input (rows × cols pixels
     * × L channels, zero where padded) in {@link #PAD}, the output (oh·ow pixels × L) in {@link #OUT}, which starts
     * as the residual when there is one.
     */
    private void channelLastTask(int t, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow,
                                 Activation act, float[] res, int resOff) {
        int b = t / blocks, g = t % blocks, c0 = blockStart(g), own = g * L - c0; // channels [c0, c0 + own) are the block before's
        int rows = paddedRows(h, oh), cols = paddedCols(w, ow), hw = h * w, pixels = oh * ow;
        float[] in = PAD.floats(rows * cols * L);
        Arrays.fill(in, 0, rows * cols * L, 0f);
        int[] inRows = IN_ROWS.ints(Math.max(hw, L));
        for (int iy = 0, i = 0; iy < h; iy++) {
            for (int ix = 0, at = ((iy + padTop) * cols + padLeft) * L; ix < w; ix++, i++, at += L) inRows[i] = at;
        }
        Transposes.transposeIn(x, xOff + (b * cin + c0) * hw, hw, in, inRows, hw, 0, L);
        float[] out = OUT.floats(pixels * L);
        int[] outRows = OUT_ROWS.ints(Math.max(pixels, L));
        for (int i = 0; i < pixels; i++) outRows[i] = i * L;
        int planes = yOff + (b * cout + c0) * pixels;
        if (res != null) Transposes.transposeIn(res, resOff + (b * cout + c0) * pixels, pixels, out, outRows, pixels, 0, L);
        int[] taps = TAPS.ints(kh * kw);
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) taps[ky * kw + kx] = (ky * dh * cols + kx * dw) * L;
        }
        int wAt = g * (kh * kw + 1) * L;
        if (kh == 3 && kw == 3) pixels3x3(in, cols, oh, ow, taps, packed, wAt, out, res != null);
        else if (kw == 5) pixelsRows5(in, cols, oh, ow, taps, packed, wAt, out, res != null);
        else pixelsAny(in, cols, oh, ow, taps, kh * kw, packed, wAt, out, res != null);
        VectorMath.applyInPlace(act, out, 0, pixels * L, act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp());
        Transposes.transposeOut(out, outRows, pixels, y, planes, pixels, own, L);
    }

    /**
     * out[p·L …] (+)= bias + Σ_k in[base(p) + taps[k] …]·w_k for every output pixel p = oy·ow + ox, base(p) =
     * (oy·sh·cols + ox·sw)·L, the 9 weight vectors and the bias at packed[wAt …]; onto what out holds when
     * {@code accumulate} (the residual).
     */
    private void pixels3x3(float[] in, int cols, int oh, int ow, int[] taps, float[] wp, int wAt, float[] out, boolean accumulate) {
        int t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4], t5 = taps[5], t6 = taps[6], t7 = taps[7],
                t8 = taps[8];
        FloatVector w0 = FloatVector.fromArray(F, wp, wAt), w1 = FloatVector.fromArray(F, wp, wAt + L),
                w2 = FloatVector.fromArray(F, wp, wAt + 2 * L), w3 = FloatVector.fromArray(F, wp, wAt + 3 * L),
                w4 = FloatVector.fromArray(F, wp, wAt + 4 * L), w5 = FloatVector.fromArray(F, wp, wAt + 5 * L),
                w6 = FloatVector.fromArray(F, wp, wAt + 6 * L), w7 = FloatVector.fromArray(F, wp, wAt + 7 * L),
                w8 = FloatVector.fromArray(F, wp, wAt + 8 * L), bv = FloatVector.fromArray(F, wp, wAt + 9 * L);
        int step = sw * L;
        for (int oy = 0, o = 0; oy < oh; oy++) {
            for (int ox = 0, base = oy * sh * cols * L; ox < ow; ox++, base += step, o += L) {
                FloatVector a = accumulate ? bv.add(FloatVector.fromArray(F, out, o)) : bv;
                a = FloatVector.fromArray(F, in, base + t0).fma(w0, a);
                a = FloatVector.fromArray(F, in, base + t1).fma(w1, a);
                a = FloatVector.fromArray(F, in, base + t2).fma(w2, a);
                a = FloatVector.fromArray(F, in, base + t3).fma(w3, a);
                a = FloatVector.fromArray(F, in, base + t4).fma(w4, a);
                a = FloatVector.fromArray(F, in, base + t5).fma(w5, a);
                a = FloatVector.fromArray(F, in, base + t6).fma(w6, a);
                a = FloatVector.fromArray(F, in, base + t7).fma(w7, a);
                a = FloatVector.fromArray(F, in, base + t8).fma(w8, a);
                a.intoArray(out, o);
            }
        }
    }

    /**
     * {@link #pixels3x3} for kernels 5 wide: the bias (and residual) first, then one pass over the output block per
     * row of 5 taps, its 5 weight vectors held in registers (25 at once would not leave room for the sums).
     */
    private void pixelsRows5(float[] in, int cols, int oh, int ow, int[] taps, float[] wp, int wAt, float[] out, boolean accumulate) {
        int pixels = oh * ow, step = sw * L;
        FloatVector bv = FloatVector.fromArray(F, wp, wAt + kh * 5 * L);
        for (int o = 0; o < pixels * L; o += L) {
            (accumulate ? bv.add(FloatVector.fromArray(F, out, o)) : bv).intoArray(out, o);
        }
        for (int ky = 0; ky < kh; ky++) {
            int k = ky * 5, wk = wAt + k * L;
            int t0 = taps[k], t1 = taps[k + 1], t2 = taps[k + 2], t3 = taps[k + 3], t4 = taps[k + 4];
            FloatVector w0 = FloatVector.fromArray(F, wp, wk), w1 = FloatVector.fromArray(F, wp, wk + L),
                    w2 = FloatVector.fromArray(F, wp, wk + 2 * L), w3 = FloatVector.fromArray(F, wp, wk + 3 * L),
                    w4 = FloatVector.fromArray(F, wp, wk + 4 * L);
            for (int oy = 0, o = 0; oy < oh; oy++) {
                for (int ox = 0, base = oy * sh * cols * L; ox < ow; ox++, base += step, o += L) {
                    FloatVector a = FloatVector.fromArray(F, out, o);
                    a = FloatVector.fromArray(F, in, base + t0).fma(w0, a);
                    a = FloatVector.fromArray(F, in, base + t1).fma(w1, a);
                    a = FloatVector.fromArray(F, in, base + t2).fma(w2, a);
                    a = FloatVector.fromArray(F, in, base + t3).fma(w3, a);
                    a = FloatVector.fromArray(F, in, base + t4).fma(w4, a);
                    a.intoArray(out, o);
                }
            }
        }
    }

    /** {@link #pixels3x3} for any number of taps, the weight vectors read per tap. */
    private void pixelsAny(float[] in, int cols, int oh, int ow, int[] taps, int count, float[] wp, int wAt, float[] out,
                           boolean accumulate) {
        FloatVector bv = FloatVector.fromArray(F, wp, wAt + count * L);
        int step = sw * L;
        for (int oy = 0, o = 0; oy < oh; oy++) {
            for (int ox = 0, base = oy * sh * cols * L; ox < ow; ox++, base += step, o += L) {
                FloatVector a = accumulate ? bv.add(FloatVector.fromArray(F, out, o)) : bv;
                for (int k = 0; k < count; k++) {
                    a = FloatVector.fromArray(F, in, base + taps[k]).fma(FloatVector.fromArray(F, wp, wAt + k * L), a);
                }
                a.intoArray(out, o);
            }
        }
    }

    /** Rows of each phase plane. */
    private int phaseRows(int h, int oh) {
        return (paddedRows(h, oh) + sh - 1) / sh;
    }

    /** Columns of each phase plane: the pitch P of the virtual pixels. */
    private int phaseCols(int w, int ow) {
        return (paddedCols(w, ow) + sw - 1) / sw;
    }

    private void depthwiseTask(int t, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                               float[] res, int resOff) {
        int b = t / cin, ic = t % cin;
        int rows = phaseRows(h, oh), pitch = phaseCols(w, ow), plane = rows * pitch;
        float[] src = phasePlanes(x, xOff + (b * cin + ic) * h * w, h, w, rows, pitch);
        int[] taps = TAPS.ints(kh * kw);
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                int ry = ky * dh, rx = kx * dw;
                taps[ky * kw + kx] = ((ry % sh) * sw + rx % sw) * plane + (ry / sh) * pitch + rx / sw;
            }
        }
        int blockRows = Math.max(1, Math.min(oh, BLOCK_FLOATS / pitch));
        float[] blk = BLOCK.floats(roundUp(blockRows * pitch, L));
        float[] tmp = act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp();
        int mult = coutG; // output channels of this input channel (groups = cin here)
        for (int m = 0; m < mult; m++) {
            int oc = ic * mult + m;
            float bs = bias == null ? 0f : bias[oc];
            int wOff = oc * kh * kw, planeOut = (b * cout + oc) * oh * ow;
            for (int oy0 = 0; oy0 < oh; oy0 += blockRows) {
                int br = Math.min(blockRows, oh - oy0), len = roundUp((br - 1) * pitch + ow, L), q0 = oy0 * pitch;
                boolean rowTaps = sw == 1 && dw == 1; // a row's taps are consecutive floats
                if (kh == 3 && kw == 3 && rowTaps) rows3x3(src, q0, taps, weight, wOff, bs, blk, len);
                else if (kh == 3 && kw == 3) taps3x3(src, q0, taps, weight, wOff, bs, blk, len);
                else if (kh == 5 && kw == 5 && rowTaps) rows5x5(src, q0, taps, weight, wOff, bs, blk, len);
                else if (kh == 5 && kw == 5) taps5x5(src, q0, taps, weight, wOff, bs, blk, len);
                else tapsAny(src, q0, taps, kh * kw, weight, wOff, bs, blk, len);
                int yRow = yOff + planeOut + oy0 * ow;
                if (res != null) {
                    int rRow = resOff + planeOut + oy0 * ow;
                    for (int r = 0; r < br; r++) {
                        for (int ox = 0; ox < ow; ox++) blk[r * pitch + ox] += res[rRow + r * ow + ox];
                    }
                }
                VectorMath.applyInPlace(act, blk, 0, len, tmp);
                for (int r = 0; r < br; r++) System.arraycopy(blk, r * pitch, y, yRow + r * ow, ow);
            }
        }
    }

    /**
     * The zero-padded plane of h×w at x[xOff …] (the input at row padTop, column padLeft) as sh·sw phase planes of
     * rows × pitch each, plane (a, b) holding padded rows a, a + sh, … and columns b, b + sw, …, in the calling
     * thread's {@link #PAD} scratch, followed by slack that the last vectors of virtual pixels may read (their
     * lanes are dropped).
     */
    private float[] phasePlanes(float[] x, int xOff, int h, int w, int rows, int pitch) {
        int plane = rows * pitch, phases = sh * sw;
        float[] p = PAD.floats(phases * plane + pitch + 2 * L);
        if (sh == 1 && sw == 1) {
            // one plane: zeros, then the input rows (one call each rather than three: rows are short)
            Arrays.fill(p, 0, plane, 0f);
            for (int iy = 0; iy < h; iy++) System.arraycopy(x, xOff + iy * w, p, (iy + padTop) * pitch + padLeft, w);
            return p;
        }
        Arrays.fill(p, 0, phases * plane, 0f);
        for (int r = 0; r < rows * sh; r++) {
            int iy = r - padTop;
            if (iy < 0 || iy >= h) continue;
            int rowAt = ((r % sh) * sw) * plane + (r / sh) * pitch, xr = xOff + iy * w;
            if (sw == 1) {
                System.arraycopy(x, xr, p, rowAt + padLeft, w);
            } else if (sw == 2) {
                splitRow2(x, xr, w, padLeft, p, rowAt, rowAt + plane);
            } else {
                for (int ix = 0; ix < w; ix++) {
                    int c = padLeft + ix;
                    p[rowAt + (c % sw) * plane + c / sw] = x[xr + ix];
                }
            }
        }
        return p;
    }

    /**
     * dst[0, len) (len a multiple of L) = bias + Σ_k w[wOff + k]·src[q0 + i + taps[k]] over 9 taps: the weights
     * broadcast once, two vectors per step.
     */
    static void taps3x3(float[] src, int q0, int[] taps, float[] wt, int wOff, float bias, float[] dst, int len) {
        int t0 = q0 + taps[0], t1 = q0 + taps[1], t2 = q0 + taps[2], t3 = q0 + taps[3], t4 = q0 + taps[4],
                t5 = q0 + taps[5], t6 = q0 + taps[6], t7 = q0 + taps[7], t8 = q0 + taps[8];
        FloatVector w0 = FloatVector.broadcast(F, wt[wOff]), w1 = FloatVector.broadcast(F, wt[wOff + 1]),
                w2 = FloatVector.broadcast(F, wt[wOff + 2]), w3 = FloatVector.broadcast(F, wt[wOff + 3]),
                w4 = FloatVector.broadcast(F, wt[wOff + 4]), w5 = FloatVector.broadcast(F, wt[wOff + 5]),
                w6 = FloatVector.broadcast(F, wt[wOff + 6]), w7 = FloatVector.broadcast(F, wt[wOff + 7]),
                w8 = FloatVector.broadcast(F, wt[wOff + 8]), bv = FloatVector.broadcast(F, bias);
        int i = 0;
        for (; i + 2 * L <= len; i += 2 * L) {
            int j = i + L;
            FloatVector a = bv, c = bv;
            a = FloatVector.fromArray(F, src, t0 + i).fma(w0, a);
            c = FloatVector.fromArray(F, src, t0 + j).fma(w0, c);
            a = FloatVector.fromArray(F, src, t1 + i).fma(w1, a);
            c = FloatVector.fromArray(F, src, t1 + j).fma(w1, c);
            a = FloatVector.fromArray(F, src, t2 + i).fma(w2, a);
            c = FloatVector.fromArray(F, src, t2 + j).fma(w2, c);
            a = FloatVector.fromArray(F, src, t3 + i).fma(w3, a);
            c = FloatVector.fromArray(F, src, t3 + j).fma(w3, c);
            a = FloatVector.fromArray(F, src, t4 + i).fma(w4, a);
            c = FloatVector.fromArray(F, src, t4 + j).fma(w4, c);
            a = FloatVector.fromArray(F, src, t5 + i).fma(w5, a);
            c = FloatVector.fromArray(F, src, t5 + j).fma(w5, c);
            a = FloatVector.fromArray(F, src, t6 + i).fma(w6, a);
            c = FloatVector.fromArray(F, src, t6 + j).fma(w6, c);
            a = FloatVector.fromArray(F, src, t7 + i).fma(w7, a);
            c = FloatVector.fromArray(F, src, t7 + j).fma(w7, c);
            a = FloatVector.fromArray(F, src, t8 + i).fma(w8, a);
            c = FloatVector.fromArray(F, src, t8 + j).fma(w8, c);
            a.intoArray(dst, i);
            c.intoArray(dst, j);
        }
        for (; i < len; i += L) {
            FloatVector a = bv;
            a = FloatVector.fromArray(F, src, t0 + i).fma(w0, a);
            a = FloatVector.fromArray(F, src, t1 + i).fma(w1, a);
            a = FloatVector.fromArray(F, src, t2 + i).fma(w2, a);
            a = FloatVector.fromArray(F, src, t3 + i).fma(w3, a);
            a = FloatVector.fromArray(F, src, t4 + i).fma(w4, a);
            a = FloatVector.fromArray(F, src, t5 + i).fma(w5, a);
            a = FloatVector.fromArray(F, src, t6 + i).fma(w6, a);
            a = FloatVector.fromArray(F, src, t7 + i).fma(w7, a);
            a = FloatVector.fromArray(F, src, t8 + i).fma(w8, a);
            a.intoArray(dst, i);
        }
    }


    /**
     * {@link #taps3x3} where each row's three taps are consecutive floats (stride 1 and dilation 1 along x): per row
     * one new vector load, the taps at +1 and +2 sliced from it and the previous one. Every tap at its own
     * unaligned offset split a cache line per load and the loads bound the loop.
     */
    static void rows3x3(float[] src, int q0, int[] taps, float[] wt, int wOff, float bias, float[] dst, int len) {
        int r0 = q0 + taps[0], r1 = q0 + taps[3], r2 = q0 + taps[6];
        FloatVector w0 = FloatVector.broadcast(F, wt[wOff]), w1 = FloatVector.broadcast(F, wt[wOff + 1]),
                w2 = FloatVector.broadcast(F, wt[wOff + 2]), w3 = FloatVector.broadcast(F, wt[wOff + 3]),
                w4 = FloatVector.broadcast(F, wt[wOff + 4]), w5 = FloatVector.broadcast(F, wt[wOff + 5]),
                w6 = FloatVector.broadcast(F, wt[wOff + 6]), w7 = FloatVector.broadcast(F, wt[wOff + 7]),
                w8 = FloatVector.broadcast(F, wt[wOff + 8]), bv = FloatVector.broadcast(F, bias);
        FloatVector a0 = FloatVector.fromArray(F, src, r0), a1 = FloatVector.fromArray(F, src, r1), a2 = FloatVector.fromArray(F, src, r2);
        for (int i = 0; i < len; i += L) {
            FloatVector b0 = FloatVector.fromArray(F, src, r0 + i + L), b1 = FloatVector.fromArray(F, src, r1 + i + L),
                    b2 = FloatVector.fromArray(F, src, r2 + i + L);
            FloatVector acc = a0.fma(w0, bv);
            acc = a0.slice(1, b0).fma(w1, acc);
            acc = a0.slice(2, b0).fma(w2, acc);
            acc = a1.fma(w3, acc);
            acc = a1.slice(1, b1).fma(w4, acc);
            acc = a1.slice(2, b1).fma(w5, acc);
            acc = a2.fma(w6, acc);
            acc = a2.slice(1, b2).fma(w7, acc);
            acc = a2.slice(2, b2).fma(w8, acc);
            acc.intoArray(dst, i);
            a0 = b0;
            a1 = b1;
            a2 = b2;
        }
    }

    /** {@link #taps5x5} where each row's five taps are consecutive floats: per row and vector one load, four slices. */
    static void rows5x5(float[] src, int q0, int[] taps, float[] wt, int wOff, float bias, float[] dst, int len) {
        FloatVector bv = FloatVector.broadcast(F, bias);
        for (int i = 0; i < len; i += L) bv.intoArray(dst, i);
        for (int ky = 0; ky < 5; ky++) {
            int k = ky * 5, r = q0 + taps[k];
            FloatVector w0 = FloatVector.broadcast(F, wt[wOff + k]), w1 = FloatVector.broadcast(F, wt[wOff + k + 1]),
                    w2 = FloatVector.broadcast(F, wt[wOff + k + 2]), w3 = FloatVector.broadcast(F, wt[wOff + k + 3]),
                    w4 = FloatVector.broadcast(F, wt[wOff + k + 4]);
            FloatVector a = FloatVector.fromArray(F, src, r);
            for (int i = 0; i < len; i += L) {
                FloatVector b = FloatVector.fromArray(F, src, r + i + L);
                FloatVector acc = FloatVector.fromArray(F, dst, i);
                acc = a.fma(w0, acc);
                acc = a.slice(1, b).fma(w1, acc);
                acc = a.slice(2, b).fma(w2, acc);
                acc = a.slice(3, b).fma(w3, acc);
                acc = a.slice(4, b).fma(w4, acc);
                acc.intoArray(dst, i);
                a = b;
            }
        }
    }

    /** The same over 25 taps (5×5): one row of five taps at a time, two vectors per step. */
    static void taps5x5(float[] src, int q0, int[] taps, float[] wt, int wOff, float bias, float[] dst, int len) {
        FloatVector bv = FloatVector.broadcast(F, bias);
        for (int i = 0; i < len; i += L) bv.intoArray(dst, i);
        for (int ky = 0; ky < 5; ky++) {
            int k = ky * 5, t0 = q0 + taps[k], t1 = q0 + taps[k + 1], t2 = q0 + taps[k + 2], t3 = q0 + taps[k + 3],
                    t4 = q0 + taps[k + 4];
            FloatVector w0 = FloatVector.broadcast(F, wt[wOff + k]), w1 = FloatVector.broadcast(F, wt[wOff + k + 1]),
                    w2 = FloatVector.broadcast(F, wt[wOff + k + 2]), w3 = FloatVector.broadcast(F, wt[wOff + k + 3]),
                    w4 = FloatVector.broadcast(F, wt[wOff + k + 4]);
            int i = 0;
            for (; i + 2 * L <= len; i += 2 * L) {
                int j = i + L;
                FloatVector a = FloatVector.fromArray(F, dst, i), c = FloatVector.fromArray(F, dst, j);
                a = FloatVector.fromArray(F, src, t0 + i).fma(w0, a);
                c = FloatVector.fromArray(F, src, t0 + j).fma(w0, c);
                a = FloatVector.fromArray(F, src, t1 + i).fma(w1, a);
                c = FloatVector.fromArray(F, src, t1 + j).fma(w1, c);
                a = FloatVector.fromArray(F, src, t2 + i).fma(w2, a);
                c = FloatVector.fromArray(F, src, t2 + j).fma(w2, c);
                a = FloatVector.fromArray(F, src, t3 + i).fma(w3, a);
                c = FloatVector.fromArray(F, src, t3 + j).fma(w3, c);
                a = FloatVector.fromArray(F, src, t4 + i).fma(w4, a);
                c = FloatVector.fromArray(F, src, t4 + j).fma(w4, c);
                a.intoArray(dst, i);
                c.intoArray(dst, j);
            }
            for (; i < len; i += L) {
                FloatVector a = FloatVector.fromArray(F, dst, i);
                a = FloatVector.fromArray(F, src, t0 + i).fma(w0, a);
                a = FloatVector.fromArray(F, src, t1 + i).fma(w1, a);
                a = FloatVector.fromArray(F, src, t2 + i).fma(w2, a);
                a = FloatVector.fromArray(F, src, t3 + i).fma(w3, a);
                a = FloatVector.fromArray(F, src, t4 + i).fma(w4, a);
                a.intoArray(dst, i);
            }
        }
    }

    /** The same over any number of taps, one tap at a time over the block. */
    static void tapsAny(float[] src, int q0, int[] taps, int count, float[] wt, int wOff, float bias, float[] dst, int len) {
        FloatVector bv = FloatVector.broadcast(F, bias);
        for (int i = 0; i < len; i += L) bv.intoArray(dst, i);
        for (int k = 0; k < count; k++) {
            int t = q0 + taps[k];
            FloatVector wk = FloatVector.broadcast(F, wt[wOff + k]);
            for (int i = 0; i < len; i += L) {
                FloatVector.fromArray(F, src, t + i).fma(wk, FloatVector.fromArray(F, dst, i)).intoArray(dst, i);
            }
        }
    }
}
