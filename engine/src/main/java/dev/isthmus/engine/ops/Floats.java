package dev.isthmus.engine.ops;

import dev.isthmus.engine.tensor.Tensor;

/** The float view of a tensor that the reference layers compute on. */
final class Floats {
    private Floats() {
    }

    /** The tensor's elements as floats: its own array when it is a heap F32 tensor, else a converted copy. */
    static float[] of(Tensor t) {
        float[] a = t.heapFloats();
        return a != null ? a : t.toFloatArray();
    }

    /** Swaps the two outer axes: src (outer, inner, width) at {@code so} → dst (inner, outer, width) at {@code dOff}. */
    static void swapOuter(float[] src, int so, float[] dst, int dOff, int outer, int inner, int width) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) System.arraycopy(src, so + (o * inner + i) * width, dst, dOff + (i * outer + o) * width, width);
        }
    }

    static int size(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return Math.toIntExact(n);
    }
}
