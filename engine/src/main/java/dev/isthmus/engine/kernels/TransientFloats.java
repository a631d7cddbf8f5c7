package dev.isthmus.engine.kernels;

import java.lang.ref.SoftReference;

/**
 * A float array per thread for data read once while a kernel packs its weights (the weights as the file holds them,
 * BatchNorm folded in; a transform of them). Each layer used to read them into an array of its own, dropped at
 * once: packing ResNet-50 left 90 MB of such arrays in the old generation, which a serial collector keeps until a
 * full collection, so they counted in the process's peak memory. Reusing one array per thread (grown as needed, and
 * softly held, so memory pressure can take it) keeps that to the largest layer's size.
 *
 * <p>What {@link #get} returns is valid until the next {@code get} of the same instance on the same thread and may be
 * longer than asked; a kernel that keeps the values copies them.
 */
public final class TransientFloats {
    private final ThreadLocal<SoftReference<float[]>> local = new ThreadLocal<>();

    /** An array of at least {@code n} floats, its contents undefined. */
    public float[] get(int n) {
        SoftReference<float[]> ref = local.get();
        float[] a = ref == null ? null : ref.get();
        if (a == null || a.length < n) {
            a = new float[a == null ? n : Math.max(n, a.length + a.length / 2)];
            local.set(new SoftReference<>(a));
        }
        return a;
    }
}
