package dev.isthmus.engine.ir;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.Arrays;

/**
 * What a value of the graph is: a tensor (dtype and shape, {@code -1} for a dimension not known until run time), a
 * size value (an integer or a number computed from shapes, {@code null} while unknown) or a tuple of sizes (the result
 * of {@code size()}, {@code -1} items unknown). Size values are worked out when a session plans the model for its
 * input shapes; they never cost time per run. Immutable.
 */
public final class ValueType {
    /** The three kinds of values. */
    public enum Kind { TENSOR, SCALAR, TUPLE }

    private final Kind kind;
    private final DType dtype;
    private final long[] shape;
    private final Number scalar;
    /** For an integer size value not known yet: the free dimension it equals (a symbol ≤ −2), else 0. */
    private final long symbol;

    private ValueType(Kind kind, DType dtype, long[] shape, Number scalar) {
        this(kind, dtype, shape, scalar, 0);
    }

    private ValueType(Kind kind, DType dtype, long[] shape, Number scalar, long symbol) {
        this.kind = kind;
        this.dtype = dtype;
        this.shape = shape;
        this.scalar = scalar;
        this.symbol = symbol;
    }

    /** A tensor of {@code dtype} (F32, I64 or BOOL inside the engine) and {@code shape}. */
    public static ValueType tensor(DType dtype, long... shape) {
        return new ValueType(Kind.TENSOR, dtype, shape.clone(), null);
    }

    /** An F32 tensor. */
    public static ValueType f32(long... shape) {
        return tensor(DType.F32, shape);
    }

    /** An integer size value; null when not known yet. */
    public static ValueType integer(Long value) {
        return new ValueType(Kind.SCALAR, DType.I64, new long[0], value);
    }

    /**
     * An integer size value not known until run time that equals the free dimension {@code symbol}. A free dimension
     * of a model input is a symbol (a number ≤ −2 in a shape, where −1 is a size nobody can name) that the shapes
     * derived from it keep, so that {@code x.view(x.size(0), x.size(1), 4, -1)} knows its last size at load.
     */
    public static ValueType symbolic(long symbol) {
        if (symbol > -2) return integer(null);
        return new ValueType(Kind.SCALAR, DType.I64, new long[0], null, symbol);
    }

    /** The free dimension an unknown integer size value equals (≤ −2), or 0. */
    public long symbol() {
        return symbol;
    }

    /** A floating size value (e.g. {@code size(-1) ** 0.5}); null when not known yet. */
    public static ValueType number(Double value) {
        return new ValueType(Kind.SCALAR, DType.F64, new long[0], value);
    }

    /** A tuple of sizes, {@code -1} for items not known yet. */
    public static ValueType tuple(long... items) {
        return new ValueType(Kind.TUPLE, DType.I64, items.clone(), null);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isTensor() {
        return kind == Kind.TENSOR;
    }

    public boolean isScalar() {
        return kind == Kind.SCALAR;
    }

    public boolean isTuple() {
        return kind == Kind.TUPLE;
    }

    /** The tensor's element type; I64 or F64 for a size value. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the tensor's shape, or of the tuple's items. */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape without a copy; callers must not modify it. */
    public long[] dims() {
        return shape;
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} (negative counts from the end). */
    public long dim(int i) {
        return shape[Shape.dim(i, shape.length)];
    }

    /** True when every dimension (or tuple item) is known. */
    public boolean isConcrete() {
        if (kind == Kind.SCALAR) return scalar != null;
        for (long d : shape) if (d < 0) return false;
        return true;
    }

    /** The size value, or null when unknown (or not a scalar). */
    public Number scalar() {
        return scalar;
    }

    /** Elements of a tensor whose shape is known. */
    public long numel() {
        return Shape.numel(shape);
    }

    /** The same kind and dtype with another shape. */
    public ValueType withShape(long... s) {
        return new ValueType(kind, dtype, s.clone(), scalar);
    }

    /** The same shape with another dtype. */
    public ValueType withDtype(DType t) {
        return new ValueType(kind, t, shape, scalar);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueType v && v.kind == kind && v.dtype == dtype && Arrays.equals(v.shape, shape)
                && java.util.Objects.equals(v.scalar, scalar) && v.symbol == symbol;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + kind.hashCode();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TENSOR -> dtype + Shape.toString(shape);
            case SCALAR -> scalar == null ? (dtype == DType.I64 ? "int ?" : "number ?") : scalar.toString();
            case TUPLE -> "size" + Shape.toString(shape);
        };
    }
}
