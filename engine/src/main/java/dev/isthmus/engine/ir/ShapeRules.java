package dev.isthmus.engine.ir;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * The checks ops make in {@link Op#infer}: counts, kinds, ranks, sizes, broadcasting. A {@code -1} dimension passes
 * every check at load; the same checks run again with concrete shapes when a session plans the model. Each failure is
 * an {@link IllegalArgumentException} saying which rule the inputs break.
 */
public final class ShapeRules {
    private ShapeRules() {
    }

    /** Between {@code min} and {@code max} inputs. */
    public static void arity(List<ValueType> in, int min, int max) {
        if (in.size() < min || in.size() > max) {
            throw new IllegalArgumentException("takes " + (min == max ? "" + min : min + "–" + max) + " input" + (max == 1 ? "" : "s")
                    + ", got " + in.size());
        }
    }

    /** Input {@code i}, which must be a tensor. */
    public static ValueType tensor(List<ValueType> in, int i) {
        ValueType t = in.get(i);
        if (!t.isTensor()) throw new IllegalArgumentException("input " + i + " must be a tensor, got the size value " + t);
        return t;
    }

    /** Input {@code i}, which must be an F32 tensor. */
    public static ValueType floats(List<ValueType> in, int i) {
        ValueType t = tensor(in, i);
        if (t.dtype() != DType.F32) throw new IllegalArgumentException("input " + i + " must be floating point, got " + t.dtype());
        return t;
    }

    /** Input {@code i}, which must be an integer tensor (I64 or BOOL). */
    public static ValueType integers(List<ValueType> in, int i) {
        ValueType t = tensor(in, i);
        if (t.dtype() == DType.F32) throw new IllegalArgumentException("input " + i + " must hold integers, got " + t.dtype());
        return t;
    }

    public static void rank(long[] s, int... allowed) {
        for (int r : allowed) if (s.length == r) return;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) b.append(i == 0 ? "" : " or ").append(allowed[i]);
        throw new IllegalArgumentException("expects an input of rank " + b + ", got " + Shape.toString(s));
    }

    public static void minRank(long[] s, int min) {
        if (s.length < min) throw new IllegalArgumentException("expects an input of rank ≥ " + min + ", got " + Shape.toString(s));
    }

    /** Dimension {@code i} (negative from the end) equals {@code expected} unless unknown. */
    public static void dim(long[] s, int i, long expected, String what) {
        long d = s[i < 0 ? s.length + i : i];
        if (d >= 0 && d != expected) {
            throw new IllegalArgumentException("expects " + what + " = " + expected + ", the input " + Shape.toString(s) + " has " + d);
        }
    }

    /** a·b for known sizes, -1 when either is unknown. */
    public static long mul(long a, long b) {
        return a < 0 || b < 0 ? -1 : a * b;
    }

    /** A dimension index normalised against {@code rank}, PyTorch style (−1 = last). */
    public static int axis(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) throw new IllegalArgumentException("dimension " + dim + " is out of range for rank " + rank);
        return dim < 0 ? dim + r : dim;
    }

    /**
     * PyTorch's broadcast of two shapes: aligned at the right, each pair of sizes equal or one of them 1. An unknown
     * size broadcast against 1 stays unknown; against n > 1 it must be n (checked again when known).
     */
    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] o = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.length ? 1 : a[i - (r - a.length)];
            long y = i < r - b.length ? 1 : b[i - (r - b.length)];
            long d;
            if (x == y) d = x;
            else if (x == 1) d = y;
            else if (y == 1) d = x;
            else if (x < 0) d = y;
            else if (y < 0) d = x;
            else throw new IllegalArgumentException("shapes " + Shape.toString(a) + " and " + Shape.toString(b)
                        + " cannot broadcast (dimension " + (i - r) + ": " + x + " against " + y + ")");
            o[i] = d;
        }
        return o;
    }

    /** True when every size is known. */
    public static boolean known(long[] s) {
        for (long d : s) if (d < 0) return false;
        return true;
    }

    /** The elements of a shape, or -1 when a size is unknown. */
    public static long numel(long[] s) {
        long n = 1;
        for (long d : s) {
            if (d < 0) return -1;
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
