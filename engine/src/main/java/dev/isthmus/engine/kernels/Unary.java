package dev.isthmus.engine.kernels;

/**
 * Elementwise functions of one tensor with up to two constant parameters p and q (the ops that are not
 * {@link Activation}s a kernel epilogue can apply): PyTorch's semantics, scalar reference values in {@link #apply}.
 */
public enum Unary {
    NEG, SQRT, RSQRT, EXP, LOG, ABS, RECIPROCAL,
    /** x ≥ 0 ? x : p·x */
    LEAKY_RELU,
    /** x > 0 ? x : p·(eˣ − 1) */
    ELU,
    /** min(max(x, p), q); NaN p or q = no bound */
    CLAMP,
    /** x + p */
    ADD,
    /** x · p */
    MUL,
    /** x / p */
    DIV,
    /** p − x */
    RSUB,
    /** p / x */
    RDIV,
    /** xᵖ */
    POW;

    /** The reference value. */
    public float apply(float x, double p, double q) {
        return switch (this) {
            case NEG -> -x;
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case ABS -> Math.abs(x);
            case RECIPROCAL -> 1f / x;
            case LEAKY_RELU -> x >= 0 ? x : (float) (p * x);
            case ELU -> x > 0 ? x : (float) (p * Math.expm1(x));
            case CLAMP -> {
                float y = x;
                if (!Double.isNaN(p) && y < p) y = (float) p;
                if (!Double.isNaN(q) && y > q) y = (float) q;
                yield y;
            }
            case ADD -> x + (float) p;
            case MUL -> x * (float) p;
            case DIV -> x / (float) p;
            case RSUB -> (float) p - x;
            case RDIV -> (float) p / x;
            case POW -> p == 2 ? x * x : p == 0.5 ? (float) Math.sqrt(x) : (float) Math.pow(x, p);
        };
    }
}
