package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.reference.Gru;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

/** The fused GRU layer against the reference: sizes below and above a vector, batch 1/3/5, sequence 1, both directions. */
class GruKernelTest extends ThreePools {
    /** Runs kernel and reference; returns the kernel's outputs followed by its final states. */
    private static float[] run(int in, int hidden, int dirs, int steps, int batch, boolean bias, boolean h0, long seed,
                               ComputePool pool, boolean compare) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] wih = new float[dirs][], whh = new float[dirs][], bih = new float[dirs][], bhh = new float[dirs][];
        for (int d = 0; d < dirs; d++) {
            wih[d] = Check.random(r, 3 * hidden * in, 0.5);
            whh[d] = Check.random(r, 3 * hidden * hidden, 0.5);
            bih[d] = bias ? Check.random(r, 3 * hidden, 0.5) : null;
            bhh[d] = bias ? Check.random(r, 3 * hidden, 0.5) : null;
        }
        float[] x = Check.random(r, steps * batch * in, 1.5);
        float[] state = h0 ? Check.random(r, dirs * batch * hidden, 1) : new float[dirs * batch * hidden];
        float[] out = new float[steps * batch * dirs * hidden];
        float[] h = state.clone();
        new GruKernel(in, hidden, dirs, wih, whh, bih, bhh).forward(x, steps, batch, h, 0, out, pool);
        if (compare) {
            float[] eOut = new float[out.length];
            float[] eh = state.clone();
            for (int d = 0; d < dirs; d++) {
                float[] hd = java.util.Arrays.copyOfRange(eh, d * batch * hidden, (d + 1) * batch * hidden);
                Gru.layer(x, steps, batch, in, wih[d], whh[d], bih[d], bhh[d], hidden, d == 1, hd, eOut, dirs * hidden, d * hidden);
                System.arraycopy(hd, 0, eh, d * batch * hidden, hd.length);
            }
            String what = "gru in=" + in + " H=" + hidden + " dirs=" + dirs + " steps=" + steps + " batch=" + batch + (bias ? " bias" : "") + (h0 ? " h0" : "");
            Check.close(eOut, out, what + " output");
            Check.close(eh, h, what + " h_n");
        }
        float[] all = new float[out.length + h.length];
        System.arraycopy(out, 0, all, 0, out.length);
        System.arraycopy(h, 0, all, out.length, h.length);
        return all;
    }

    @Test
    void matchesTheReference() {
        long seed = 1;
        for (int hidden : new int[]{1, 3, 16, 17, 33, 100}) {
            for (int batch : new int[]{1, 3, 5}) {
                for (int dirs = 1; dirs <= 2; dirs++) {
                    run(7, hidden, dirs, 6, batch, seed % 2 == 0, seed % 3 == 0, seed++, pool2, true);
                }
            }
        }
        run(1, 8, 2, 1, 1, true, true, seed++, pool1, true);          // sequence 1, input size 1
        run(100, 256, 1, 5, 4, true, false, seed++, pool2, true);     // seed GRU layer 0 sizes
        run(100, 256, 1, 5, 1, true, true, seed++, pool2, true);      // batch 1: one row over four blocks at a time
        run(37, 520, 1, 3, 2, true, true, seed++, pool3, true);       // batch 2 split over threads, blocks not a multiple of 4
        run(512, 256, 2, 3, 9, true, true, seed, pool3, true);        // bidirectional layer 1 input, big enough to split steps
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        for (int[] c : new int[][]{{100, 256, 1, 4, 8}, {64, 96, 2, 5, 3}, {30, 40, 2, 3, 33}, {20, 600, 1, 3, 1}}) {
            float[] a = run(c[0], c[1], c[2], c[3], c[4], true, true, 42, pool1, false);
            float[] b = run(c[0], c[1], c[2], c[3], c[4], true, true, 42, pool2, false);
            float[] d = run(c[0], c[1], c[2], c[3], c[4], true, true, 42, pool3, false);
            Check.bitwise(a, b, "gru 2 threads");
            Check.bitwise(a, d, "gru 3 threads");
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsBatchNeighbours() {
        // batch 5 runs one four-row group and one single row: the same input in either must give the same bits
        SplittableRandom r = new SplittableRandom(3);
        int in = 9, hidden = 20, steps = 4, batch = 5;
        float[][] wih = {Check.random(r, 3 * hidden * in, 0.5)}, whh = {Check.random(r, 3 * hidden * hidden, 0.5)};
        float[][] bih = {Check.random(r, 3 * hidden, 0.5)}, bhh = {Check.random(r, 3 * hidden, 0.5)};
        float[] row = Check.random(r, steps * in, 1);
        float[] x = new float[steps * batch * in];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) System.arraycopy(row, t * in, x, (t * batch + b) * in, in);
        }
        float[] out = new float[steps * batch * hidden];
        new GruKernel(in, hidden, 1, wih, whh, bih, bhh).forward(x, steps, batch, new float[batch * hidden], 0, out, pool1);
        for (int t = 0; t < steps; t++) {
            float[] first = java.util.Arrays.copyOfRange(out, (t * batch) * hidden, (t * batch + 1) * hidden);
            float[] last = java.util.Arrays.copyOfRange(out, (t * batch + 4) * hidden, (t * batch + 5) * hidden);
            Check.bitwise(first, last, "row 0 vs row 4 at step " + t);
        }
    }
}
