package dev.isthmus.engine.ir;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.tensor.DType;

/**
 * Where an {@link Executable} reads its inputs and writes its results: slices of a plan's two buffers (floats for F32
 * tensors, longs for I64 and BOOL tensors) at offsets assigned by liveness, with every shape concrete and every size
 * value known. Made once per plan and node; nothing here is allocated per run.
 */
public final class Frame {
    /** The plan's float buffer (F32 tensors). */
    public final float[] buf;
    /** The plan's integer buffer (I64 and BOOL tensors, BOOL as 0 / 1). */
    public final long[] ints;
    /** Offset of each input in {@link #buf} or {@link #ints} (by its dtype); −1 for size values. */
    public final int[] in;
    /** Concrete shape of each tensor input (empty for size values). */
    public final long[][] inShape;
    /** Dtype of each input: F32, I64 or BOOL for tensors, I64 or F64 for size values. */
    public final DType[] inType;
    /** The value of each size input (NaN for tensors). */
    public final double[] scalar;
    /** Offset of each result. */
    public final int[] out;
    /** Concrete shape of each result. */
    public final long[][] outShape;
    /** Dtype of each result. */
    public final DType[] outType;
    /** Offset and size (floats) in {@link #buf} of the node's scratch region, live only while the node runs. */
    public final int scratch;
    public final int scratchSize;
    /** The model's threads. */
    public final ComputePool pool;
    /** What the executable's {@link Executable#prepare} computed for this plan (e.g. broadcast strides). */
    public Object state;

    public Frame(float[] buf, long[] ints, int[] in, long[][] inShape, DType[] inType, double[] scalar, int[] out,
                 long[][] outShape, DType[] outType, int scratch, int scratchSize, ComputePool pool) {
        this.buf = buf;
        this.ints = ints;
        this.in = in;
        this.inShape = inShape;
        this.inType = inType;
        this.scalar = scalar;
        this.out = out;
        this.outShape = outShape;
        this.outType = outType;
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

    /** Inputs given to the node (some may be size values). */
    public int inputs() {
        return in.length;
    }

    static int size(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return Math.toIntExact(n);
    }
}
