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

    /** Bytes of the tensors (null counts 0). */
    static long bytes(Tensor... ts) {
        long b = 0;
        for (Tensor t : ts) if (t != null) b += t.byteSize();
        return b;
    }
}
