package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;

import java.util.Objects;

/**
 * What {@link PackedGemm} does to each finished block of C, row by row: C = act(C + bias) + residual.
 * The bias runs along the columns (a Linear layer's, one per output feature) or along the rows (a convolution's, one
 * per output channel when the weights are the left operand); the residual has C's shape at its own offset and stride.
 * Immutable; build with {@link #of} and {@link #withResidual} — each call makes a new one, so build them once (at
 * load) rather than per call where allocation matters.
 */
public final class Epilogue {
    /** Nothing: C = A·B. */
    public static final Epilogue NONE = new Epilogue(null, 0, false, Activation.NONE, null, 0, 0);

    final float[] bias;
    final int biasOff;
    final boolean biasPerRow;
    final Activation act;
    final float[] residual;
    final int resOff, resLd;

    private Epilogue(float[] bias, int biasOff, boolean biasPerRow, Activation act, float[] residual, int resOff, int resLd) {
        this.bias = bias;
        this.biasOff = biasOff;
        this.biasPerRow = biasPerRow;
        this.act = Objects.requireNonNull(act, "act");
        this.residual = residual;
        this.resOff = resOff;
        this.resLd = resLd;
    }

    /** Bias per column (may be null) at bias[j], then {@code act}. */
    public static Epilogue of(float[] bias, Activation act) {
        return bias == null && act == Activation.NONE ? NONE : new Epilogue(bias, 0, false, act, null, 0, 0);
    }

    /** Bias per column at bias[off + j] (may be null), then {@code act}. */
    public static Epilogue of(float[] bias, int off, Activation act) {
        return new Epilogue(bias, off, false, act, null, 0, 0);
    }

    /** Bias per row at bias[off + i] (may be null), then {@code act}. */
    public static Epilogue perRow(float[] bias, int off, Activation act) {
        return new Epilogue(bias, off, true, act, null, 0, 0);
    }

    /** This epilogue, then C[i][j] += residual[off + i·ld + j]. */
    public Epilogue withResidual(float[] residual, int off, int ld) {
        return new Epilogue(bias, biasOff, biasPerRow, act, Objects.requireNonNull(residual, "residual"), off, ld);
    }

    /** Applies to rows [r0, r0 + rows) × columns [c0, c0 + cols) of C (row i at c[cOff + i·ldc]). */
    void apply(float[] c, int cOff, int ldc, int r0, int rows, int c0, int cols) {
        apply(c, cOff, ldc, r0, rows, c0, cols, bias, biasOff, biasPerRow, act, residual, resOff, resLd);
    }

    /** The same with the epilogue's parts spelled out (what {@link PackedGemm}'s reusable jobs hold). */
    static void apply(float[] c, int cOff, int ldc, int r0, int rows, int c0, int cols, float[] bias, int biasOff,
                      boolean biasPerRow, Activation act, float[] residual, int resOff, int resLd) {
        if (bias == null && act == Activation.NONE && residual == null) return;
        float[] tmp = act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp();
        for (int i = r0; i < r0 + rows; i++) {
            int o = cOff + i * ldc + c0;
            if (bias != null) {
                if (biasPerRow) Elementwise.addScalar(c, o, bias[biasOff + i], cols);
                else Elementwise.addInPlace(c, o, bias, biasOff + c0, cols);
            }
            VectorMath.applyInPlace(act, c, o, cols, tmp);
            if (residual != null) Elementwise.addInPlace(c, o, residual, resOff + i * resLd + c0, cols);
        }
    }
}
