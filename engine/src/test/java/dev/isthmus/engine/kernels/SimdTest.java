package dev.isthmus.engine.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The switch decides once and says what it decided; the surefire executions pin the width they expect. */
class SimdTest {
    @Test
    void reportsItsDecision() {
        String status = Simd.status();
        assertFalse(status == null || status.isBlank());
        if (Simd.enabled()) {
            assertTrue(status.startsWith("vector " + Simd.bits() + "-bit"), status);
            assertEquals(Simd.bits() / 32, Simd.lanes());
            assertTrue(Simd.bits() <= Simd.preferredBits());
        } else {
            assertTrue(status.startsWith("scalar: "), status);
            assertEquals(1, Simd.lanes());
        }
    }

    @Test
    void widthIsTheOneThisRunAskedFor() {
        String expected = System.getProperty("isthmus.test.expectedSimdBits");
        if (expected == null) { // the default run: the preferred species, unless SIMD is unavailable here
            if (Simd.enabled()) assertEquals(Simd.preferredBits(), Simd.bits(), Simd.status());
            return;
        }
        assertEquals(Integer.parseInt(expected), Simd.bits(), Simd.status());
    }

    @Test
    void registerFileIsOneOfTheKnownSizes() {
        int regs = Simd.vectorRegisters();
        assertTrue(regs == 16 || regs == 32, "registers " + regs);
    }
}
