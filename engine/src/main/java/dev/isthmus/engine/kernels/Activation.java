package dev.isthmus.engine.kernels;

/** Elementwise activations that can be applied alone or fused into a kernel's epilogue. */
public enum Activation {
    NONE, RELU, GELU, GELU_TANH, SIGMOID, TANH, SILU, RELU6, HARDSWISH, HARDSIGMOID;

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
            case RELU6 -> x > 0f ? Math.min(x, 6f) : 0f;
            case HARDSWISH -> x * (Math.min(Math.max(x + 3f, 0f), 6f) / 6f);
            case HARDSIGMOID -> Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
        };
    }

    /** Applies in place to {@code a[from, to)}. */
    public void applyInPlace(float[] a, int from, int to) {
        if (this == NONE) return;
        for (int i = from; i < to; i++) a[i] = apply(a[i]);
    }
}
