package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Scaled dot-product attention, FlashAttention's algorithm sized for CPU caches: per head, a tile of MR query rows
 * meets the keys a tile of {@value #KEY_PANELS} B panels (4·NR keys) at a time; the MR × 4·NR score tile is the only
 * score memory (never S × S). Each tile's scores update a running max and sum per query row (online softmax), the
 * accumulated output rows are rescaled by e^(old max − new max), and P·V is added to them.
 *
 * <p>Both products run on the GEMM's register tiles: Q·Kᵀ reads Q rows in place against K packed as B panels
 * (keys as columns, packed once per head), P·V reads the probability tile against V packed as B panels (head
 * dimensions as columns). Semantics as the reference {@link dev.isthmus.engine.kernels.reference.Attention}: an
 * additive bias per key (0 keeps, −∞ drops), rows whose keys are all −∞ come out NaN; plus a causal option (query i
 * sees keys j ≤ i). Tasks are (batch, head) pairs. Work buffers are per-thread scratch: nothing is allocated per call
 * in steady state.
 */
public final class AttentionKernel {
    private AttentionKernel() {
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = Species.L;
    /** B panels of keys per score tile. */
    static final int KEY_PANELS = 4;

    /**
     * Multi-head self-attention on packed projections: row r = (b·seq + i) of {@code qkv} holds Q | K | V (3·d floats,
     * heads side by side in each); row r of {@code out} (d floats) receives the heads' outputs side by side.
     *
     * @param keyBias additive bias per (b·seq + key), or null
     */
    public static void selfAttention(float[] qkv, int batch, int seq, int d, int heads, float[] keyBias, boolean causal,
                                     float[] out, ComputePool pool) {
        selfAttention(qkv, 0, batch, seq, d, heads, keyBias, 0, causal, out, 0, pool);
    }

    /**
     * {@link #selfAttention(float[], int, int, int, int, float[], boolean, float[], ComputePool)} with qkv's rows at
     * {@code qkv[qkvOff …]}, the key bias at {@code keyBias[keyBiasOff + b·seq + key]} and out's rows at
     * {@code out[outOff …]}. Allocates nothing on one thread (a parallel call allocates its task lambda).
     */
    public static void selfAttention(float[] qkv, int qkvOff, int batch, int seq, int d, int heads, float[] keyBias,
                                     int keyBiasOff, boolean causal, float[] out, int outOff, ComputePool pool) {
        int tasks = batch * heads;
        if (pool == null || pool.threads() == 1 || tasks == 1 || (long) batch * seq * seq * d < (1 << 16)) {
            for (int t = 0; t < tasks; t++) head(t, qkv, qkvOff, seq, d, heads, keyBias, keyBiasOff, causal, out, outOff);
        } else {
            pool.parallelFor(tasks, t -> head(t, qkv, qkvOff, seq, d, heads, keyBias, keyBiasOff, causal, out, outOff));
        }
    }

    /** Task t = (batch b, head h) of {@link #selfAttention}. */
    private static void head(int t, float[] qkv, int qkvOff, int seq, int d, int heads, float[] keyBias, int keyBiasOff,
                             boolean causal, float[] out, int outOff) {
        int hd = d / heads, w3 = 3 * d;
        int b = t / heads, h = t % heads, base = qkvOff + b * seq * w3 + h * hd;
        attend(qkv, base, w3, qkv, base + d, w3, qkv, base + 2 * d, w3, out, outOff + b * seq * d + h * hd, d,
                seq, seq, hd, 1.0 / Math.sqrt(hd), keyBias, keyBiasOff + b * seq, causal);
    }

    // Per-thread scratch of attend (each pool worker has its own): K and V packed as B panels, the key bias row
    // (padded with −∞), the key indices for the causal test, the score tile, the output tile, the running max and sum.
    private static final Scratch KP = new Scratch(), VP = new Scratch(), KB = new Scratch(), KEY_INDEX = new Scratch(),
            S = new Scratch(), O = new Scratch(), ML = new Scratch(), LANES = new Scratch();

    /**
     * One head: out[i] = Σ_j softmax_j(q_i·k_j·scale + keyBias[j]) v_j for sq query rows and sk keys; rows at
     * {@code off + i·stride} with headDim values, as the reference. With {@code causal}, query i sees keys j ≤ i.
     * Allocates nothing in steady state (its work buffers are per-thread scratch).
     */
    public static void attend(float[] q, int qOff, int qStride, float[] k, int kOff, int kStride, float[] v, int vOff, int vStride,
                              float[] out, int oOff, int oStride, int sq, int sk, int headDim, double scale, float[] keyBias,
                              int keyBiasOff, boolean causal) {
        if (sq == 0) return;
        final int nr = PackedGemm.panelWidth(), mr = PackedGemm.tileRows(), bc = KEY_PANELS * nr;
        if (sk == 0 || headDim == 0) {
            for (int i = 0; i < sq; i++) Arrays.fill(out, oOff + i * oStride, oOff + i * oStride + headDim, sk == 0 ? Float.NaN : 0f);
            return;
        }
        float[] kp = KP.floats(PackedMatrix.floats(sk, headDim, nr));
        PackedMatrix.packInto(k, kOff, kStride, sk, headDim, nr, kp, null);
        int hdPanels = (headDim + nr - 1) / nr, ldo = hdPanels * nr;
        float[] vp = VP.floats(hdPanels * sk * nr);
        PackedGemm.packRowsAsPanels(v, vOff, vStride, sk, headDim, vp, 0);
        int skPad = PackedGemm.panels(sk) * nr, kbLen = skPad + bc;
        float[] kb = KB.floats(kbLen);
        if (keyBias != null) System.arraycopy(keyBias, keyBiasOff, kb, 0, sk);
        else Arrays.fill(kb, 0, sk, 0f);
        Arrays.fill(kb, sk, kbLen, Float.NEGATIVE_INFINITY);
        float[] keyIndex = null;
        if (causal) {
            keyIndex = KEY_INDEX.floats(kbLen);
            for (int j = 0; j < kbLen; j++) keyIndex[j] = j;
        }
        float sc = (float) scale;
        float[] s = S.floats(mr * bc), o = O.floats(mr * ldo), ml = ML.floats(2 * mr), t = LANES.floats(L);
        for (int i0 = 0; i0 < sq; i0 += mr) {
            int rows = Math.min(mr, sq - i0);
            Arrays.fill(ml, 0, mr, Float.NEGATIVE_INFINITY); // running max per row at [0, mr), running sum at [mr, 2mr)
            Arrays.fill(ml, mr, 2 * mr, 0f);
            Arrays.fill(o, 0, mr * ldo, 0f);
            int jEnd = causal ? Math.min(sk, i0 + rows) : sk;
            for (int j0 = 0; j0 < jEnd; j0 += bc) {
                int panels = Math.min(KEY_PANELS, (jEnd - j0 + nr - 1) / nr), width = panels * nr;
                for (int pp = 0; pp < panels; pp++) {
                    PackedGemm.tileDirect(q, qOff + i0 * qStride, qStride, rows, kp, (j0 / nr + pp) * headDim * nr, headDim,
                            s, pp * nr, bc, false);
                }
                for (int r = 0; r < rows; r++) {
                    float corr = softmaxUpdate(s, r * bc, width, sc, kb, j0, keyIndex, i0 + r, ml, mr, r, t);
                    if (corr != 1f) scaleRow(o, r * ldo, ldo, corr);
                }
                int kc = Math.min(width, sk - j0);
                for (int vq = 0; vq < hdPanels; vq++) {
                    PackedGemm.tileDirect(s, 0, bc, rows, vp, vq * sk * nr + j0 * nr, kc, o, vq * nr, ldo, true);
                }
            }
            for (int r = 0; r < rows; r++) {
                float inv = 1f / ml[mr + r];
                int dst = oOff + (i0 + r) * oStride, src = r * ldo;
                for (int p = 0; p < headDim; p++) out[dst + p] = o[src + p] * inv;
            }
        }
    }

    /**
     * Turns one row of raw scores s[at, at + width) into e^(score − new max) in place and folds them into the row's
     * running max and sum. Returns the factor the row's accumulated output must be rescaled by.
     */
    private static float softmaxUpdate(float[] s, int at, int width, float scale, float[] kb, int j0, float[] keyIndex, int i,
                                       float[] ml, int mr, int r, float[] t) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < width; c += L) {
            FloatVector x = FloatVector.fromArray(F, s, at + c).mul(scale).add(FloatVector.fromArray(F, kb, j0 + c));
            if (keyIndex != null) {
                x = x.blend(FloatVector.broadcast(F, Float.NEGATIVE_INFINITY),
                        FloatVector.fromArray(F, keyIndex, j0 + c).compare(VectorOperators.GT, (float) i));
            }
            x.intoArray(s, at + c);
            mx = mx.max(x);
        }
        float old = ml[r];
        mx.intoArray(t, 0);
        float mNew = Math.max(old, VectorMath.maxLanes(t)); // NaN propagates
        float safe = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew;
        VectorMath.expInPlace(s, at, width, safe);
        FloatVector sum = FloatVector.zero(F);
        for (int c = 0; c < width; c += L) sum = sum.add(FloatVector.fromArray(F, s, at + c));
        float corr = old == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(old - safe);
        sum.intoArray(t, 0);
        ml[mr + r] = ml[mr + r] * corr + VectorMath.sumLanes(t);
        ml[r] = mNew;
        return corr;
    }

    private static void scaleRow(float[] o, int at, int len, float f) {
        for (int c = 0; c < len; c += L) FloatVector.fromArray(F, o, at + c).mul(f).intoArray(o, at + c);
    }
}
