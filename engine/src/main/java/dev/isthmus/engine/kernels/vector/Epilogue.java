package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;

import java.util.Objects;

/**
 * What {@link PackedGemm} adds to the product A·B: a bias, an activation and a residual, in one of two orders:
 * C = act(A·B + bias) + residual ({@link #withResidual}: a residual added after the activation, as a Transformer's
 * sublayer) or C = act(A·B + bias + residual) ({@link #withResidualBeforeActivation}: ResNet's
 * {@code relu(bn(conv(x)) + identity)}, or with no activation MobileNet's {@code bn(conv(x)) + x}).
 * The bias runs along the columns (a Linear layer's, one per output feature) or along the rows (a convolution's, one
 * per output channel when the weights are the left operand); the residual has C's shape at its own offset and stride.
 * Immutable; build with {@link #of} and {@link #withResidual} — each call makes a new one, so build them once (at
 * load) rather than per call where allocation matters.
 */
public final class Epilogue {
    /** Nothing: C = A·B. */
    public static final Epilogue NONE = new Epilogue(null, 0, false, Activation.NONE, null, 0, 0, false);

    final float[] bias;
    final int biasOff;
    final boolean biasPerRow;
    final Activation act;
    final float[] residual;
    final int resOff, resLd;
    /** True: the residual is added before the activation (see {@link #withResidualBeforeActivation}). */
    final boolean residualFirst;

    private Epilogue(float[] bias, int biasOff, boolean biasPerRow, Activation act, float[] residual, int resOff, int resLd,
                     boolean residualFirst) {
        this.bias = bias;
        this.biasOff = biasOff;
        this.biasPerRow = biasPerRow;
        this.act = Objects.requireNonNull(act, "act");
        this.residual = residual;
        this.resOff = resOff;
        this.resLd = resLd;
        this.residualFirst = residualFirst;
    }

    /** Bias per column (may be null) at bias[j], then {@code act}. */
    public static Epilogue of(float[] bias, Activation act) {
        return bias == null && act == Activation.NONE ? NONE : new Epilogue(bias, 0, false, act, null, 0, 0, false);
    }

    /** Bias per column at bias[off + j] (may be null), then {@code act}. */
    public static Epilogue of(float[] bias, int off, Activation act) {
        return new Epilogue(bias, off, false, act, null, 0, 0, false);
    }

    /** Bias per row at bias[off + i] (may be null), then {@code act}. */
    public static Epilogue perRow(float[] bias, int off, Activation act) {
        return new Epilogue(bias, off, true, act, null, 0, 0, false);
    }

    /**
     * This epilogue, then C[i][j] += residual[off + i·ld + j]: C = act(A·B + bias) + residual. The residual must
     * not overlap C.
     */
    public Epilogue withResidual(float[] residual, int off, int ld) {
        return new Epilogue(bias, biasOff, biasPerRow, act, Objects.requireNonNull(residual, "residual"), off, ld, false);
    }

    /**
     * This epilogue's bias and activation with residual[off + i·ld + j] added to C[i][j] before the activation:
     * C = act(A·B + bias + residual). The residual may be C itself (the same array, offset and ld: C is computed in
     * place over it), and must not overlap C otherwise. {@link PackedGemm} adds it in the register tiles, as it
     * accumulates a depth block onto the one before: (A·B + residual) + bias, in a fixed order, so C is the same
     * bitwise in place or not.
     */
    public Epilogue withResidualBeforeActivation(float[] residual, int off, int ld) {
        return new Epilogue(bias, biasOff, biasPerRow, act, Objects.requireNonNull(residual, "residual"), off, ld, true);
    }

    /** Applies to rows [r0, r0 + rows) × columns [c0, c0 + cols) of a C that holds A·B (row i at c[cOff + i·ldc]). */
    void apply(float[] c, int cOff, int ldc, int r0, int rows, int c0, int cols) {
        apply(c, cOff, ldc, r0, rows, c0, cols, bias, biasOff, biasPerRow, act, residual, resOff, resLd, residualFirst);
    }

    /**
     * The same with the epilogue's parts spelled out (what {@link PackedGemm}'s reusable jobs hold): bias, then the
     * residual when {@code residualFirst}, the activation, then the residual when not. (PackedGemm itself adds a
     * residual that comes first in its tiles and passes none here.)
     */
    static void apply(float[] c, int cOff, int ldc, int r0, int rows, int c0, int cols, float[] bias, int biasOff,
                      boolean biasPerRow, Activation act, float[] residual, int resOff, int resLd, boolean residualFirst) {
        if (bias == null && act == Activation.NONE && residual == null) return;
        float[] tmp = act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp();
        for (int i = r0; i < r0 + rows; i++) {
            int o = cOff + i * ldc + c0;
            if (bias != null) {
                if (biasPerRow) Elementwise.addScalar(c, o, bias[biasOff + i], cols);
                else Elementwise.addInPlace(c, o, bias, biasOff + c0, cols);
            }
            if (residual != null && residualFirst) Elementwise.addInPlace(c, o, residual, resOff + i * resLd + c0, cols);
            VectorMath.applyInPlace(act, c, o, cols, tmp);
            if (residual != null && !residualFirst) Elementwise.addInPlace(c, o, residual, resOff + i * resLd + c0, cols);
        }
    }
}
