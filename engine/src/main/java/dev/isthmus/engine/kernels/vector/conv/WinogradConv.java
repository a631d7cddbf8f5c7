package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.kernels.vector.PackedMatrix;
import dev.isthmus.engine.kernels.vector.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

import static dev.isthmus.engine.kernels.vector.conv.Transposes.transpose;
import static dev.isthmus.engine.kernels.vector.conv.Transposes.transposeIn;
import static dev.isthmus.engine.kernels.vector.conv.Transposes.transposeOut;

/**
 * The Winograd path, {@link Conv2dKernel.Path#WINOGRAD}: F(2×2, 3×3) (Lavin & Gray) for 3×3 kernels with stride 1,
 * dilation 1 and groups 1.
 *
 * <p>Each 2×2 block of output pixels (a tile) reads a 4×4 window d of the zero-padded input; with the 4×4 transform
 * V = Bᵀ·d·B of the window and U = G·g·Gᵀ of the 3×3 kernel, the block is Y = Aᵀ·(Σ_ci U ⊙ V)·A. The sum over input
 * channels is, for each of the 16 positions of the 4×4 tile, a product (tiles × cin)·(cin × cout): 16 GEMMs of
 * 16·cin·cout multiply-adds per tile, against 36·cin·cout for the direct paths (2.25× fewer). The weights are
 * transformed once, at construction. Float rounding differs from the direct paths (within 1e-4 of them).
 *
 * <p>A task takes a chunk of whole tile rows (consecutive over the batch, so it may span images; sized so that its
 * V (16 × tiles × cin) and M (16 × tiles × cout) stay within WINOGRAD_FLOATS) and a range of output channels:
 * <ol>
 * <li>each of the chunk's images (its band of padded input rows) is copied channel-last into a zero-padded scratch
 * (L×L register transposes), so that the input transform runs on vectors of input channels and writes V[position]
 * as a row-major (tiles × cinP) matrix;</li>
 * <li>per position, V[position]·U[position] → M[position] (tiles × coP) with PackedGemm, V read in place (the
 * GEMM's skinny kernels: no packing per call);</li>
 * <li>the output transform (+ bias, + residual, ReLU) on vectors of output channels writes the chunk's output pixels
 * channel-last, and the channels transposes move them into y's rows. A residual is first transposed channel-last
 * into the same block, each pixel where the transform writes it: a task reads the residual of exactly the pixels
 * and channels it writes, before it writes them, so y may be the residual itself.</li>
 * </ol>
 * Every output is summed in the same order whatever the split of tasks (chunks depend on the shape only; a range of
 * output channels is whole panels of B, computed as in the whole GEMM): the result does not depend on the thread
 * count. With the fused 2×2 max pooling the output transform pools each whole tile (one pixel written instead of
 * four).
 */
final class WinogradConv extends ConvAlgorithm {
    /** Floats a chunk's V and M may take together: 512 KB, half of a 1 MB L2. */
    private static final int WINOGRAD_FLOATS = 128 * 1024;
    /** Columns per panel of the GEMM's right operand: a range of output channels is whole panels. */
    private static final int NR = PackedGemm.panelWidth();

    /** For each position of the 4×4 transformed tile in turn, U = G·g·Gᵀ as the GEMM's right operand (cout × cin,
     * padded with zero rows to winoCols), stacked in one matrix. */
    final PackedMatrix wino;
    /** Columns of each position's operand in {@link #wino}: cout rounded up to the GEMM's panel width. */
    private final int winoCols;
    /** cin rounded up to L: the row length of the transformed input (its extra columns are zero). */
    private final int cinP;
    /** cout rounded up to L, and the bias padded to it (shared with the direct paths). */
    private final int coP;
    private final float[] biasP;

    WinogradConv(ConvGeometry g, float[] weight, float[] biasP) {
        super(g);
        if (!g.winograd3x3()) throw new IllegalArgumentException("WINOGRAD needs a 3×3 kernel, stride 1, dilation 1 and groups = 1");
        this.coP = roundUp(cout, L);
        this.biasP = biasP;
        this.cinP = roundUp(cin, L);
        this.winoCols = roundUp(cout, PackedGemm.panelWidth());
        this.wino = winogradWeights(weight);
    }

    // Per-thread scratch of the Winograd path: the channel-last band of padded input, V, M, the channel-last output
    // block, the band's input rows transposed as one run, its row table, the input planes' offsets.
    private static final Scratch WINO_BAND = new Scratch(), WINO_V = new Scratch(), WINO_M = new Scratch(),
            WINO_OUT = new Scratch(), WINO_RUN = new Scratch();
    private static final Scratch.Ints WINO_ROWS = new Scratch.Ints(), WINO_PLANES = new Scratch.Ints();

    /** Where U is built before it is packed: one array per thread, reused from layer to layer. */
    private static final dev.isthmus.engine.kernels.TransientFloats TRANSFORMED = new dev.isthmus.engine.kernels.TransientFloats();

    /** U = G·g·Gᵀ for every (co, ci), as 16 right operands (cout × cin), one per position (row-major in the 4×4),
     * stacked (winoCols rows each) and packed as one. */
    private PackedMatrix winogradWeights(float[] weight) {
        int n = 16 * winoCols * cin;
        float[] u = TRANSFORMED.get(n);
        java.util.Arrays.fill(u, 0, n, 0f); // the rows past cout stay zero
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

    /**
     * y (n, cout, oh, ow) at y[yOff …] = act(conv(x) + bias + residual), the residual (n, cout, oh, ow) at
     * res[resOff …] or none (res null; it may be y at yOff). With {@code pooled} (and no residual), y is (n, cout,
     * oh / 2, ow / 2) and holds the 2×2 max pooling of act(conv(x) + bias).
     */
    void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                 float[] res, int resOff, boolean pooled, ComputePool pool) {
        int th = (oh + 1) / 2, tw = (ow + 1) / 2, rowsAll = n * th;
        int per = Math.min(rowsAll, winogradChunkRows(tw)), chunks = (rowsAll + per - 1) / per;
        boolean parallel = ComputePool.splits(pool, (long) n * cout * oh * ow * depth);
        int panels = (cout + NR - 1) / NR, parts = 1;
        if (parallel && chunks < 2 * pool.threads()) {
            // few chunks: split the output channels too, at panels of B (the split never changes a result)
            parts = Math.min(panels, (2 * pool.threads() + chunks - 1) / chunks);
        }
        int ps = parts, tasks = chunks * parts;
        if (!parallel || tasks == 1) {
            for (int t = 0; t < tasks; t++) {
                winogradTask(t / ps, t % ps, ps, per, rowsAll, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff, pooled);
            }
        } else {
            pool.parallelFor(tasks, t -> winogradTask(t / ps, t % ps, ps, per, rowsAll, x, xOff, h, w, y, yOff, oh, ow, act, res,
                    resOff, pooled));
        }
    }

    /**
     * Tile rows [chunk·per, chunk·per + per) ∩ [0, rowsAll) of the batch (numbered across images: image b's tile row
     * ty is b·th + ty), output channels of part {@code part} of {@code parts} (whole panels of B).
     */
    private void winogradTask(int chunk, int part, int parts, int per, int rowsAll, float[] x, int xOff, int h, int w,
                              float[] y, int yOff, int oh, int ow, Activation act, float[] res, int resOff, boolean pooled) {
        int th = (oh + 1) / 2, tw = (ow + 1) / 2;
        int r0 = chunk * per, r1 = Math.min(rowsAll, r0 + per), tiles = (r1 - r0) * tw;
        int panels = (cout + NR - 1) / NR;
        int co0 = panels * part / parts * NR, co1 = Math.min(cout, panels * (part + 1) / parts * NR);
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
        // 3. Y: the output transform, + bias, + residual, activation, into y, image by image; pooled: one pixel per
        // whole tile
        boolean relu = act == Activation.RELU;
        float[] tmp = act == Activation.NONE || relu ? null : VectorMath.temp();
        int ph = oh / 2, pw = ow / 2;
        for (int r = r0, j = 0; r < r1; ) {
            int b = r / th, ty0 = r % th, ty1 = Math.min(th, ty0 + (r1 - r));
            int oy0 = 2 * ty0, oy1 = Math.min(oh, 2 * ty1);
            int pixels = pooled ? Math.max(0, Math.min(ph, ty1) - ty0) * pw : (oy1 - oy0) * ow;
            float[] out = WINO_OUT.floats(Math.max(1, pixels) * coP);
            int[] rows = WINO_ROWS.ints(Math.max(pixels, L));
            for (int q = 0; q < pixels; q++) rows[q] = q * coP;
            // a residual: the band's pixels × the task's channels, channel-last where the output transform adds it
            if (res != null) transposeIn(res, resOff + b * cout * oh * ow + oy0 * ow, oh * ow, out, rows, pixels, co0, co1);
            for (int ty = ty0; ty < ty1; ty++) {
                for (int tx = 0; tx < tw; tx++, j++) {
                    if (pooled) {
                        if (ty < ph && tx < pw) {
                            int o = ((ty - ty0) * pw + tx) * coP;
                            outputTransform(m, j * coP, mPlane, biasP, co0, co1P, relu, false, out, o, 0, 0, true, true, true);
                        }
                        continue;
                    }
                    int oy = 2 * ty, ox = 2 * tx;
                    outputTransform(m, j * coP, mPlane, biasP, co0, co1P, relu, res != null, out, ((oy - oy0) * ow + ox) * coP,
                            ow * coP, coP, oy + 1 < oh, ox + 1 < ow, false);
                }
            }
            if (pixels > 0) {
                if (tmp != null) {
                    // whole vectors per pixel (co0 and co1P are multiples of L): no scalar tails, so each value is the
                    // same whatever the split of channels
                    for (int q = 0; q < pixels; q++) VectorMath.applyInPlace(act, out, q * coP + co0, co1P - co0, tmp);
                }
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
            // row's first len pixels into place, rather than a scalar loop per channel (see bench/kernels-results.md)
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
     * only when {@code col1} (the tiles past an odd output size). With {@code res}, out already holds a residual at
     * those places, added to each pixel before its ReLU (read only where the pixel is written). With {@code pool} (a
     * whole tile, no residual), only the max of the four pixels goes to out[o + …]: bias and ReLU commute with max,
     * so it equals pooling the tile's outputs.
     */
    private static void outputTransform(float[] m, int mOff, int plane, float[] bias, int co0, int co1P, boolean relu,
                                        boolean res, float[] out, int o, int ldr, int ldp, boolean row1, boolean col1,
                                        boolean pool) {
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
            if (res) {
                y00 = y00.add(FloatVector.fromArray(F, out, o + c));
                if (col1) y01 = y01.add(FloatVector.fromArray(F, out, o + ldp + c));
            }
            if (relu) {
                y00 = FloatVector.zero(F).blend(y00, y00.compare(VectorOperators.GT, 0f));
                y01 = FloatVector.zero(F).blend(y01, y01.compare(VectorOperators.GT, 0f));
            }
            y00.intoArray(out, o + c);
            if (col1) y01.intoArray(out, o + ldp + c);
            if (row1) {
                FloatVector y10 = s10.add(s11).add(s12).add(bv), y11 = s11.sub(s12).sub(s13).add(bv);
                if (res) {
                    y10 = y10.add(FloatVector.fromArray(F, out, o + ldr + c));
                    if (col1) y11 = y11.add(FloatVector.fromArray(F, out, o + ldr + ldp + c));
                }
                if (relu) {
                    y10 = FloatVector.zero(F).blend(y10, y10.compare(VectorOperators.GT, 0f));
                    y11 = FloatVector.zero(F).blend(y11, y11.compare(VectorOperators.GT, 0f));
                }
                y10.intoArray(out, o + ldr + c);
                if (col1) y11.intoArray(out, o + ldr + ldp + c);
            }
        }
    }
}
