package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.reference.Attention;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocked attention with online softmax against the reference (full score rows): masks, causal, odd sizes. */
class AttentionKernelTest extends ThreePools {
    @Test
    void oneHeadMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(1);
        for (int[] c : new int[][]{{1, 1, 1}, {1, 7, 5}, {7, 1, 5}, {13, 13, 8}, {40, 33, 16}, {5, 300, 64}, {130, 129, 64},
                {17, 257, 3}, {64, 64, 100}}) {
            int sq = c[0], sk = c[1], hd = c[2];
            int qs = hd + 3, ks = hd + 5, vs = hd + 1, os = hd + 2; // strides wider than the head
            float[] q = Check.random(r, sq * qs, 2), k = Check.random(r, sk * ks, 2), v = Check.random(r, sk * vs, 2);
            float[] bias = Check.random(r, sk + 3, 1);
            for (boolean withBias : new boolean[]{false, true}) {
                float[] e = new float[sq * os], y = new float[sq * os];
                double scale = 1 / Math.sqrt(hd);
                Attention.forward(q, 0, qs, k, 0, ks, v, 0, vs, e, 0, os, sq, sk, hd, scale, withBias ? bias : null, 3);
                AttentionKernel.attend(q, 0, qs, k, 0, ks, v, 0, vs, y, 0, os, sq, sk, hd, scale, withBias ? bias : null, 3, false);
                Check.close(e, y, "attention sq=" + sq + " sk=" + sk + " hd=" + hd + (withBias ? " bias" : ""));
            }
        }
    }

    @Test
    void causalSeesOnlyEarlierKeys() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] c : new int[][]{{1, 4}, {9, 8}, {50, 16}, {200, 64}}) {
            int s = c[0], hd = c[1];
            float[] q = Check.random(r, s * hd, 2), k = Check.random(r, s * hd, 2), v = Check.random(r, s * hd, 2);
            float[] e = new float[s * hd], y = new float[s * hd];
            double scale = 1 / Math.sqrt(hd);
            for (int i = 0; i < s; i++) { // the reference on the prefix of keys 0..i
                Attention.forward(q, i * hd, hd, k, 0, hd, v, 0, hd, e, i * hd, hd, 1, i + 1, hd, scale, null, 0);
            }
            AttentionKernel.attend(q, 0, hd, k, 0, hd, v, 0, hd, y, 0, hd, s, s, hd, scale, null, 0, true);
            Check.close(e, y, "causal s=" + s + " hd=" + hd);
        }
    }

    @Test
    void paddedKeysAreDroppedAndAllPaddedRowsAreNaN() {
        SplittableRandom r = new SplittableRandom(3);
        int s = 70, hd = 16;
        float[] q = Check.random(r, s * hd, 2), k = Check.random(r, s * hd, 2), v = Check.random(r, s * hd, 2);
        float[] bias = new float[s];
        for (int j = 0; j < s; j++) bias[j] = j < 20 || j > 60 ? Float.NEGATIVE_INFINITY : 0f; // whole first tile padded
        float[] e = new float[s * hd], y = new float[s * hd];
        Attention.forward(q, 0, hd, k, 0, hd, v, 0, hd, e, 0, hd, s, s, hd, 0.25, bias, 0);
        AttentionKernel.attend(q, 0, hd, k, 0, hd, v, 0, hd, y, 0, hd, s, s, hd, 0.25, bias, 0, false);
        Check.close(e, y, "padding mask");
        java.util.Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        AttentionKernel.attend(q, 0, hd, k, 0, hd, v, 0, hd, y, 0, hd, s, s, hd, 0.25, bias, 0, false);
        for (float f : y) assertTrue(Float.isNaN(f), "all keys padded gives NaN, as the reference and PyTorch");
    }

    @Test
    void multiHeadOnPackedProjections() {
        SplittableRandom r = new SplittableRandom(4);
        for (int[] c : new int[][]{{1, 1, 12, 3}, {3, 17, 24, 4}, {2, 128, 96, 12}, {1, 33, 15, 5}}) {
            int batch = c[0], seq = c[1], d = c[2], heads = c[3], hd = d / heads;
            float[] qkv = Check.random(r, batch * seq * 3 * d, 2), bias = Check.random(r, batch * seq, 1);
            bias[0] = Float.NEGATIVE_INFINITY;
            float[] e = new float[batch * seq * d];
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < heads; h++) {
                    int base = b * seq * 3 * d + h * hd;
                    Attention.forward(qkv, base, 3 * d, qkv, base + d, 3 * d, qkv, base + 2 * d, 3 * d, e, b * seq * d + h * hd, d,
                            seq, seq, hd, 1 / Math.sqrt(hd), bias, b * seq);
                }
            }
            float[] y1 = new float[e.length], y2 = new float[e.length], y3 = new float[e.length];
            AttentionKernel.selfAttention(qkv, batch, seq, d, heads, bias, false, y1, pool1);
            AttentionKernel.selfAttention(qkv, batch, seq, d, heads, bias, false, y2, pool2);
            AttentionKernel.selfAttention(qkv, batch, seq, d, heads, bias, false, y3, pool3);
            Check.close(e, y1, "self-attention " + java.util.Arrays.toString(c));
            Check.bitwise(y1, y2, "self-attention 2 threads");
            Check.bitwise(y1, y3, "self-attention 3 threads");
        }
    }
}
