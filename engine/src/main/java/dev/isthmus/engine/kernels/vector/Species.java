package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every vector kernel uses, fixed once from {@link Simd} (static finals, so C2 folds them). When
 * SIMD is off the kernels are not called by the layers; the species is then the preferred one so that tests can still
 * run the vector kernels directly.
 */
public final class Species {
    private Species() {
    }

    /** The float species of all kernels. */
    public static final VectorSpecies<Float> F = Simd.enabled()
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(Simd.bits()))
            : FloatVector.SPECIES_PREFERRED;

    /** Floats per vector. */
    public static final int L = F.length();

    /** True when the register file has 32 vector registers (AVX-512, NEON): selects the wide register tiles. */
    public static final boolean WIDE_REGISTERS = Simd.vectorRegisters() >= 32;
}
