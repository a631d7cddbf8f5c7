package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.graph.ComputePool;
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
 * sees keys j ≤ i). Tasks are (batch, head) pairs.
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
        int hd = d / heads, w3 = 3 * d;
        double scale = 1.0 / Math.sqrt(hd);
        int tasks = batch * heads;
        java.util.function.IntConsumer task = t -> {
            int b = t / heads, h = t % heads, base = b * seq * w3 + h * hd;
            attend(qkv, base, w3, qkv, base + d, w3, qkv, base + 2 * d, w3, out, b * seq * d + h * hd, d,
                    seq, seq, hd, scale, keyBias, b * seq, causal);
        };
        if (pool == null || tasks == 1 || (long) batch * seq * seq * d < (1 << 16)) {
            for (int t = 0; t < tasks; t++) task.accept(t);
        } else {
            pool.parallelFor(tasks, task);
        }
    }

    /**
     * One head: out[i] = Σ_j softmax_j(q_i·k_j·scale + keyBias[j]) v_j for sq query rows and sk keys; rows at
     * {@code off + i·stride} with headDim values, as the reference. With {@code causal}, query i sees keys j ≤ i.
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
        float[] kp = PackedMatrix.forB(k, kOff, kStride, sk, headDim).data;
        int hdPanels = (headDim + nr - 1) / nr, ldo = hdPanels * nr;
        float[] vp = new float[hdPanels * sk * nr];
        PackedGemm.packRowsAsPanels(v, vOff, vStride, sk, headDim, vp, 0);
        int skPad = PackedGemm.panels(sk) * nr;
        float[] kb = new float[skPad + bc];
        Arrays.fill(kb, sk, kb.length, Float.NEGATIVE_INFINITY);
        if (keyBias != null) System.arraycopy(keyBias, keyBiasOff, kb, 0, sk);
        float[] keyIndex = null;
        if (causal) {
            keyIndex = new float[skPad + bc];
            for (int j = 0; j < keyIndex.length; j++) keyIndex[j] = j;
        }
        float sc = (float) scale;
        float[] s = new float[mr * bc], o = new float[mr * ldo], m = new float[mr], l = new float[mr];
        for (int i0 = 0; i0 < sq; i0 += mr) {
            int rows = Math.min(mr, sq - i0);
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            Arrays.fill(l, 0f);
            Arrays.fill(o, 0f);
            int jEnd = causal ? Math.min(sk, i0 + rows) : sk;
            for (int j0 = 0; j0 < jEnd; j0 += bc) {
                int panels = Math.min(KEY_PANELS, (jEnd - j0 + nr - 1) / nr), width = panels * nr;
                for (int pp = 0; pp < panels; pp++) {
                    PackedGemm.tileDirect(q, qOff + i0 * qStride, qStride, rows, kp, (j0 / nr + pp) * headDim * nr, headDim,
                            s, pp * nr, bc, false);
                }
                for (int r = 0; r < rows; r++) {
                    float corr = softmaxUpdate(s, r * bc, width, sc, kb, j0, keyIndex, i0 + r, m, l, r);
                    if (corr != 1f) scaleRow(o, r * ldo, ldo, corr);
                }
                int kc = Math.min(width, sk - j0);
                for (int vq = 0; vq < hdPanels; vq++) {
                    PackedGemm.tileDirect(s, 0, bc, rows, vp, vq * sk * nr + j0 * nr, kc, o, vq * nr, ldo, true);
                }
            }
            for (int r = 0; r < rows; r++) {
                float inv = 1f / l[r];
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
                                       float[] m, float[] l, int r) {
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
        float old = m[r];
        float mNew = Math.max(old, mx.reduceLanes(VectorOperators.MAX)); // NaN propagates
        float safe = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew;
        FloatVector sum = FloatVector.zero(F);
        for (int c = 0; c < width; c += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, at + c).sub(safe));
            e.intoArray(s, at + c);
            sum = sum.add(e);
        }
        float corr = old == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(old - safe);
        l[r] = l[r] * corr + VectorMath.sumLanes(lanes(sum));
        m[r] = mNew;
        return corr;
    }

    private static void scaleRow(float[] o, int at, int len, float f) {
        for (int c = 0; c < len; c += L) FloatVector.fromArray(F, o, at + c).mul(f).intoArray(o, at + c);
    }

    /** The lanes of v in a fresh array, for {@link VectorMath#sumLanes}. */
    private static float[] lanes(FloatVector v) {
        float[] t = new float[L];
        v.intoArray(t, 0);
        return t;
    }
}
