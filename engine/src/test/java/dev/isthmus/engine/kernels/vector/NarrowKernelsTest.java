package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.RecurrentKernel;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weight-only kernels (int8 with a scale per row, bf16; widened in registers) against the scalar reference, which
 * widens each weight as {@link NarrowMatrix} does and sums as the reference Linear and GRU do: awkward sizes (primes,
 * below one vector, in = 1), rows 1 and 3 (the matrix-vector path) and more (the block path), offsets and strides,
 * residuals in place; results bitwise equal for 1, 2 and 3 threads.
 */
class NarrowKernelsTest extends ThreePools {
    private static final KernelProvider REF = KernelProvider.reference();
    private static final int[] OUTS = {1, 3, 4, 5, 17, 37, 130};
    private static final int[] INS = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 131};

    static NarrowMatrix matrix(SplittableRandom r, DType dtype, int rows, int cols) {
        if (dtype == DType.I8) {
            byte[] q = new byte[rows * cols];
            for (int i = 0; i < q.length; i++) q[i] = (byte) (r.nextInt(255) - 127);
            float[] s = new float[rows];
            for (int i = 0; i < rows; i++) s[i] = i % 7 == 5 ? 0f : (float) (0.001 + r.nextDouble() * 0.02);
            return NarrowMatrix.int8(q, s, rows, cols);
        }
        short[] b = new short[rows * cols];
        for (int i = 0; i < b.length; i++) b[i] = (short) (Float.floatToRawIntBits((float) (r.nextDouble() * 2 - 1)) >>> 16);
        return NarrowMatrix.bf16(b, rows, cols);
    }

    @Test
    void widensAsTheStoredFormatSays() {
        NarrowMatrix q = NarrowMatrix.int8(new byte[]{-127, 0, 5, 127}, new float[]{0.5f, 0.25f}, 2, 2);
        assertEquals(-63.5f, q.get(0, 0));
        assertEquals(0f, q.get(0, 1));
        assertEquals(1.25f, q.get(1, 0));
        assertEquals(31.75f, q.get(1, 1));
        short one = (short) (Float.floatToRawIntBits(1.5f) >>> 16), neg = (short) (Float.floatToRawIntBits(-2.25f) >>> 16);
        NarrowMatrix b = NarrowMatrix.bf16(new short[]{one, neg}, 1, 2);
        assertEquals(1.5f, b.get(0, 0));
        assertEquals(-2.25f, b.get(0, 1));
        float[] row = new float[3];
        b.widenRow(0, row, 1);
        assertEquals(-2.25f, row[2]);
        assertEquals(4 + 8, q.heldBytes());
        assertEquals(4, b.heldBytes());
    }

    /** One Linear run of a provider on a fresh copy of y; x and y with offsets and row strides wider than their rows. */
    private static float[] linear(KernelProvider k, NarrowMatrix w, float[] bias, Activation act, float[] x, int rows, boolean residualInPlace,
                                  float[] residual, ComputePool pool) {
        int in = w.cols(), out = w.rows(), ldx = in + 3, ldy = out + 2;
        float[] y = new float[5 + rows * ldy];
        Arrays.fill(y, -7f);
        LinearKernel lk = k.linear(w, bias, act);
        if (residualInPlace) {
            for (int i = 0; i < rows; i++) System.arraycopy(residual, i * out, y, 5 + i * ldy, out);
            lk.run(x, 2, ldx, rows, y, 5, ldy, y, 5, ldy, pool);
        } else {
            lk.run(x, 2, ldx, rows, y, 5, ldy, residual, 0, out, pool);
        }
        return y;
    }

    @Test
    void linearMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(17);
        Activation[] acts = {Activation.NONE, Activation.RELU, Activation.GELU};
        int c = 0;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            for (int out : OUTS) {
                for (int in : INS) {
                    for (int rows : new int[]{1, 3, 4, 7, 8, 17}) {
                        c++;
                        NarrowMatrix w = matrix(r, dt, out, in);
                        float[] bias = c % 3 == 0 ? null : Check.random(r, out, 0.5);
                        Activation act = acts[c % acts.length];
                        float[] x = Check.random(r, 2 + rows * (in + 3), 1.5);
                        float[] res = c % 4 == 1 ? Check.random(r, rows * out, 1) : null;
                        boolean inPlace = res != null && c % 8 == 1;
                        String what = dt + " linear out=" + out + " in=" + in + " rows=" + rows + " act=" + act
                                + (bias == null ? "" : " bias") + (res == null ? "" : inPlace ? " residual in place" : " residual");
                        float[] e = linear(REF, w, bias, act, x, rows, inPlace, res, pool1);
                        float[] a = linear(Check.VECTOR, w, bias, act, x, rows, inPlace, res, pool2);
                        Check.close(e, a, what);
                    }
                }
            }
        }
    }

    /** Calls with many rows on layers big enough to be widened once into F32 panels and run on the packed GEMM. */
    @Test
    void widenedLinearMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(23);
        int c = 0;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            // the last shape is widened in several blocks of outputs, the last one partial
            for (int[] oi : new int[][]{{131, 127}, {131, 257}, {257, 64}, {131, 2001}}) {
                int out = oi[0], in = oi[1];
                assertTrue((long) out * in >= NarrowLinearKernel.WIDEN_WEIGHTS);
                if (in == 2001) assertTrue(NarrowLinearKernel.blockOutputs(in) < out && out % NarrowLinearKernel.blockOutputs(in) != 0);
                for (int rows : new int[]{NarrowLinearKernel.WIDEN_ROWS, 33}) {
                    c++;
                    NarrowMatrix w = matrix(r, dt, out, in);
                    float[] bias = c % 2 == 0 ? null : Check.random(r, out, 0.5);
                    Activation act = c % 3 == 0 ? Activation.GELU : Activation.RELU;
                    float[] x = Check.random(r, 2 + rows * (in + 3), 1.5);
                    float[] res = c % 3 == 1 ? null : Check.random(r, rows * out, 1);
                    boolean inPlace = c % 3 == 2;
                    String what = dt + " widened linear out=" + out + " in=" + in + " rows=" + rows;
                    float[] e = linear(REF, w, bias, act, x, rows, inPlace, res, pool1);
                    for (var pool : new dev.isthmus.engine.parallel.ComputePool[]{pool1, pool2, pool3}) {
                        Check.close(e, linear(Check.VECTOR, w, bias, act, x, rows, inPlace, res, pool), what + " on " + pool.threads() + " threads");
                    }
                }
            }
        }
    }

    @Test
    void referenceSumsTheWidenedWeightsAsTheF32ReferenceDoes() {
        // the int8 reference is the F32 reference over q·scale: bitwise the same
        SplittableRandom r = new SplittableRandom(5);
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            NarrowMatrix w = matrix(r, dt, 13, 29);
            float[] bias = Check.random(r, 13, 0.5), x = Check.random(r, 3 * 29, 1);
            float[] a = new float[3 * 13], e = new float[3 * 13];
            REF.linear(w, bias, Activation.RELU).run(x, 0, 29, 3, a, 0, 13, null, 0, 0, pool1);
            REF.linear(w.toFloats(), bias, 13, 29, Activation.RELU).run(x, 0, 29, 3, e, 0, 13, null, 0, 0, pool1);
            Check.bitwise(e, a, dt + " reference");
        }
    }

    @Test
    void linearIsBitwiseTheSameForEveryThreadCount() {
        SplittableRandom r = new SplittableRandom(9);
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            for (int[] s : new int[][]{{1, 700, 300}, {5, 1030, 70}, {3, 64, 2000}}) {
                NarrowMatrix w = matrix(r, dt, s[1], s[2]);
                float[] bias = Check.random(r, s[1], 0.5), x = Check.random(r, 2 + s[0] * (s[2] + 3), 1);
                float[] a = linear(Check.VECTOR, w, bias, Activation.NONE, x, s[0], false, null, pool1);
                Check.bitwise(a, linear(Check.VECTOR, w, bias, Activation.NONE, x, s[0], false, null, pool2), dt + " 2 threads");
                Check.bitwise(a, linear(Check.VECTOR, w, bias, Activation.NONE, x, s[0], false, null, pool3), dt + " 3 threads");
                Check.close(linear(REF, w, bias, Activation.NONE, x, s[0], false, null, pool1), a, dt + " big against the reference");
            }
        }
    }

    /**
     * A GRU or (with {@code lstm}) an LSTM layer of a provider, its input projections made by {@code products}'s
     * weight-only Linear when that is not null: the outputs, then the final hidden (and LSTM cell) states. The LSTM's
     * reverse direction has b_ih only.
     */
    private static float[] recurrent(boolean lstm, KernelProvider k, KernelProvider products, DType dt, int in, int hidden, int dirs,
                                     int steps, int batch, boolean bias, long seed, ComputePool pool) {
        SplittableRandom r = new SplittableRandom(seed);
        int g = (lstm ? 4 : 3) * hidden;
        NarrowMatrix[] wih = new NarrowMatrix[dirs], whh = new NarrowMatrix[dirs];
        float[][] bih = new float[dirs][], bhh = new float[dirs][];
        for (int d = 0; d < dirs; d++) {
            wih[d] = matrix(r, dt, g, in);
            whh[d] = matrix(r, dt, g, hidden);
            bih[d] = bias ? Check.random(r, g, 0.5) : null;
            bhh[d] = bias && (!lstm || d == 0) ? Check.random(r, g, 0.5) : null;
        }
        RecurrentKernel rk;
        if (lstm) {
            rk = products == null ? k.lstm(in, hidden, dirs, wih, whh, bih, bhh) : k.lstm(in, hidden, dirs, inputProducts(products, wih, bih, bhh), whh);
        } else {
            rk = products == null ? k.gru(in, hidden, dirs, wih, whh, bih, bhh) : k.gru(in, hidden, dirs, inputProducts(products, wih, bih, null), whh, bhh);
        }
        return forward(rk, r, in, hidden, hidden, lstm, dirs, steps, batch, pool);
    }

    /**
     * Runs {@code rk} on a random sequence and initial state drawn from {@code r} (x, h, and c when {@code cell}), at
     * offsets: the outputs ({@code width} per direction), then the final hidden and cell states.
     */
    private static float[] forward(RecurrentKernel rk, SplittableRandom r, int in, int hidden, int width, boolean cell, int dirs, int steps,
                                   int batch, ComputePool pool) {
        float[] x = Check.random(r, 4 + steps * batch * in, 1.5);
        float[] h = Check.random(r, 1 + dirs * batch * width, 1), c = cell ? Check.random(r, 2 + dirs * batch * hidden, 1) : new float[0];
        float[] out = new float[3 + steps * batch * dirs * width];
        rk.forward(x, 4, steps, batch, h, 1, cell ? c : null, 2, out, 3, pool);
        float[] all = Arrays.copyOf(out, out.length + h.length + c.length);
        System.arraycopy(h, 0, all, out.length, h.length);
        System.arraycopy(c, 0, all, out.length + h.length, c.length);
        return all;
    }

    /**
     * The vector GRU ({@code lstm} false) or LSTM against the reference on every combination of the given sizes, 1 and
     * 2 directions, 1 to 4 steps, with and without biases, from {@code seed} on; returns the next seed.
     */
    private long sweepAgainstReference(boolean lstm, DType dt, int[] hiddens, int[] ins, int[] batches, long seed) {
        for (int hidden : hiddens) {
            for (int in : ins) {
                for (int batch : batches) {
                    for (int dirs = 1; dirs <= 2; dirs++) {
                        int steps = (int) (seed % 4) + 1;
                        boolean bias = seed % 3 != 0;
                        String what = dt + (lstm ? " lstm" : " gru") + " in=" + in + " H=" + hidden + " batch=" + batch + " dirs=" + dirs
                                + " steps=" + steps + (bias ? " bias" : "");
                        Check.close(recurrent(lstm, REF, null, dt, in, hidden, dirs, steps, batch, bias, seed, pool1),
                                recurrent(lstm, Check.VECTOR, null, dt, in, hidden, dirs, steps, batch, bias, seed, pool2), what);
                        seed++;
                    }
                }
            }
        }
        return seed;
    }

    @Test
    void gruMatchesTheReference() {
        long seed = 1;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            seed = sweepAgainstReference(false, dt, new int[]{1, 3, 16, 17, 33}, new int[]{1, 3, 7}, new int[]{1, 3, 5}, seed);
            Check.close(recurrent(false, REF, null, dt, 100, 256, 1, 3, 1, true, seed, pool1),
                    recurrent(false, Check.VECTOR, null, dt, 100, 256, 1, 3, 1, true, seed, pool3),
                    dt + " gru seed sizes, batch 1");
        }
    }

    @Test
    void gruIsBitwiseTheSameForEveryThreadCount() {
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            float[] a = recurrent(false, Check.VECTOR, null, dt, 40, 300, 2, 3, 2, true, 7, pool1);
            Check.bitwise(a, recurrent(false, Check.VECTOR, null, dt, 40, 300, 2, 3, 2, true, 7, pool2), dt + " gru 2 threads");
            Check.bitwise(a, recurrent(false, Check.VECTOR, null, dt, 40, 300, 2, 3, 2, true, 7, pool3), dt + " gru 3 threads");
        }
    }

    @Test
    void lstmMatchesTheReference() {
        long seed = 1;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            seed = sweepAgainstReference(true, dt, new int[]{1, 3, 17, 33}, new int[]{1, 7, 16}, new int[]{1, 3}, seed);
            // many steps: the input projections take the widened path
            Check.close(recurrent(true, REF, null, dt, 100, 64, 1, 12, 1, true, seed, pool1),
                    recurrent(true, Check.VECTOR, null, dt, 100, 64, 1, 12, 1, true, seed, pool3),
                    dt + " lstm 12 steps, batch 1");
            float[] a = recurrent(true, Check.VECTOR, null, dt, 40, 130, 2, 3, 2, true, 7, pool1);
            Check.bitwise(a, recurrent(true, Check.VECTOR, null, dt, 40, 130, 2, 3, 2, true, 7, pool3), dt + " lstm 3 threads");
        }
    }

    /** Per direction, {@code products}'s weight-only Linear over W_ih with b_ih (+ b_hh when given: the LSTM's). */
    private static LinearKernel[] inputProducts(KernelProvider products, NarrowMatrix[] wih, float[][] bih, float[][] bhh) {
        LinearKernel[] p = new LinearKernel[wih.length];
        for (int d = 0; d < wih.length; d++) {
            float[] b = bih[d] == null ? null : bih[d].clone();
            if (bhh != null && bhh[d] != null) {
                if (b == null) b = new float[bhh[d].length];
                for (int i = 0; i < b.length; i++) b[i] += bhh[d][i];
            }
            p[d] = products.linear(wih[d], b, Activation.NONE);
        }
        return p;
    }

    /**
     * Input projections made elsewhere (as a backend's int8 matmul makes them): the vector GRU and LSTM steps over
     * them match the reference's, and the reference over them matches the reference with W_ih inside (its identity
     * trick adds the projections exactly as they come).
     */
    @Test
    void recurrentLayersOverGivenInputProductsMatchTheReference() {
        long seed = 500;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            for (int[] c : new int[][]{{1, 1, 1, 1}, {7, 3, 3, 2}, {16, 17, 1, 5}, {31, 33, 3, 1}, {100, 64, 1, 12}}) {
                int in = c[0], hidden = c[1], batch = c[2], steps = c[3];
                for (int dirs = 1; dirs <= 2; dirs++) {
                    String what = dt + " in=" + in + " H=" + hidden + " batch=" + batch + " steps=" + steps + " dirs=" + dirs;
                    float[] gruRef = recurrent(false, REF, REF, dt, in, hidden, dirs, steps, batch, true, seed, pool1);
                    Check.close(recurrent(false, REF, null, dt, in, hidden, dirs, steps, batch, true, seed, pool1), gruRef,
                            what + " gru: reference, W_ih inside");
                    Check.close(gruRef, recurrent(false, Check.VECTOR, REF, dt, in, hidden, dirs, steps, batch, true, seed, pool2), what + " gru");
                    float[] lstmRef = recurrent(true, REF, REF, dt, in, hidden, dirs, steps, batch, true, seed, pool1);
                    Check.close(recurrent(true, REF, null, dt, in, hidden, dirs, steps, batch, true, seed, pool1), lstmRef,
                            what + " lstm: reference, W_ih inside");
                    Check.close(lstmRef, recurrent(true, Check.VECTOR, REF, dt, in, hidden, dirs, steps, batch, true, seed, pool3), what + " lstm");
                    seed++;
                }
            }
        }
    }

    /**
     * A recurrent layer's int8 W_hh is coded as bf16 when small ({@link NarrowProducts#forSteps}): its products match
     * the reference as the int8 bytes' do, on awkward sizes; above the limit it stays in bytes.
     */
    @Test
    void int8CodedAsBf16MultipliesAsTheBytesDo() {
        SplittableRandom r = new SplittableRandom(41);
        for (int out : OUTS) {
            for (int in : INS) {
                NarrowMatrix w = matrix(r, DType.I8, out, in);
                NarrowProducts coded = NarrowProducts.forSteps(w), bytes = new NarrowProducts(w);
                assertTrue(coded.coded() && !bytes.coded(), out + "×" + in + " is coded");
                for (int rows : new int[]{1, 3}) {
                    int ldx = in + 3, ldy = out + 2; // as linear() lays them out
                    float[] x = Check.random(r, 2 + rows * ldx, 2);
                    float[] expected = linear(REF, w, null, Activation.NONE, x, rows, false, null, pool1);
                    for (NarrowProducts p : new NarrowProducts[]{coded, bytes}) {
                        float[] y = new float[5 + rows * ldy];
                        Arrays.fill(y, -7f);
                        p.multiply(x, 2, ldx, rows, y, 5, ldy, pool1);
                        Check.close(expected, y, out + "×" + in + " rows " + rows + (p == coded ? " coded" : " bytes"));
                    }
                }
            }
        }
        NarrowMatrix big = matrix(r, DType.I8, 1024, (int) (NarrowProducts.CODED_MAX_BYTES / 2048) + 1);
        assertTrue(!NarrowProducts.forSteps(big).coded(), "too big to code: bytes");
    }

    /**
     * Rows taken in pairs (with 32 vector registers) give bitwise the sums each row gives alone: every output is the
     * same chain of FMAs either way. int8 bytes, int8 coded as bf16 and bf16; full and partial panels, odd depths.
     */
    @Test
    void rowsInPairsSumAsOneRowAlone() {
        SplittableRandom r = new SplittableRandom(43);
        for (int out : new int[]{17, 130, 261}) {
            for (int in : new int[]{1, 16, 33, 100}) {
                for (DType dt : new DType[]{DType.I8, DType.BF16}) {
                    NarrowMatrix w = matrix(r, dt, out, in);
                    NarrowProducts[] forms = dt == DType.I8 ? new NarrowProducts[]{new NarrowProducts(w), NarrowProducts.forSteps(w)}
                            : new NarrowProducts[]{new NarrowProducts(w)};
                    for (NarrowProducts p : forms) {
                        int rows = 5, ldx = in + 1, ldy = out + 3;
                        float[] x = Check.random(r, rows * ldx, 2), together = new float[rows * ldy], alone = new float[rows * ldy];
                        p.multiply(x, 0, ldx, rows, together, 0, ldy, pool1);
                        for (int i = 0; i < rows; i++) p.multiply(x, i * ldx, ldx, 1, alone, i * ldy, ldy, pool1);
                        Check.bitwise(alone, together, dt + (p.coded() ? " coded" : "") + " " + out + "×" + in);
                    }
                }
            }
        }
    }

    /** An LSTM layer with a projection (proj < hidden) or an RNN layer of a provider: the outputs, then the final states. */
    private static float[] projectedOrRnn(KernelProvider k, DType dt, boolean lstm, int in, int hidden, int proj, int dirs, int steps,
                                          int batch, long seed, ComputePool pool) {
        SplittableRandom r = new SplittableRandom(seed);
        int g = lstm ? 4 * hidden : hidden, w = lstm ? proj : hidden;
        NarrowMatrix[] wih = new NarrowMatrix[dirs], whh = new NarrowMatrix[dirs], whr = new NarrowMatrix[dirs];
        float[][] bih = new float[dirs][], bhh = new float[dirs][];
        for (int d = 0; d < dirs; d++) {
            wih[d] = matrix(r, dt, g, in);
            whh[d] = matrix(r, dt, g, w);
            whr[d] = matrix(r, dt, proj, hidden);
            bih[d] = Check.random(r, g, 0.5);
            bhh[d] = d == 0 ? Check.random(r, g, 0.5) : null;
        }
        RecurrentKernel rk = lstm ? k.lstm(in, hidden, proj, dirs, wih, whh, bih, bhh, whr) : k.rnn(in, hidden, dirs, seed % 2 == 0, wih, whh, bih, bhh);
        return forward(rk, r, in, hidden, w, lstm, dirs, steps, batch, pool);
    }

    /**
     * LSTMs with a projection (W_hr narrow too) and RNNs (tanh and ReLU) against the reference over the widened weights.
     * Few steps: random weights this large (|w| up to 2.7) make a projected LSTM chaotic, float and double rounding
     * drifting apart about 3× a step (1e-6 after one step, 1e-1 after twelve, for 100 → 64 → 31).
     */
    @Test
    void projectedLstmAndRnnMatchTheReference() {
        long seed = 900;
        for (DType dt : new DType[]{DType.I8, DType.BF16}) {
            for (int[] c : new int[][]{{1, 1, 1, 1, 1}, {7, 17, 5, 3, 2}, {16, 33, 16, 1, 5}, {31, 20, 3, 3, 1}, {100, 64, 31, 1, 4}}) {
                int in = c[0], hidden = c[1], proj = c[2], batch = c[3], steps = c[4];
                for (int dirs = 1; dirs <= 2; dirs++) {
                    for (boolean lstm : new boolean[]{true, false}) {
                        String what = dt + (lstm ? " lstm proj=" + proj : " rnn") + " in=" + in + " H=" + hidden + " batch=" + batch
                                + " steps=" + steps + " dirs=" + dirs;
                        Check.close(projectedOrRnn(REF, dt, lstm, in, hidden, proj, dirs, steps, batch, seed, pool1),
                                projectedOrRnn(Check.VECTOR, dt, lstm, in, hidden, proj, dirs, steps, batch, seed, pool2), what);
                        seed++;
                    }
                }
            }
        }
    }
}
