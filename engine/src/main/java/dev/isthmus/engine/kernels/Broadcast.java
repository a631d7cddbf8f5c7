package dev.isthmus.engine.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * How two dense operands meet in an elementwise op with PyTorch's broadcasting, worked out once per plan: the result
 * is walked as {@link #runs()} runs of {@link #inner()} elements, in order; in a run each operand either advances
 * with the result (stride 1) or repeats one element (stride 0). Dimensions of size 1 are dropped and neighbouring
 * dimensions that stay contiguous in both operands are merged, so a bias over channels, a squeeze-and-excitation
 * gate (N, C, 1, 1) over (N, C, H, W) and a same-shape add are all a few long runs. Immutable.
 */
public final class Broadcast {
    private final int inner, runs;
    private final int aInner, bInner;
    /** The outer (collapsed) dimensions, outermost first, and each operand's stride along them. */
    private final int[] dims, aStride, bStride;
    private final int size;

    private Broadcast(int inner, int aInner, int bInner, int[] dims, int[] aStride, int[] bStride) {
        this.inner = inner;
        this.aInner = aInner;
        this.bInner = bInner;
        this.dims = dims;
        this.aStride = aStride;
        this.bStride = bStride;
        long r = 1;
        for (int d : dims) r *= d;
        this.runs = Math.toIntExact(r);
        this.size = Math.toIntExact((long) runs * inner);
    }

    /** The broadcast of concrete shapes {@code a} and {@code b} into {@code out} (their broadcast shape). */
    public static Broadcast of(long[] a, long[] b, long[] out) {
        int r = out.length;
        List<long[]> kept = new ArrayList<>(); // [size, aStride, bStride]
        long as = 1, bs = 1;
        long[] aSt = new long[r], bSt = new long[r];
        for (int i = r - 1; i >= 0; i--) {
            long ad = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long bd = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            aSt[i] = ad == 1 ? 0 : as;
            bSt[i] = bd == 1 ? 0 : bs;
            as *= ad;
            bs *= bd;
        }
        for (int i = 0; i < r; i++) {
            if (out[i] == 1) continue;
            if (!kept.isEmpty()) {
                long[] prev = kept.get(kept.size() - 1);
                if (prev[1] == aSt[i] * out[i] && prev[2] == bSt[i] * out[i]) { // contiguous continuation in both
                    prev[0] *= out[i];
                    prev[1] = aSt[i];
                    prev[2] = bSt[i];
                    continue;
                }
            }
            kept.add(new long[]{out[i], aSt[i], bSt[i]});
        }
        for (long d : out) if (d == 0) kept = List.of(new long[]{0, 1, 1});
        if (kept.isEmpty()) return new Broadcast(1, 1, 1, new int[0], new int[0], new int[0]);
        long[] last = kept.get(kept.size() - 1);
        int n = kept.size() - 1;
        int[] dims = new int[n], aS = new int[n], bS = new int[n];
        for (int i = 0; i < n; i++) {
            dims[i] = Math.toIntExact(kept.get(i)[0]);
            aS[i] = Math.toIntExact(kept.get(i)[1]);
            bS[i] = Math.toIntExact(kept.get(i)[2]);
        }
        return new Broadcast(Math.toIntExact(last[0]), (int) last[1], (int) last[2], dims, aS, bS);
    }

    /** Elements per run. */
    public int inner() {
        return inner;
    }

    /** Number of runs. */
    public int runs() {
        return runs;
    }

    /** Elements of the result. */
    public int size() {
        return size;
    }

    /** Operand a's stride within a run: 1, or 0 when it repeats one element. */
    public int aInner() {
        return aInner;
    }

    public int bInner() {
        return bInner;
    }

    /** Where run {@code r} starts in operand a (elements from a's start). */
    public int aStart(int r) {
        return start(r, aStride);
    }

    public int bStart(int r) {
        return start(r, bStride);
    }

    private int start(int r, int[] stride) {
        int off = 0;
        for (int i = dims.length - 1; i >= 0 && r > 0; i--) {
            int d = dims[i];
            off += (r % d) * stride[i];
            r /= d;
        }
        return off;
    }

    @Override
    public String toString() {
        return "Broadcast[" + runs + " runs × " + inner + ", a " + aInner + ", b " + bInner + "]";
    }
}
