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

    static int size(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return Math.toIntExact(n);
    }
}
