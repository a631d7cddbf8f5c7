package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.RecurrentKernel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector LSTM and RNN layers against the reference: hidden sizes around the vector width, batch 1 and 3 (and
 * others), sequence length 1, both directions, projections, biases or none, initial states or zeros; results bitwise
 * equal for 1, 2 and 3 threads; nothing read or written outside the given ranges.
 */
class RecurrentKernelsTest extends ThreePools {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 100, 127};
    /** What surrounds every input and output: a NaN of its own. */
    private static final float SENTINEL = Float.intBitsToFloat(0x7fc0beef);

    enum Cell { LSTM, RNN_TANH, RNN_RELU }

    /** One layer's shape and weights. */
    record Layer(Cell cell, int in, int hidden, int proj, int dirs, float[][] wih, float[][] whh, float[][] bih, float[][] bhh,
                 float[][] whr) {
        static Layer random(SplittableRandom r, Cell cell, int in, int hidden, int proj, int dirs, boolean bias) {
            int g = cell == Cell.LSTM ? 4 : 1, p = proj > 0 ? proj : hidden;
            double scale = 1.0 / Math.sqrt(Math.max(1, Math.max(in, p)));
            float[][] wih = new float[dirs][], whh = new float[dirs][], bih = new float[dirs][], bhh = new float[dirs][];
            float[][] whr = proj > 0 ? new float[dirs][] : null;
            for (int d = 0; d < dirs; d++) {
                wih[d] = Check.random(r, g * hidden * in, 2 * scale);
                whh[d] = Check.random(r, g * hidden * p, 2 * scale);
                bih[d] = bias ? Check.random(r, g * hidden, 0.5) : null;
                bhh[d] = bias ? Check.random(r, g * hidden, 0.5) : null;
                if (whr != null) whr[d] = Check.random(r, p * hidden, 1.5 / Math.sqrt(hidden));
            }
            return new Layer(cell, in, hidden, proj, dirs, wih, whh, bih, bhh, whr); // no bias: null entries, as the ops pass them
        }

        int width() {
            return proj > 0 ? proj : hidden;
        }

        RecurrentKernel on(KernelProvider k) {
            return cell == Cell.LSTM ? k.lstm(in, hidden, proj, dirs, wih, whh, bih, bhh, whr)
                    : k.rnn(in, hidden, dirs, cell == Cell.RNN_RELU, wih, whh, bih, bhh);
        }

        String describe(int steps, int batch) {
            return cell + " in=" + in + " H=" + hidden + (proj > 0 ? " P=" + proj : "") + " dirs=" + dirs + " steps=" + steps
                    + " batch=" + batch + (bih[0] != null ? " bias" : "");
        }
    }

    /** Inputs of one call. */
    record Inputs(float[] x, float[] h0, float[] c0) {
        static Inputs random(SplittableRandom r, Layer l, int steps, int batch, boolean zeroState) {
            float[] x = Check.random(r, steps * batch * l.in, 1.5);
            float[] h0 = zeroState ? new float[l.dirs * batch * l.width()] : Check.random(r, l.dirs * batch * l.width(), 1);
            float[] c0 = l.cell != Cell.LSTM ? null
                    : zeroState ? new float[l.dirs * batch * l.hidden] : Check.random(r, l.dirs * batch * l.hidden, 2);
            return new Inputs(x, h0, c0);
        }
    }

    /** out, then h_n, then c_n (LSTM) of one call, every array at the given offset inside sentinels (checked). */
    private static float[] run(RecurrentKernel k, Layer l, Inputs in, int steps, int batch, int off, ComputePool pool) {
        int outLen = steps * batch * l.dirs * l.width();
        float[] x = embed(in.x, off), h = embed(in.h0, off + 1), c = in.c0 == null ? null : embed(in.c0, off + 2);
        float[] out = embed(new float[outLen], off + 3);
        Arrays.fill(out, off + 3, off + 3 + outLen, SENTINEL);
        k.forward(x, off, steps, batch, h, off + 1, c, off + 2, out, off + 3, pool);
        untouchedOutside(out, off + 3, outLen, "out");
        untouchedOutside(h, off + 1, in.h0.length, "h");
        if (c != null) untouchedOutside(c, off + 2, in.c0.length, "c");
        untouchedOutside(x, off, in.x.length, "x");
        int cLen = c == null ? 0 : in.c0.length;
        float[] all = new float[outLen + in.h0.length + cLen];
        System.arraycopy(out, off + 3, all, 0, outLen);
        System.arraycopy(h, off + 1, all, outLen, in.h0.length);
        if (c != null) System.arraycopy(c, off + 2, all, outLen + in.h0.length, cLen);
        return all;
    }

    private static float[] embed(float[] a, int off) {
        float[] b = new float[off + a.length + 7];
        Arrays.fill(b, SENTINEL);
        System.arraycopy(a, 0, b, off, a.length);
        return b;
    }

    private static void untouchedOutside(float[] b, int off, int n, String what) {
        for (int i = 0; i < b.length; i++) {
            if ((i < off || i >= off + n) && Float.floatToRawIntBits(b[i]) != Float.floatToRawIntBits(SENTINEL)) {
                fail(what + ": element " + i + " outside [" + off + ", " + (off + n) + ") was written");
            }
        }
    }

    /** Vector against reference; returns the vector result. */
    private static float[] compare(Layer l, int steps, int batch, boolean zeroState, long seed, ComputePool pool) {
        SplittableRandom r = new SplittableRandom(seed);
        Inputs in = Inputs.random(r, l, steps, batch, zeroState);
        float[] e = run(l.on(KernelProvider.reference()), l, in, steps, batch, 0, pool);
        float[] a = run(l.on(Check.VECTOR), l, in, steps, batch, (int) (seed % 5) + 1, pool);
        Check.close(e, a, l.describe(steps, batch));
        return a;
    }

    @Test
    void lstmMatchesTheReference() {
        long seed = 1;
        SplittableRandom r = new SplittableRandom(101);
        for (int hidden : SIZES) {
            for (int batch : new int[]{1, 3}) {
                for (int dirs = 1; dirs <= 2; dirs++) {
                    Layer l = Layer.random(r, Cell.LSTM, 7, hidden, 0, dirs, seed % 3 != 0);
                    compare(l, 4, batch, seed % 2 == 0, seed++, seed % 2 == 0 ? pool1 : pool2);
                }
            }
        }
        for (int in : SIZES) compare(Layer.random(r, Cell.LSTM, in, 9, 0, 2, true), 3, 2, false, seed++, pool2);
    }

    @Test
    void lstmWithProjections() {
        long seed = 50;
        SplittableRandom r = new SplittableRandom(102);
        for (int[] s : new int[][]{{5, 7, 3}, {17, 16, 1}, {33, 31, 5}, {100, 64, 13}, {3, 127, 100}, {16, 2, 1}, {7, 33, 17}}) {
            for (int dirs = 1; dirs <= 2; dirs++) {
                for (int batch : new int[]{1, 3, 4}) {
                    Layer l = Layer.random(r, Cell.LSTM, s[0], s[1], s[2], dirs, seed % 2 == 0);
                    compare(l, 3, batch, seed % 3 == 0, seed++, batch == 4 ? pool2 : pool1);
                }
            }
        }
    }

    @Test
    void rnnMatchesTheReference() {
        long seed = 200;
        SplittableRandom r = new SplittableRandom(103);
        for (Cell cell : new Cell[]{Cell.RNN_TANH, Cell.RNN_RELU}) {
            for (int hidden : SIZES) {
                for (int batch : new int[]{1, 3}) {
                    for (int dirs = 1; dirs <= 2; dirs++) {
                        Layer l = Layer.random(r, cell, 11, hidden, 0, dirs, seed % 3 != 0);
                        compare(l, 5, batch, seed % 2 == 0, seed++, seed % 2 == 0 ? pool1 : pool2);
                    }
                }
            }
        }
    }

    @Test
    void sequenceOfOneAndOtherBatches() {
        long seed = 300;
        SplittableRandom r = new SplittableRandom(104);
        for (Cell cell : Cell.values()) {
            for (int batch : new int[]{1, 2, 3, 4, 5, 7}) {
                compare(Layer.random(r, cell, 1, 13, 0, 2, true), 1, batch, false, seed++, pool2);
                compare(Layer.random(r, cell, 5, 40, 0, 1, true), 6, batch, false, seed++, pool1);
            }
        }
        // steps big enough to run their passes as tasks (batch · columns · width ≥ 2^18)
        compare(Layer.random(r, Cell.LSTM, 20, 130, 0, 1, true), 3, 4, false, seed++, pool2);
        compare(Layer.random(r, Cell.LSTM, 20, 130, 70, 2, true), 3, 9, false, seed++, pool3);
        compare(Layer.random(r, Cell.RNN_TANH, 20, 300, 0, 1, true), 3, 5, false, seed++, pool2);
    }

    @Test
    void bitwiseIdenticalForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(105);
        // in, hidden, proj, dirs, steps, batch: small, and big enough to split a step into tasks
        int[][] shapes = {{7, 33, 0, 2, 4, 3}, {20, 130, 0, 1, 3, 4}, {20, 130, 70, 2, 3, 9}, {16, 100, 17, 1, 3, 1}, {9, 300, 0, 1, 2, 5}};
        long seed = 400;
        for (Cell cell : Cell.values()) {
            for (int[] s : shapes) {
                Layer l = Layer.random(r, cell, s[0], s[1], cell == Cell.LSTM ? s[2] : 0, s[3], true);
                SplittableRandom ri = new SplittableRandom(seed++);
                Inputs in = Inputs.random(ri, l, s[4], s[5], false);
                RecurrentKernel k = l.on(Check.VECTOR);
                float[] one = run(k, l, in, s[4], s[5], 2, pool1);
                Check.bitwise(one, run(k, l, in, s[4], s[5], 5, pool2), l.describe(s[4], s[5]) + " 2 threads");
                Check.bitwise(one, run(k, l, in, s[4], s[5], 1, pool3), l.describe(s[4], s[5]) + " 3 threads");
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsBatchNeighbours() {
        // batch 4 runs one three-row group and one single row: the same input in either must give the same bits
        SplittableRandom r = new SplittableRandom(106);
        for (Cell cell : Cell.values()) {
            Layer l = Layer.random(r, cell, 9, 37, cell == Cell.LSTM ? 11 : 0, 1, true);
            int steps = 3, batch = 4, w = l.width();
            float[] row = Check.random(r, steps * l.in, 1);
            float[] x = new float[steps * batch * l.in];
            for (int t = 0; t < steps; t++) for (int b = 0; b < batch; b++) System.arraycopy(row, t * l.in, x, (t * batch + b) * l.in, l.in);
            Inputs in = new Inputs(x, new float[batch * w], cell == Cell.LSTM ? new float[batch * l.hidden] : null);
            float[] out = run(l.on(Check.VECTOR), l, in, steps, batch, 0, pool1);
            for (int t = 0; t < steps; t++) {
                Check.bitwise(Arrays.copyOfRange(out, t * batch * w, (t * batch + 1) * w),
                        Arrays.copyOfRange(out, (t * batch + 3) * w, (t * batch + 4) * w), cell + " row 0 vs row 3 at step " + t);
            }
        }
    }

    @Test
    void reusedScratchAcrossShapes() {
        // big, small, big on the same threads: scratch left by a bigger call must not leak into a smaller one
        SplittableRandom r = new SplittableRandom(107);
        long seed = 500;
        for (int rep = 0; rep < 2; rep++) {
            for (int[] s : new int[][]{{30, 70, 2, 6, 5}, {3, 5, 1, 2, 1}, {12, 33, 2, 3, 3}, {1, 8, 1, 4, 9}}) {
                for (Cell cell : Cell.values()) {
                    compare(Layer.random(r, cell, s[0], s[1], 0, s[2], true), s[3], s[4], false, seed++, pool1);
                    compare(Layer.random(r, cell, s[0], s[1], 0, s[2], true), s[3], s[4], false, seed++, pool2);
                }
            }
        }
    }
}
