package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.kernels.vector.Check;
import dev.isthmus.engine.kernels.vector.Species;
import dev.isthmus.engine.kernels.vector.ThreePools;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convolutions (channels, pixels, im2col GEMM and depthwise paths) against the reference: strides, padding, dilation,
 * groups, batch 1 and 3. Every ungrouped shape also runs on each of the channels, pixels and GEMM paths, whichever the
 * class picks for it.
 */
class Conv2dKernelTest extends ThreePools {
    /** n, cin, cout, h, w, kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, dh, dw, groups */
    private static final int[][] CASES = {
            {3, 1, 32, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // seed CNN conv1 (K = 9)
            {3, 32, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // seed CNN conv2
            {1, 3, 5, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},    // stride 2, odd sizes
            {2, 3, 4, 13, 11, 3, 3, 1, 1, 0, 0, 0, 0, 2, 2, 1},    // dilation 2, no padding
            {3, 4, 6, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},    // groups 2
            {1, 6, 6, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6},    // depthwise
            {2, 4, 8, 13, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},    // depthwise, multiplier 2, stride 2
            {2, 3, 5, 13, 11, 4, 4, 1, 1, 1, 2, 1, 2, 1, 1, 1},    // 'same' with even kernel: asymmetric padding
            {2, 3, 5, 13, 11, 4, 3, 1, 1, 4, 5, 2, 2, 3, 2, 1},    // 'same', dilation (3, 2)
            {3, 3, 7, 13, 11, 3, 5, 2, 1, 1, 1, 2, 2, 1, 2, 1},    // pairs: kernel (3,5), stride (2,1), pad (1,2), dil (1,2)
            {1, 5, 7, 7, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // pointwise
            {3, 17, 13, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    // pointwise, fewer pixels than a vector
            {1, 2, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      // 1×1 image
            {1, 2, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // image smaller than the kernel + padding
            {2, 24, 36, 9, 31, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},   // groups 3, wide rows
            {1, 8, 8, 37, 41, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 8},    // depthwise 5×5, prime sizes
            {1, 8, 8, 37, 41, 3, 3, 3, 2, 1, 1, 0, 0, 1, 1, 8},    // depthwise, strides (3, 2)
            {2, 64, 70, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  // K = 576 > one depth block of the narrow tile
            {1, 3, 16, 40, 40, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   // 7×7 stem, stride 2
            // awkward shapes for the channels and pixels paths: cout not a multiple of any L, cin 1 and prime, pixel
            // counts that are no multiple of a tile or a block, 1×1 outputs, kernels 1×1, 3×1 and 5×5
            {3, 1, 5, 9, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // cout 5, cin 1, 63 pixels
            {1, 3, 17, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // cout 17, cin 3
            {3, 7, 33, 10, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},    // cout 33, cin 7, stride 2
            {1, 7, 33, 9, 11, 3, 3, 1, 1, 0, 0, 0, 0, 2, 2, 1},    // dilation 2, no padding
            {3, 3, 17, 12, 10, 3, 1, 1, 1, 2, 0, 0, 1, 1, 1, 1},   // 3×1 kernel, asymmetric padding
            {1, 5, 33, 9, 9, 5, 5, 2, 1, 2, 1, 1, 2, 1, 1, 1},     // 5×5, strides (2, 1), asymmetric padding
            {3, 7, 17, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},     // 1×1 output
            {1, 3, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     // 1×1 image, 1×1 kernel
            {3, 7, 48, 13, 13, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   // pointwise, 169 pixels, three vectors at L = 16
            {1, 3, 80, 23, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // 437 pixels (several blocks), five vectors at L = 16
            {1, 2, 20, 7, 7, 3, 3, 1, 1, 4, 4, 4, 4, 2, 2, 1},     // padding wider than the dilated kernel's reach
            {2, 5, 19, 17, 23, 3, 5, 3, 2, 2, 1, 3, 0, 2, 3, 1},   // strides (3, 2), dilation (2, 3), asymmetric padding
            {1, 3, 20, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   // output planes of 4 KB
            // 1×1 with a stride and no padding: subsampled first (odd sizes, strides (2, 3), rows of several vectors);
            // with padding it is not
            {2, 7, 20, 13, 11, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},
            {1, 5, 17, 14, 13, 1, 1, 2, 3, 0, 0, 0, 0, 1, 1, 1},
            {1, 4, 40, 9, 71, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},
            {1, 5, 17, 9, 8, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1},
            // deeper than one depth block of the channels tiles at every L (5400 taps), cout 70: blocks of 4 and 1 vectors
            {1, 600, 70, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    };

    @Test
    void aPathPickedPerCallIsPackedWhenACallFirstTakesItFromTheWeightsAskedForAgain() {
        // 3×3 32→32: Winograd on a 10×10 output (≥ 64 pixels), the direct path on 7×7; each packed on first use only
        SplittableRandom r = new SplittableRandom(3);
        int c = 32;
        float[] w = Check.random(r, c * c * 9, 0.1), b = Check.random(r, c, 1);
        int[] asked = {0};
        Conv2dKernel lazy = new Conv2dKernel(() -> {
            asked[0]++;
            return w.clone();
        }, b, c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, null);
        assertEquals(0, asked[0], "nothing is packed before a call");
        assertEquals(4L * ((c + Species.L - 1) / Species.L * Species.L), lazy.footprint(), "only the padded bias");
        Conv2dKernel eager = new Conv2dKernel(w, b, c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        for (int side : new int[]{10, 7, 10, 7}) {
            float[] x = Check.random(r, c * side * side, 1), y1 = new float[c * side * side], y2 = new float[y1.length];
            lazy.forward(x, 1, side, side, y1, side, side, Activation.RELU, ComputePool.single());
            eager.forward(x, 1, side, side, y2, side, side, Activation.RELU, ComputePool.single());
            assertArrayEquals(y2, y1, "same path, same packed weights: bitwise the same at " + side);
        }
        assertEquals(2, asked[0], "the weights were read once per form: Winograd, then direct");
    }

    @Test
    void aDepthwiseLayerCountsTheWeightsItHolds() {
        // the depthwise form keeps the weights it was given (it reads them in place): they are part of what the layer
        // holds, as memory reports show it
        int c = 3 * Species.L + 1;
        float[] w = new float[c * 9];
        Conv2dKernel dw = new Conv2dKernel(() -> w, null, c, c, 3, 3, 1, 1, 1, 1, 1, 1, c, null);
        assertEquals(Conv2dKernel.Path.DEPTHWISE, dw.path(10, 10, 10));
        assertTrue(dw.footprint() >= 4L * w.length, dw.footprint() + " bytes for " + w.length + " weights");
    }

    @Test
    void matchesTheReference() {
        SplittableRandom r = new SplittableRandom(3);
        for (int[] c : CASES) {
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU}) {
                for (boolean hasBias : new boolean[]{true, false}) run(c, act, hasBias, r, pool2, true, null);
            }
        }
    }

    private static final Conv2dKernel.Path[] UNGROUPED = {Conv2dKernel.Path.CHANNELS, Conv2dKernel.Path.PIXELS, Conv2dKernel.Path.GEMM};

    @Test
    void everyPathMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] c : CASES) {
            if (c[15] != 1) continue;
            for (Conv2dKernel.Path path : UNGROUPED) {
                for (Activation act : new Activation[]{Activation.RELU, Activation.GELU, Activation.SIGMOID}) {
                    run(c, act, true, r, pool2, true, path);
                }
                run(c, Activation.NONE, false, r, pool1, true, path);
            }
        }
    }

    /**
     * The depthwise path on what MobileNet and EfficientNet run and around it: 3×3, 5×5 and 7×7 kernels, strides 1,
     * 2 and 3 (and mixed), every padding up to the kernel's half and asymmetric, dilation 2, channel multipliers 1–3,
     * odd and prime sizes, tiny images (1×1 to 3×3) and rows wider than two vectors at every L (the stride-2 split
     * by vector pairs and its scalar tail), channel counts below L and not a multiple of it (the channel-last
     * variant's overlapping last block), with every activation the models use.
     */
    @Test
    void depthwiseMatchesTheReferenceOnEveryStridePaddingAndSize() {
        SplittableRandom r = new SplittableRandom(17);
        // 27×29: channel-last with a stride, planar without, at L = 16
        int[][] sizes = {{1, 1}, {2, 3}, {3, 3}, {5, 4}, {7, 7}, {13, 11}, {14, 14}, {27, 29}, {19, 71}, {9, 112}};
        Activation[] acts = {Activation.NONE, Activation.RELU, Activation.RELU6, Activation.SILU, Activation.HARDSWISH};
        int i = 0;
        for (int[] hw : sizes) {
            for (int k : new int[]{3, 5, 7}) {
                for (int s : new int[]{1, 2, 3}) {
                    for (int pad = 0; pad <= k / 2; pad++) {
                        // 3 and 6 channels: the planar variant; 17 and 35 (a last block that overlaps at every L):
                        // the channel-last one on small images; a multiplier: planar
                        int mult = i % 3 == 2 ? 2 + i % 2 : 1, ch = new int[]{3, 17, 35, 6}[i % 4], dil = i % 7 == 3 ? 2 : 1;
                        int padEnd = i % 5 == 4 ? Math.max(0, pad - 1) : pad; // now and then asymmetric
                        int[] c = {1 + i % 2, ch, ch * mult, hw[0], hw[1], k, k, s, s == 3 ? 2 : s, pad, padEnd, pad, padEnd, dil, dil, ch};
                        i++;
                        if (Conv2d.outSize(hw[0], k, s, pad, padEnd, dil) < 1 || Conv2d.outSize(hw[1], k, c[8], pad, padEnd, dil) < 1) continue;
                        run(c, acts[i % acts.length], i % 4 != 0, r, i % 2 == 0 ? pool1 : pool2, true, null);
                    }
                }
            }
        }
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        int[][] shapes = {CASES[1], CASES[6], CASES[17], {1, 3, 80, 23, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
        for (int[] c : shapes) {
            for (Conv2dKernel.Path path : c[15] == 1 ? UNGROUPED : new Conv2dKernel.Path[]{null}) {
                float[] y1 = run(c, Activation.NONE, true, new SplittableRandom(9), pool1, false, path);
                float[] y2 = run(c, Activation.NONE, true, new SplittableRandom(9), pool2, false, path);
                float[] y3 = run(c, Activation.NONE, true, new SplittableRandom(9), pool3, false, path);
                Check.bitwise(y1, y2, "conv 2 threads " + path);
                Check.bitwise(y1, y3, "conv 3 threads " + path);
            }
        }
    }

    @Test
    void picksTheDirectKernelForDepthwiseOnly() {
        assertTrue(new Conv2dKernel(new float[8 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8).direct());
        assertFalse(new Conv2dKernel(new float[32 * 9], null, 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1).direct());
        assertFalse(new Conv2dKernel(new float[8 * 2 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4).direct());
    }

    @Test
    void picksThePathPerLayer() {
        assertEquals(Conv2dKernel.Path.DEPTHWISE, new Conv2dKernel(new float[8 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8).path(12, 12, 12));
        assertEquals(Conv2dKernel.Path.GEMM, new Conv2dKernel(new float[8 * 2 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4).path(12, 12, 12));
        // deep ungrouped convolutions stay on the direct paths (the channels tiles split the depth into blocks)
        Conv2dKernel.Path deep = new Conv2dKernel(new float[16 * 512 * 9], null, 512, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1).path(7, 7, 7);
        assertTrue(deep == Conv2dKernel.Path.CHANNELS || deep == Conv2dKernel.Path.PIXELS, deep.toString());
        // pointwise layers: contractions and expansions on large images on the GEMM, expansions on small images on a
        // direct path; 1×1 stride 2 is subsampled, so its path is that of the 7×7 stride-1 convolution
        assertEquals(Conv2dKernel.Path.GEMM, new Conv2dKernel(new float[256 * 1024], null, 1024, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1).path(14, 14, 14));
        assertEquals(Conv2dKernel.Path.GEMM, new Conv2dKernel(new float[64 * 256], null, 256, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1).path(56, 56, 56));
        assertEquals(Conv2dKernel.Path.GEMM, new Conv2dKernel(new float[256 * 64], null, 64, 256, 1, 1, 1, 1, 0, 0, 1, 1, 1).path(56, 56, 56));
        assertEquals(Conv2dKernel.Path.GEMM, new Conv2dKernel(new float[512 * 256], null, 256, 512, 1, 1, 2, 2, 0, 0, 1, 1, 1).path(56, 28, 28));
        Conv2dKernel.Path expand = new Conv2dKernel(new float[2048 * 1024], null, 1024, 2048, 1, 1, 2, 2, 0, 0, 1, 1, 1).path(14, 7, 7);
        assertTrue(expand == Conv2dKernel.Path.CHANNELS || expand == Conv2dKernel.Path.PIXELS, expand.toString());
        Conv2dKernel.Path six = new Conv2dKernel(new float[384 * 64], null, 64, 384, 1, 1, 1, 1, 0, 0, 1, 1, 1).path(14, 14, 14);
        assertTrue(six == Conv2dKernel.Path.CHANNELS || six == Conv2dKernel.Path.PIXELS, six.toString());
        // a 1×1 convolution with padding is not pointwise
        assertTrue(new Conv2dKernel(new float[64 * 256], null, 256, 64, 1, 1, 1, 1, 1, 1, 1, 1, 1).path(56, 58, 58) != Conv2dKernel.Path.GEMM);
        // the seed CNN's convolutions: shallow conv1 skips the transposes, conv2 wastes fewer pixels on channels
        Conv2dKernel conv1 = new Conv2dKernel(new float[32 * 9], null, 1, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Conv2dKernel conv2 = new Conv2dKernel(new float[64 * 32 * 9], null, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        if (Species.L == 16 && Species.WIDE_REGISTERS) assertEquals(Conv2dKernel.Path.PIXELS, conv1.path(28, 28, 28));
        // conv2 (3×3, stride 1, 32→64) takes Winograd; conv1 (cin = 1) never does, nor outputs under 4×4
        assertEquals(Conv2dKernel.Path.WINOGRAD, conv2.path(14, 14, 14));
        assertTrue(conv1.path(28, 28, 28) != Conv2dKernel.Path.WINOGRAD);
        assertTrue(conv2.path(3, 3, 3) != Conv2dKernel.Path.WINOGRAD);
        assertTrue(new Conv2dKernel(new float[64 * 32 * 9], null, 32, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1).path(14, 7, 7) != Conv2dKernel.Path.WINOGRAD);
        assertTrue(new Conv2dKernel(new float[64 * 8 * 9], null, 8, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1).path(14, 14, 14) != Conv2dKernel.Path.WINOGRAD);
        // 16 channels: measured slower on Winograd; deep 3×3 kernels (256 × 9 taps) take it
        assertTrue(new Conv2dKernel(new float[16 * 16 * 9], null, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1).path(28, 28, 28) != Conv2dKernel.Path.WINOGRAD);
        Conv2dKernel deep3x3 = new Conv2dKernel(new float[256 * 256 * 9], null, 256, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(Conv2dKernel.Path.WINOGRAD, deep3x3.path(14, 14, 14));
        // one 7×7 image is too few pixels to stream the transformed weights for; eight are not
        assertTrue(deep3x3.path(7, 7, 7) != Conv2dKernel.Path.WINOGRAD);
        assertEquals(Conv2dKernel.Path.WINOGRAD, deep3x3.path(8, 7, 7, 7));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2dKernel(new float[8 * 8 * 9], null, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, Conv2dKernel.Path.WINOGRAD));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2dKernel(new float[8 * 8 * 25], null, 8, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1, Conv2dKernel.Path.WINOGRAD));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2dKernel(new float[8 * 8 * 9], null, 8, 8, 3, 3, 1, 1, 2, 2, 2, 2, 1, Conv2dKernel.Path.WINOGRAD));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2dKernel(new float[8 * 2 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, Conv2dKernel.Path.CHANNELS));
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2dKernel(new float[8 * 8 * 9], null, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, Conv2dKernel.Path.DEPTHWISE));
    }

    /** The channels and pixels paths sum every output in the same order: they agree bitwise. */
    @Test
    void channelsAndPixelsAgreeBitwise() {
        for (int[] c : CASES) {
            // deeper than a depth block, the channels path adds its blocks' partial sums (another order)
            if (c[15] != 1 || c[1] * c[5] * c[6] > DirectConv.depthBlock(DirectConv.VMAX)) continue;
            float[] channels = run(c, Activation.RELU, true, new SplittableRandom(13), pool1, false, Conv2dKernel.Path.CHANNELS);
            float[] pixels = run(c, Activation.RELU, true, new SplittableRandom(13), pool1, false, Conv2dKernel.Path.PIXELS);
            Check.bitwise(channels, pixels, "channels vs pixels " + java.util.Arrays.toString(c));
        }
    }

    private static final Activation[] ACTIVATIONS = {Activation.NONE, Activation.RELU, Activation.GELU, Activation.SIGMOID};
    private static final int[] WINO_SIDES = {1, 2, 3, 5, 7, 14, 17};
    private static final int[] WINO_CHANNELS = {1, 3, 7, 17, 32, 64};

    /** A 3×3, stride 1 shape: n, cin, cout, h, w and the same padding on every side. */
    private static int[] winogradCase(int n, int cin, int cout, int h, int w, int pad) {
        return new int[]{n, cin, cout, h, w, 3, 3, 1, 1, pad, pad, pad, pad, 1, 1, 1};
    }

    /** One Winograd case: its shape, activation, whether it has a bias, and the pool it runs on. */
    private interface SideCase {
        void run(int[] shape, Activation act, boolean hasBias, ComputePool pool);
    }

    /**
     * Every pair of WINO_SIDES × padding 0 and 1 whose padded input is at least {@code minPadded} on each side, with
     * channel counts, batch (1 or 3), activation, bias and pool (2 or 3 threads) varying from case to case.
     */
    private void forEachWinogradSide(int minPadded, SideCase test) {
        int k = 0;
        for (int h : WINO_SIDES) {
            for (int w : WINO_SIDES) {
                for (int pad = 0; pad <= 1; pad++) {
                    if (h + 2 * pad < minPadded || w + 2 * pad < minPadded) continue;
                    int cin = WINO_CHANNELS[k % WINO_CHANNELS.length], cout = WINO_CHANNELS[(k / 2 + 3) % WINO_CHANNELS.length];
                    test.run(winogradCase(k % 3 == 0 ? 3 : 1, cin, cout, h, w, pad), ACTIVATIONS[k % ACTIVATIONS.length],
                            k % 4 != 3, k % 2 == 0 ? pool2 : pool3);
                    k++;
                }
            }
        }
    }

    @Test
    void winogradMatchesTheReferenceOnEverySide() {
        SplittableRandom r = new SplittableRandom(17);
        // padded sides of 3 and more: at least one output pixel
        forEachWinogradSide(3, (c, act, bias, pool) -> run(c, act, bias, r, pool, true, Conv2dKernel.Path.WINOGRAD));
    }

    @Test
    void winogradMatchesTheReferenceForEveryChannelCount() {
        SplittableRandom r = new SplittableRandom(19);
        for (int cin : WINO_CHANNELS) {
            for (int cout : WINO_CHANNELS) {
                for (Activation act : ACTIVATIONS) {
                    run(winogradCase(3, cin, cout, 7, 5, 1), act, act != Activation.GELU, r, pool2, true, Conv2dKernel.Path.WINOGRAD);
                }
                run(winogradCase(1, cin, cout, 14, 17, 0), Activation.RELU, true, r, pool1, true, Conv2dKernel.Path.WINOGRAD);
            }
        }
    }

    /** Shapes for the Winograd path that span several chunks (images of several chunks, chunks of several images),
     * split output channels, or run deeper than one depth block of the GEMM. */
    private static final int[][] WINO_BIG = {
            winogradCase(1, 32, 64, 14, 14, 1),   // seed CNN conv2
            winogradCase(3, 32, 64, 14, 14, 1),
            winogradCase(2, 17, 70, 33, 31, 1),   // several chunks per image, cout not a multiple of any panel
            winogradCase(5, 64, 17, 7, 7, 0),     // several images per chunk
            winogradCase(1, 1100, 40, 9, 11, 1),  // depth above one depth block of the GEMM (KC = 1024 or 256)
            winogradCase(2, 16, 16, 40, 40, 1),   // chunks of more rows (tiles) than one block of the GEMM (MC)
    };

    @Test
    void winogradMatchesTheReferenceOnLargerShapes() {
        SplittableRandom r = new SplittableRandom(23);
        for (int[] c : WINO_BIG) {
            for (Activation act : ACTIVATIONS) run(c, act, true, r, pool2, true, Conv2dKernel.Path.WINOGRAD);
        }
    }

    @Test
    void winogradBitwiseIdenticalForEveryThreadCount() {
        for (int[] c : WINO_BIG) {
            for (Activation act : new Activation[]{Activation.NONE, Activation.GELU}) {
                float[] y1 = run(c, act, true, new SplittableRandom(29), pool1, false, Conv2dKernel.Path.WINOGRAD);
                float[] y2 = run(c, act, true, new SplittableRandom(29), pool2, false, Conv2dKernel.Path.WINOGRAD);
                float[] y3 = run(c, act, true, new SplittableRandom(29), pool3, false, Conv2dKernel.Path.WINOGRAD);
                Check.bitwise(y1, y2, "winograd 2 threads " + java.util.Arrays.toString(c) + " " + act);
                Check.bitwise(y1, y3, "winograd 3 threads " + java.util.Arrays.toString(c) + " " + act);
            }
        }
    }

    @Test
    void winogradAgreesWithChannels() {
        int[][] shapes = {WINO_BIG[0], WINO_BIG[1], WINO_BIG[2], WINO_BIG[3], winogradCase(3, 7, 17, 5, 17, 0), winogradCase(1, 3, 1, 2, 3, 1)};
        for (int[] c : shapes) {
            for (Activation act : new Activation[]{Activation.NONE, Activation.RELU}) {
                float[] channels = run(c, act, true, new SplittableRandom(31), pool2, false, Conv2dKernel.Path.CHANNELS);
                float[] wino = run(c, act, true, new SplittableRandom(31), pool2, false, Conv2dKernel.Path.WINOGRAD);
                Check.close(channels, wino, "winograd vs channels " + java.util.Arrays.toString(c) + " " + act);
            }
        }
    }

    @Test
    void maxPoolFusedMatchesConvThenPoolOnEveryPath() {
        SplittableRandom r = new SplittableRandom(37);
        int k = 0;
        for (int[] c : CASES) {
            // null: the class's pick (pooling on the channels path where it would take a direct one)
            Conv2dKernel.Path[] paths = c[15] != 1 ? new Conv2dKernel.Path[]{null}
                    : new Conv2dKernel.Path[]{null, Conv2dKernel.Path.CHANNELS, Conv2dKernel.Path.PIXELS, Conv2dKernel.Path.GEMM};
            for (Conv2dKernel.Path path : paths) {
                Activation act = ACTIVATIONS[k % ACTIVATIONS.length];
                runPooled(c, act, k % 3 != 2, r, k % 2 == 0 ? pool2 : pool1, true, path);
                // ReLU on every shape: its pooling compares and blends (no NaN or −0 after a ReLU)
                if (act != Activation.RELU) runPooled(c, Activation.RELU, true, r, pool3, true, path);
                k++;
            }
        }
    }

    @Test
    void maxPoolFusedOnTheChannelsPathInSeveralGroupsOfRowPairs() {
        // 64 channels × 20 pooled pixels a row: 12 row pairs fill a group (64 KB), so an image's 20 pairs (its 41st
        // row dropped) take two groups on one thread, and tasks of other sizes on 2 and 3. With 2 vectors of channels
        // (24 at 512 bits, 8 at 128) the tiles pool themselves, 3 windows each: a row's 20 = 6·3 + 2 leaves the last
        // tile a window past the output
        SplittableRandom r = new SplittableRandom(47);
        for (int cout : new int[]{64, 24, 8}) {
            int[] c = {2, 3, cout, 41, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
            for (Activation act : new Activation[]{Activation.RELU, Activation.GELU}) {
                for (ComputePool pool : new ComputePool[]{pool1, pool2, pool3}) {
                    runPooled(c, act, true, r, pool, true, Conv2dKernel.Path.CHANNELS);
                    runPooled(c, act, true, r, pool, true, null);
                }
            }
        }
    }

    @Test
    void maxPoolFusedIntoWinogradOnEverySide() {
        SplittableRandom r = new SplittableRandom(41);
        // padded sides of 4 and more: at least one 2×2 window of output
        forEachWinogradSide(4, (c, act, bias, pool) -> runPooled(c, act, bias, r, pool, true, Conv2dKernel.Path.WINOGRAD));
        for (int[] c : WINO_BIG) {
            for (Activation act : ACTIVATIONS) runPooled(c, act, true, r, pool2, true, Conv2dKernel.Path.WINOGRAD);
        }
    }

    @Test
    void maxPoolFusedBitwiseIdenticalForEveryThreadCount() {
        int[][] shapes = {CASES[0], CASES[1], CASES[6], CASES[17], CASES[28], WINO_BIG[2], WINO_BIG[3]};
        for (int[] c : shapes) {
            Conv2dKernel.Path[] paths = c[15] != 1 ? new Conv2dKernel.Path[]{null}
                    : new Conv2dKernel.Path[]{null, Conv2dKernel.Path.CHANNELS, Conv2dKernel.Path.PIXELS};
            for (Conv2dKernel.Path path : paths) {
                for (Activation act : new Activation[]{Activation.RELU, Activation.GELU}) {
                    float[] y1 = runPooled(c, act, true, new SplittableRandom(43), pool1, false, path);
                    float[] y2 = runPooled(c, act, true, new SplittableRandom(43), pool2, false, path);
                    float[] y3 = runPooled(c, act, true, new SplittableRandom(43), pool3, false, path);
                    Check.bitwise(y1, y2, "pooled conv 2 threads " + java.util.Arrays.toString(c) + " " + path + " " + act);
                    Check.bitwise(y1, y3, "pooled conv 3 threads " + java.util.Arrays.toString(c) + " " + path + " " + act);
                }
            }
        }
    }

    /**
     * The convolution with a fused MaxPool2d(2) against the reference convolution, then the reference max pooling,
     * then the activation (the kernel's contract: act(max over 2×2 windows), which for ReLU is also max(ReLU)).
     * Shapes with an output below 2×2 are skipped.
     */
    private static float[] runPooled(int[] c, Activation act, boolean hasBias, SplittableRandom r, ComputePool pool,
                                     boolean compare, Conv2dKernel.Path path) {
        int n = c[0], cin = c[1], cout = c[2], h = c[3], w = c[4], kh = c[5], kw = c[6], sh = c[7], sw = c[8];
        int pt = c[9], pb = c[10], pl = c[11], pr = c[12], dh = c[13], dw = c[14], groups = c[15];
        int oh = Conv2d.outSize(h, kh, sh, pt, pb, dh), ow = Conv2d.outSize(w, kw, sw, pl, pr, dw);
        if (oh < 2 || ow < 2) return new float[0];
        float[] x = Check.random(r, n * cin * h * w, 1);
        float[] wt = Check.random(r, cout * (cin / groups) * kh * kw, 0.5);
        float[] bias = hasBias ? Check.random(r, cout, 1) : null;
        float[] expected = new float[n * cout * (oh / 2) * (ow / 2)];
        if (compare) {
            float[] conv = new float[n * cout * oh * ow];
            Conv2d.forward(x, n, cin, h, w, wt, bias, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, conv, oh, ow, Activation.NONE);
            Pool2d.max(conv, n * cout, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, expected, oh / 2, ow / 2);
            for (int i = 0; i < expected.length; i++) expected[i] = act.apply(expected[i]);
        }
        // y larger than needed, with a sentinel past the result: nothing may be written there
        float[] y = new float[expected.length + 2 * Species.L];
        java.util.Arrays.fill(y, 12345f);
        new Conv2dKernel(wt, bias, cin, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, path)
                .forward(x, 0, n, h, w, y, 0, oh, ow, act, true, pool);
        for (int i = expected.length; i < y.length; i++) assertEquals(12345f, y[i], "written past the pooled output at " + i);
        float[] got = java.util.Arrays.copyOf(y, expected.length);
        if (compare) Check.close(expected, got, "pooled conv " + java.util.Arrays.toString(c) + " " + act + (hasBias ? " bias" : "") + " " + path);
        return got;
    }

    private static float[] run(int[] c, Activation act, boolean hasBias, SplittableRandom r, ComputePool pool, boolean compare,
                               Conv2dKernel.Path path) {
        int n = c[0], cin = c[1], cout = c[2], h = c[3], w = c[4], kh = c[5], kw = c[6], sh = c[7], sw = c[8];
        int pt = c[9], pb = c[10], pl = c[11], pr = c[12], dh = c[13], dw = c[14], groups = c[15];
        int oh = Conv2d.outSize(h, kh, sh, pt, pb, dh), ow = Conv2d.outSize(w, kw, sw, pl, pr, dw);
        float[] x = Check.random(r, n * cin * h * w, 1);
        float[] wt = Check.random(r, cout * (cin / groups) * kh * kw, 0.5);
        float[] bias = hasBias ? Check.random(r, cout, 1) : null;
        float[] expected = new float[n * cout * oh * ow];
        if (compare) Conv2d.forward(x, n, cin, h, w, wt, bias, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, expected, oh, ow, act);
        float[] y = new float[expected.length];
        new Conv2dKernel(wt, bias, cin, cout, kh, kw, sh, sw, pt, pl, dh, dw, groups, path).forward(x, n, h, w, y, oh, ow, act, pool);
        if (compare) Check.close(expected, y, "conv " + java.util.Arrays.toString(c) + " " + act + (hasBias ? " bias" : "") + " " + path);
        return y;
    }
}
