package dev.isthmus.engine.tensor;

/** Decoding of the two 8-bit float formats safetensors knows (OCP FP8: E4M3 "fn" and E5M2). */
final class Float8 {
    private Float8() {
    }

    /** E4M3 (fn variant: no infinities; S.1111.111 is NaN), bias 7. */
    static float e4m3ToFloat(byte b) {
        int v = b & 0xFF;
        int sign = (v >>> 7) != 0 ? -1 : 1;
        int exp = (v >>> 3) & 0xF;
        int man = v & 0x7;
        if (exp == 0xF && man == 0x7) return Float.NaN;
        if (exp == 0) return sign * (man / 8f) * 0x1p-6f;
        return sign * (1f + man / 8f) * (float) Math.scalb(1.0, exp - 7);
    }

    /** E5M2 (IEEE-like: infinities and NaNs), bias 15. */
    static float e5m2ToFloat(byte b) {
        int v = b & 0xFF;
        // E5M2 is the top byte of an IEEE half
        return Float.float16ToFloat((short) (v << 8));
    }
}
