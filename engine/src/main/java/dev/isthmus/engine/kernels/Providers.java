package dev.isthmus.engine.kernels;

import dev.isthmus.engine.kernels.reference.ReferenceKernels;

/** Where {@link KernelProvider#get()} comes from: decided once, from {@link Simd}. */
final class Providers {
    private Providers() {
    }

    static final KernelProvider DEFAULT = Simd.enabled() ? vector() : reference();

    static KernelProvider reference() {
        return ReferenceKernels.INSTANCE;
    }

    static KernelProvider vector() {
        if (Simd.preferredBits() < 128) throw new IllegalStateException("the Vector API kernels cannot run here: " + Simd.status());
        return VectorHolder.INSTANCE;
    }

    /** Loaded on first use only, so that a JVM without the vector module never touches the vector classes. */
    private static final class VectorHolder {
        static final KernelProvider INSTANCE = new dev.isthmus.engine.kernels.vector.VectorKernels();
    }
}
