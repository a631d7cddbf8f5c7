package dev.isthmus.engine.graph;

import dev.isthmus.engine.tensor.Shape;

/** Checks of input shapes for {@link Layer#outputShapes}; {@code -1} dims pass every check. */
public final class Shapes {
    private Shapes() {
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

    public static void dim(long[] s, int i, long expected, String what) {
        long d = s[i < 0 ? s.length + i : i];
        if (d >= 0 && d != expected) {
            throw new IllegalArgumentException("expects " + what + " = " + expected + ", the input " + Shape.toString(s) + " has " + d);
        }
    }

    /** d·k for known dims, -1 when either is unknown. */
    public static long mul(long a, long b) {
        return a < 0 || b < 0 ? -1 : a * b;
    }
}
