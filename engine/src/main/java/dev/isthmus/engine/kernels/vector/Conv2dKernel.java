package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A 2-D convolution (NCHW, as {@code torch.nn.Conv2d}: zero padding, stride, dilation, groups) with its weights packed
 * once at load.
 *
 * <ul>
 * <li>General and grouped convolutions run as one GEMM per (image, group, block of output pixels): the weights of
 * the group are the packed left operand (cout/groups × cin/groups·kh·kw, packed at construction) and im2col writes
 * the input patches straight into the B panel layout (depth-major, NR output pixels per panel, no intermediate
 * matrix). C = W·patches is then already NCHW: no transpose. Bias (per output channel, i.e. per row) and the
 * activation are the GEMM's epilogue. A 1×1 stride-1 unpadded convolution is the same GEMM; its im2col is a copy of
 * contiguous rows.</li>
 * <li>Depthwise convolutions (groups = cin > 1, with or without a channel multiplier) run directly: a zero-padded
 * copy of the input plane, then per output row a vector of output pixels accumulates kh·kw broadcast weights ×
 * shifted input rows. (A single-channel stem, cin = groups = 1, is faster as the GEMM: 17 vs 27 µs for the seed
 * CNN's 1→32 3×3 on 28×28.)</li>
 * </ul>
 * Tasks are (image, group, pixel block) or (image, input channel): disjoint outputs, fixed summation order, so the
 * result does not depend on the thread count.
 */
public final class Conv2dKernel {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** At most this many output pixels per GEMM task (a multiple of NR): the task's im2col panels (k × this) are
     * built once and reused by every output-channel tile. Fewer when images × groups would leave threads idle. */
    private static final int PIXELS_PER_TASK = Math.max(1, 256 / Tiles.NR) * Tiles.NR;

    private final int cin, cout, groups, cinG, coutG, kh, kw, sh, sw, padTop, padLeft, dh, dw, depth;
    private final float[] weight, bias;
    /** Per group: its weights packed as the GEMM's left operand; null on the direct path. */
    private final PackedMatrix[] packed;

    /**
     * @param weight (cout, cin/groups, kh, kw) as PyTorch stores it; kept by reference (the direct path reads it)
     * @param bias   (cout) or null
     */
    public Conv2dKernel(float[] weight, float[] bias, int cin, int cout, int kh, int kw, int strideH, int strideW,
                        int padTop, int padLeft, int dilationH, int dilationW, int groups) {
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
        if (cinG == 1 && groups > 1) {
            packed = null;
        } else {
            packed = new PackedMatrix[groups];
            for (int g = 0; g < groups; g++) packed[g] = PackedMatrix.forA(weight, g * coutG * depth, depth, coutG, depth);
        }
    }

    /** True when this convolution runs the direct (one input channel per output channel) kernel. */
    public boolean direct() {
        return packed == null;
    }

    /**
     * y (n, cout, oh, ow) = act(conv(x (n, cin, h, w)) + bias). oh and ow (which imply the trailing padding) are the
     * caller's, as in the reference.
     */
    public void forward(float[] x, int n, int h, int w, float[] y, int oh, int ow, Activation act, ComputePool pool) {
        forward(x, 0, n, h, w, y, 0, oh, ow, act, pool);
    }

    // Per-thread scratch (each pool worker has its own): a task's im2col panels, zero-padded input planes, and the
    // im2col run table.
    private static final Scratch PANELS = new Scratch(), PAD = new Scratch();
    private static final Scratch.Ints SEGMENTS = new Scratch.Ints();

    /**
     * {@link #forward(float[], int, int, int, float[], int, int, Activation, ComputePool)} on x (n, cin, h, w) dense at
     * {@code x[xOff …]} into y (n, cout, oh, ow) dense at {@code y[yOff …]}. y's range must not overlap x's. The work
     * buffers are per-thread scratch: nothing is allocated in steady state on one thread.
     */
    public void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                        ComputePool pool) {
        if (xOff < 0 || yOff < 0 || (long) xOff + (long) n * cin * h * w > x.length || (long) yOff + (long) n * cout * oh * ow > y.length) {
            throw new IllegalArgumentException("x or y too small");
        }
        if (n == 0 || oh <= 0 || ow <= 0) return;
        if (packed == null) {
            int tasks = n * cin;
            if (pool == null || pool.threads() == 1 || (long) n * cout * oh * ow * kh * kw < (1 << 16)) {
                for (int t = 0; t < tasks; t++) directTask(t, x, xOff, h, w, y, yOff, oh, ow, act);
            } else {
                pool.parallelFor(tasks, t -> directTask(t, x, xOff, h, w, y, yOff, oh, ow, act));
            }
            return;
        }
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

    // ---- GEMM path ----------------------------------------------------------------------------------------------

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
        int ph = Math.max(h + padTop, (oh - 1) * sh + (kh - 1) * dh + 1);
        int pw = Math.max(w + padLeft, (ow - 1) * sw + (kw - 1) * dw + 1);
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

    // ---- direct path (one input channel per output channel) -----------------------------------------------------

    private void directTask(int t, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow, Activation act) {
        int b = t / cin, ic = t % cin;
        // zero-padded copy of the plane, large enough for every tap of every output pixel
        int ph = Math.max(h + padTop, (oh - 1) * sh + (kh - 1) * dh + 1);
        int pw = Math.max(w + padLeft, (ow - 1) * sw + (kw - 1) * dw + 1);
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
}
