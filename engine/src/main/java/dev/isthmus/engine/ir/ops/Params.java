package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.tensor.Tensor;

/** Parameters as the kernels take them. */
final class Params {
    private Params() {
    }

    /** The tensor's elements as floats (its own array when it is a heap F32 tensor; never written); null for null. */
    static float[] floats(Tensor t) {
        if (t == null) return null;
        float[] a = t.heapFloats();
        return a != null ? a : t.toFloatArray();
    }

    /**
     * {@link #floats}, for a caller that packs them (never writes them), after which a mapped file's pages are dropped
     * from resident memory (see {@link #releasePages}).
     */
    static float[] floatsReleasing(Tensor t) {
        float[] a = floats(t);
        releasePages(t);
        return a;
    }

    /**
     * Drops a mapped tensor's pages from resident memory (the tensor stays valid; a later read faults them in again),
     * so a file read once for packing is not held beside the packed forms. Nothing for heap tensors.
     */
    static void releasePages(Tensor t) {
        if (t != null && t.heapFloats() == null && t.segment().isMapped()) t.segment().unload();
    }

    /** Bytes of the tensors (null counts 0). */
    static long bytes(Tensor... ts) {
        long b = 0;
        for (Tensor t : ts) if (t != null) b += t.byteSize();
        return b;
    }
}
