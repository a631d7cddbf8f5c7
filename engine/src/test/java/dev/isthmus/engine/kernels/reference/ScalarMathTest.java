package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.ScalarMath;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The double-precision oracle functions against tabulated values. */
class ScalarMathTest {
    @Test
    void erfMatchesTabulatedValues() {
        double[][] table = {
                {0.0, 0.0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149},
                {1.5, 0.9661051464753108}, {2.0, 0.9953222650189527}, {2.9, 0.9999589021219005},
                {3.0, 0.9999779095030014}, {3.5, 0.9999992569016276}, {4.5, 0.9999999998033839}, {7.0, 1.0}};
        for (double[] row : table) {
            assertEquals(row[1], ScalarMath.erf(row[0]), 1e-14, "erf(" + row[0] + ")");
            assertEquals(-row[1], ScalarMath.erf(-row[0]), 1e-14, "erf(-" + row[0] + ")");
        }
    }

    @Test
    void geluForms() {
        assertEquals(0.8413447460685429, ScalarMath.gelu(1.0), 1e-14);
        assertEquals(-0.15865525393145707, ScalarMath.gelu(-1.0), 1e-14);
        assertEquals(0.8411919906082768, ScalarMath.geluTanh(1.0), 1e-14);
        assertEquals(0.7310585786300049, ScalarMath.sigmoid(1.0), 1e-15);
        assertEquals(0.7310585786300049, ScalarMath.silu(1.0), 1e-15);
    }
}
