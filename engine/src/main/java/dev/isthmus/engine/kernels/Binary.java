package dev.isthmus.engine.kernels;

/** Elementwise functions of two tensors, broadcast as PyTorch does. */
public enum Binary {
    ADD, SUB, MUL, DIV;

    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    /** The integer form (I64 tensors); DIV is not integer arithmetic. */
    public long apply(long a, long b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> throw new IllegalArgumentException("integer division of tensors");
        };
    }
}
