package dev.isthmus.engine.kernels;

/** Elementwise activations that can be applied alone or fused into a kernel's epilogue. */
public enum Activation {
    NONE, RELU, GELU, GELU_TANH, SIGMOID, TANH, SILU;

    /** The scalar reference value. */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0f ? x : 0f;
            case GELU -> (float) ScalarMath.gelu(x);
            case GELU_TANH -> (float) ScalarMath.geluTanh(x);
            case SIGMOID -> (float) ScalarMath.sigmoid(x);
            case TANH -> (float) Math.tanh(x);
            case SILU -> (float) ScalarMath.silu(x);
        };
    }

    /** Applies in place to {@code a[from, to)}. */
    public void applyInPlace(float[] a, int from, int to) {
        if (this == NONE) return;
        for (int i = from; i < to; i++) a[i] = apply(a[i]);
    }
}
