package dev.isthmus.engine.kernels.vector;

import jdk.incubator.vector.FloatVector;

/** Asks the Vector API for the preferred width. Kept apart from {@link Species} so that {@code Simd} can call it
 * while it is still deciding (Species reads Simd's decision). */
public final class VectorProbe {
    private VectorProbe() {
    }

    /** Bits of {@code FloatVector.SPECIES_PREFERRED} (capped by the CPU and {@code -XX:MaxVectorSize}). */
    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
