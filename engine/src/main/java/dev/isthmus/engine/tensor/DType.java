package dev.isthmus.engine.tensor;

import java.util.Locale;

/**
 * Element types, named as in safetensors. F32 is the compute type: the reduced and integer types convert to F32 at
 * op boundaries.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
    I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16 || this == F8_E4M3 || this == F8_E5M2;
    }

    /** True for the integer types (not BOOL). */
    public boolean isInteger() {
        return !isFloating() && this != BOOL;
    }

    /** The dtype with this safetensors name (case-sensitive as in the format), or null when unknown. */
    public static DType fromName(String name) {
        if (name == null) return null;
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }

    /** Like {@link #fromName} but case-insensitive; for user-facing input. */
    public static DType parse(String name) {
        DType t = fromName(name == null ? null : name.toUpperCase(Locale.ROOT));
        if (t == null) throw new IllegalArgumentException("unknown dtype '" + name + "'");
        return t;
    }
}
