package dev.isthmus.engine.kernels;

/**
 * Copies a strided view of a dense tensor into a dense result: result element (i₀, …, iₙ₋₁) of {@link #dims} is
 * source element {@code base + Σ iₖ·strideₖ}. Permutes, transposes, slices and gathers along one axis are all this;
 * the last dimension runs as {@link System#arraycopy} when its stride is 1. Worked out once per plan; {@link #copy}
 * allocates nothing but must not run on two threads at once (it keeps its position in a field).
 */
public final class StridedCopy {
    private final int[] dims, strides;
    private final int base, size;
    private final int[] at;

    /**
     * @param dims    the result's dimensions
     * @param strides the source's stride for each (elements; may be 0 or any value)
     * @param base    the source element of index (0, …, 0)
     */
    public StridedCopy(long[] dims, long[] strides, long base) {
        // drop size-1 dimensions; merge neighbours that are contiguous in the source
        int[] d = new int[dims.length], s = new int[dims.length];
        int r = 0;
        long total = 1;
        for (int i = 0; i < dims.length; i++) {
            total *= dims[i];
            if (dims[i] == 1) continue;
            if (r > 0 && s[r - 1] == strides[i] * dims[i]) {
                d[r - 1] *= (int) dims[i];
                s[r - 1] = (int) strides[i];
                continue;
            }
            d[r] = Math.toIntExact(dims[i]);
            s[r] = Math.toIntExact(strides[i]);
            r++;
        }
        this.dims = java.util.Arrays.copyOf(d, r);
        this.strides = java.util.Arrays.copyOf(s, r);
        this.base = Math.toIntExact(base);
        this.size = Math.toIntExact(total);
        this.at = new int[r];
    }

    /** Elements of the result. */
    public int size() {
        return size;
    }

    /** dst[dOff …] = the view of src at sOff. */
    public void copy(float[] src, int sOff, float[] dst, int dOff) {
        if (size == 0) return;
        int r = dims.length;
        if (r == 0) {
            dst[dOff] = src[sOff + base];
            return;
        }
        int inner = dims[r - 1], is = strides[r - 1];
        java.util.Arrays.fill(at, 0);
        int src0 = sOff + base, o = dOff;
        for (int done = 0; done < size; done += inner) {
            if (is == 1) {
                System.arraycopy(src, src0, dst, o, inner);
            } else {
                for (int i = 0, p = src0; i < inner; i++, p += is) dst[o + i] = src[p];
            }
            o += inner;
            src0 = advance(src0);
        }
    }

    /** The same on long buffers. */
    public void copy(long[] src, int sOff, long[] dst, int dOff) {
        if (size == 0) return;
        int r = dims.length;
        if (r == 0) {
            dst[dOff] = src[sOff + base];
            return;
        }
        int inner = dims[r - 1], is = strides[r - 1];
        java.util.Arrays.fill(at, 0);
        int src0 = sOff + base, o = dOff;
        for (int done = 0; done < size; done += inner) {
            if (is == 1) {
                System.arraycopy(src, src0, dst, o, inner);
            } else {
                for (int i = 0, p = src0; i < inner; i++, p += is) dst[o + i] = src[p];
            }
            o += inner;
            src0 = advance(src0);
        }
    }

    /** Moves to the next row (all dimensions but the last), returning its source start. */
    private int advance(int src0) {
        for (int k = dims.length - 2; k >= 0; k--) {
            if (++at[k] < dims[k]) return src0 + strides[k];
            src0 -= (dims[k] - 1) * strides[k];
            at[k] = 0;
        }
        return src0;
    }
}
