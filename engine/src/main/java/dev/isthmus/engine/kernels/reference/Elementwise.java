package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Broadcast;
import dev.isthmus.engine.kernels.Unary;

/** Reference elementwise ops: one element at a time, PyTorch's float32 results. */
public final class Elementwise {
    private Elementwise() {
    }

    /** y[i] = act(x[i]); in place allowed. */
    public static void activation(Activation act, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = act.apply(x[xOff + i]);
    }

    /** y[i] = op(x[i]) with parameters p, q; in place allowed. */
    public static void unary(Unary op, double p, double q, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = op.apply(x[xOff + i], p, q);
    }

    /** y = act(op(a, b)) over the broadcast {@code s}; y may be an operand of y's shape at the same offset. */
    public static void binary(Binary op, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, Broadcast s, Activation act) {
        int inner = s.inner(), ai = s.aInner(), bi = s.bInner();
        for (int r = 0; r < s.runs(); r++) {
            int ao = aOff + s.aStart(r), bo = bOff + s.bStart(r), yo = yOff + r * inner;
            for (int i = 0; i < inner; i++) y[yo + i] = act.apply(op.apply(a[ao + i * ai], b[bo + i * bi]));
        }
    }

    /** The integer form on I64 buffers. */
    public static void binary(Binary op, long[] a, int aOff, long[] b, int bOff, long[] y, int yOff, Broadcast s) {
        int inner = s.inner(), ai = s.aInner(), bi = s.bInner();
        for (int r = 0; r < s.runs(); r++) {
            int ao = aOff + s.aStart(r), bo = bOff + s.bStart(r), yo = yOff + r * inner;
            for (int i = 0; i < inner; i++) y[yo + i] = op.apply(a[ao + i * ai], b[bo + i * bi]);
        }
    }
}
