package dev.isthmus.engine.tensor;

import java.util.Arrays;

/** Helpers for shapes held as {@code long[]} (row-major, outermost first). */
public final class Shape {
    private Shape() {
    }

    /** The number of elements; throws on overflow or negative dims. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Row-major strides in elements. */
    public static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Normalises a possibly negative dimension index against a rank, PyTorch style. */
    public static int dim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1)) {
            throw new IllegalArgumentException("dimension " + dim + " is out of range for rank " + rank);
        }
        return d;
    }

    /** Product of dims in [from, to). */
    public static long prod(long[] shape, int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        return n;
    }

    /** Formats a shape as {@code [2, 3]}; -1 dims print as {@code ?}. */
    public static String toString(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(", ");
            b.append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return b.append(']').toString();
    }

    /** Formats a shape as {@code 2x3}. */
    public static String toCompact(long[] shape) {
        if (shape.length == 0) return "scalar";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append('x');
            b.append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return b.toString();
    }

    public static long[] of(long... dims) {
        return dims.clone();
    }

    public static boolean equals(long[] a, long[] b) {
        return Arrays.equals(a, b);
    }
}
