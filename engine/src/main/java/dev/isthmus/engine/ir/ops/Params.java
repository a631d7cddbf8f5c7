package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.tensor.Tensor;

/** Parameters as the kernels take them. */
final class Params {
    private Params() {
    }

    /** The tensor's elements as floats (its own array when it is a heap F32 tensor; never written); null for null. */
    static float[] floats(Tensor t) {
        return t == null ? null : t.readFloats();
    }

    /**
     * {@link #floats}, for a caller that packs them (never writes them), after which a mapped file's pages are dropped
     * from resident memory ({@link Tensor#releasePages}).
     */
    static float[] floatsReleasing(Tensor t) {
        float[] a = floats(t);
        if (t != null) t.releasePages();
        return a;
    }

    /** ", int8 weights" or ", bf16 weights" for a summary when the weight is held narrow; "" otherwise. */
    static String narrowNote(Tensor weight) {
        if (weight == null) return "";
        if (weight.isQuantized()) return ", int8 weights";
        return weight.dtype() == dev.isthmus.engine.tensor.DType.BF16 ? ", bf16 weights" : "";
    }

    /** Bytes of the tensors (null counts 0). */
    static long bytes(Tensor... ts) {
        long b = 0;
        for (Tensor t : ts) if (t != null) b += t.byteSize();
        return b;
    }
}
