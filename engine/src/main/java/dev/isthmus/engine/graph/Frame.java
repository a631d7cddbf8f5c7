package dev.isthmus.engine.graph;

import dev.isthmus.engine.tensor.Tensor;

/**
 * Where a planned layer ({@link Layer#run}) reads its inputs and writes its results: slices of one buffer that a
 * session's plan owns, at offsets assigned by liveness. Built once per plan; nothing here is allocated per run.
 */
public final class Frame {
    /** The plan's buffer. */
    public final float[] buf;
    /** Offset of each float input in {@link #buf}; −1 for inputs that are not floats (see {@link #raw}). */
    public final int[] in;
    /** Concrete shape of each input. */
    public final long[][] inShape;
    /** Non-float inputs (token ids, masks) as given by the caller, refreshed every run; null entries for floats. */
    public final Tensor[] raw;
    /** Offset of each result in {@link #buf}. */
    public final int[] out;
    /** Concrete shape of each result. */
    public final long[][] outShape;
    /** Offset and size (floats) of the node's scratch region, live only while the node runs. */
    public final int scratch;
    public final int scratchSize;
    /** The model's threads. */
    public final ComputePool pool;

    public Frame(float[] buf, int[] in, long[][] inShape, Tensor[] raw, int[] out, long[][] outShape, int scratch, int scratchSize,
                 ComputePool pool) {
        this.buf = buf;
        this.in = in;
        this.inShape = inShape;
        this.raw = raw;
        this.out = out;
        this.outShape = outShape;
        this.scratch = scratch;
        this.scratchSize = scratchSize;
        this.pool = pool;
    }

    /** Elements of input {@code i}. */
    public int inSize(int i) {
        return size(inShape[i]);
    }

    /** Elements of result {@code i}. */
    public int outSize(int i) {
        return size(outShape[i]);
    }

    static int size(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return Math.toIntExact(n);
    }
}
