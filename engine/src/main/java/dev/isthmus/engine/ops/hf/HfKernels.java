package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Gemm;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.Epilogue;
import dev.isthmus.engine.kernels.vector.NormKernels;
import dev.isthmus.engine.kernels.vector.PackedGemm;
import dev.isthmus.engine.kernels.vector.PackedMatrix;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.Locale;

/**
 * Shared pieces of the Hugging Face layers: float views, the attention-mask bias, GEMMs and LayerNorm on the vector
 * kernels when SIMD is on ({@link Simd#enabled()}), else on the scalar reference kernels.
 */
final class HfKernels {
    private HfKernels() {
    }

    /** {@code torch.finfo(torch.float32).min}: what HF adds to the scores of padded keys. */
    static final float F32_MIN = -Float.MAX_VALUE;

    /** Rows per GEMM task: a fixed split, so results never depend on the thread count. */
    private static final int ROWS_PER_TASK = 16;

    /** The elements as floats; the tensor's own array when it is a heap F32 tensor (read it, never write it). */
    static float[] floats(Tensor t) {
        float[] a = t.heapFloats();
        return a != null ? a : t.toFloatArray();
    }

    /**
     * The additive per-key bias HF derives from an attention mask (batch, seq): {@code (1 − mask) · finfo(float32).min},
     * i.e. 0 for a kept key (1) and float32's minimum for a padded one (0). Checks the mask's shape.
     */
    static float[] maskBias(Tensor mask, int batch, int seq) {
        long[] s = mask.shape();
        if (s.length != 2 || s[0] != batch || s[1] != seq) {
            throw new IllegalArgumentException("attention_mask must have the shape of input_ids (batch, seq) = "
                    + Shape.toString(new long[]{batch, seq}) + ", got " + Shape.toString(s));
        }
        float[] b = new float[batch * seq];
        boolean floating = mask.dtype().isFloating();
        for (int i = 0; i < b.length; i++) {
            double m = floating ? mask.getFloat(i) : mask.getLong(i);
            b[i] = (float) ((1.0 - m) * F32_MIN);
        }
        return b;
    }

    /** A Linear weight w (n × k) packed as the GEMM's right operand, once at load; null when SIMD is off. */
    static PackedMatrix pack(float[] w, int n, int k) {
        return Simd.enabled() ? PackedMatrix.forB(w, n, k) : null;
    }

    /**
     * c[rows][n] = act(A · wᵀ + bias) with row i of A at {@code a[aOff + i·lda …]} (k floats): on {@code packed} (w
     * packed by {@link #pack}) with the bias and activation in the GEMM's epilogue, or on the reference kernel when
     * {@code packed} is null. Results do not depend on the pool's thread count either way.
     */
    static float[] linear(ComputePool pool, float[] a, int aOff, int lda, int rows, int k, float[] w, PackedMatrix packed,
                          float[] bias, int n, Activation act) {
        float[] c = new float[Math.multiplyExact(rows, n)];
        if (packed != null) {
            PackedGemm.multiply(a, aOff, lda, rows, packed, c, 0, n, Epilogue.of(bias, act), pool);
        } else {
            for (int i = 0; i < rows; i++) Gemm.matmulTransB(a, aOff + i * lda, w, 0, bias, 0, c, i * n, 1, n, k, act);
        }
        return c;
    }

    /** LayerNorm over rows of d, in place: vectorised when SIMD is on, else the reference. */
    static void layerNorm(float[] x, int rows, int d, float[] gamma, float[] beta, double eps, ComputePool pool) {
        if (Simd.enabled()) NormKernels.layerNorm(x, 0, x, 0, rows, d, gamma, beta, eps, pool);
        else Norms.layerNorm(x, 0, x, 0, rows, d, gamma, beta, eps);
    }

    /** c[rows][n] = act(a[rows][k] · w[n][k]ᵀ + bias) on the reference kernel, split over the pool in fixed blocks of rows. */
    static float[] linear(ComputePool pool, float[] a, int rows, int k, float[] w, float[] bias, int n, Activation act) {
        float[] c = new float[Math.multiplyExact(rows, n)];
        int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        pool.parallelFor(tasks, t -> {
            int r0 = t * ROWS_PER_TASK;
            int m = Math.min(ROWS_PER_TASK, rows - r0);
            Gemm.matmulTransB(a, r0 * k, w, 0, bias, 0, c, r0 * n, m, n, k, act);
        });
        return c;
    }

    /** HF's {@code hidden_act} / {@code activation} names (ACT2FN) that have a kernel here. */
    static Activation activation(String key, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
            case "relu" -> Activation.RELU;
            case "silu", "swish" -> Activation.SILU;
            case "tanh" -> Activation.TANH;
            case "sigmoid" -> Activation.SIGMOID;
            default -> throw new IllegalArgumentException(key + " '" + name + "' is not supported (supported: gelu, gelu_new, "
                    + "gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, sigmoid)");
        };
    }

    /** (batch, seq) of a rank-2 shape whose dims are known. */
    static void requireIds(String what, long[] s) {
        if (s.length != 2) throw new IllegalArgumentException(what + " must be (batch, seq), got " + Shape.toString(s));
    }
}
