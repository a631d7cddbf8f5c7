package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.kernels.vector.PackedMatrix;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * The GEMM path, {@link Conv2dKernel.Path#GEMM}: grouped convolutions that are not depthwise ({@link ConvPaths});
 * ungrouped ones when forced (the direct channels tiles, which split deep convolutions into depth blocks too, were
 * faster on every ungrouped layer measured). One GEMM per (image, group, block of output
 * pixels): the weights of the group are the packed left operand (cout/groups × cin/groups·kh·kw, packed at
 * construction) and im2col writes the input patches straight into the B panel layout (depth-major, NR output pixels
 * per panel, no intermediate matrix). C = W·patches is then already NCHW: no transpose. Bias (per output channel,
 * i.e. per row), a residual (added before the activation: where the GEMM's sums start) and the activation are the
 * GEMM's epilogue.
 *
 * <p>Tasks are (image, group, block of output pixels): disjoint outputs, each summed in a fixed order, so the result
 * does not depend on the thread count.
 */
final class Im2colConv extends ConvAlgorithm {
    /** At most this many output pixels per GEMM task (a multiple of NR): the task's im2col panels (k × this) are
     * built once and reused by every output-channel tile. Fewer when images × groups would leave threads idle. */
    private static final int PIXELS_PER_TASK = Math.max(1, 256 / PackedGemm.panelWidth()) * PackedGemm.panelWidth();

    // Per-thread scratch: a task's im2col panels, the im2col run table.
    private static final Scratch PANELS = new Scratch();
    private static final Scratch.Ints SEGMENTS = new Scratch.Ints();

    /** Per group: its weights packed as the GEMM's left operand. */
    final PackedMatrix[] packed;
    private final float[] bias;

    Im2colConv(ConvGeometry g, float[] weight, float[] bias) {
        super(g);
        this.bias = bias;
        packed = new PackedMatrix[groups];
        for (int i = 0; i < groups; i++) packed[i] = PackedMatrix.forA(weight, i * coutG * depth, depth, coutG, depth);
    }

    /**
     * y (n, cout, oh, ow) at y[yOff …] = act(conv(x) + bias + residual), the residual (n, cout, oh, ow) at
     * res[resOff …] or none (res null; it may be y at yOff: the GEMM then accumulates onto it in place).
     */
    void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                 float[] res, int resOff, ComputePool pool) {
        int pixels = oh * ow;
        boolean parallel = ComputePool.splits(pool, (long) n * cout * pixels * depth);
        int per = PIXELS_PER_TASK;
        if (parallel && n * groups < 2 * pool.threads()) {
            // few images: smaller pixel blocks so every thread gets work (the split never changes a result)
            int want = (2 * pool.threads() + n * groups - 1) / (n * groups);
            int nr = PackedGemm.panelWidth();
            per = Math.max(nr, Math.min(per, ((pixels + want - 1) / want + nr - 1) / nr * nr));
        }
        int px = per;
        int blocks = (pixels + px - 1) / px;
        int tasks = n * groups * blocks;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) gemmTask(t, blocks, px, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff);
        } else {
            pool.parallelFor(tasks, t -> gemmTask(t, blocks, px, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff));
        }
    }

    private void gemmTask(int t, int blocks, int per, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow,
                          Activation act, float[] res, int resOff) {
        int b = t / (groups * blocks), rest = t % (groups * blocks), g = rest / blocks, blk = rest % blocks;
        int pixels = oh * ow;
        int j0 = blk * per, cols = Math.min(per, pixels - j0);
        float[] panels = PANELS.floats(PackedGemm.panelFloats(cols, depth));
        im2col(x, xOff + (b * cin + g * cinG) * h * w, h, w, oh, ow, j0, cols, panels);
        int at = (b * cout + g * coutG) * pixels + j0;
        PackedGemm.multiplyPanels(packed[g], panels, 0, cols, y, yOff + at, pixels, bias, g * coutG, true, act, res, resOff + at,
                pixels, true, null);
    }

    /**
     * Writes the patches of output pixels [j0, j0 + cols) into depth-major panels: panel q holds pixels
     * j0 + q·NR …, and row k = (ic·kh + ky)·kw + kx of it the input value each of those pixels multiplies by
     * weight k. The group's input planes are first copied into zero-padded planes that cover every tap, so each run
     * of pixels along an output row is one unconditional copy (vector loads and stores at stride 1) rather than
     * per-tap bounds logic and System.arraycopy (bench/kernels-results.md). Every float of the panels is written
     * (padding columns with 0).
     */
    private void im2col(float[] x, int xOff, int h, int w, int oh, int ow, int j0, int cols, float[] dst) {
        final int nr = PackedGemm.panelWidth();
        if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w) {
            pointwisePanels(x, xOff, h * w, j0, cols, dst);
            return;
        }
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
     * im2col of a 1×1, stride-1, unpadded convolution: panel q's row ci is the nr consecutive pixels j0 + q·nr … of
     * input plane ci (the pixels of a pointwise convolution are contiguous in their planes), copied as whole vectors;
     * the last panel's missing columns are zeros.
     */
    private void pointwisePanels(float[] x, int xOff, int plane, int j0, int cols, float[] dst) {
        final int nr = PackedGemm.panelWidth();
        for (int q = 0, base = 0; q * nr < cols; q++, base += cinG * nr) {
            int jn = Math.min(nr, cols - q * nr), src = xOff + j0 + q * nr;
            if (jn == nr) {
                for (int ci = 0; ci < cinG; ci++) {
                    int s = src + ci * plane, d = base + ci * nr;
                    for (int i = 0; i < nr; i += L) FloatVector.fromArray(F, x, s + i).intoArray(dst, d + i);
                }
            } else {
                for (int ci = 0; ci < cinG; ci++) {
                    int d = base + ci * nr;
                    System.arraycopy(x, src + ci * plane, dst, d, jn);
                    Arrays.fill(dst, d + jn, d + nr, 0f);
                }
            }
        }
    }

    private void copyStrided(float[] src, int s, float[] dst, int d, int len) {
        if (sw == 2) {
            evenColumns(src, s, 2 * len - 1, dst, d, len);
            return;
        }
        for (int t = 0; t < len; t++) dst[d + t] = src[s + t * sw];
    }
}
