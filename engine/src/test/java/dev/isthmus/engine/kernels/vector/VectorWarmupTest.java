package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.KernelWarmup;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up's exercises run without error on every family (the warm-up thread swallows errors so that it can never
 * hurt a model: this is where they would show), and a model's warm-up can be stopped and awaited.
 */
class VectorWarmupTest {
    @Test
    void everyFamilysExercisesRun() {
        KernelWarmup.Warmer w = Check.VECTOR.warmer();
        assertNotNull(w);
        for (int r = 0; r < 3; r++) w.round(EnumSet.allOf(KernelWarmup.Family.class), r * 40);
    }

    @Test
    void theReferenceHasNothingToWarmAndAWarmUpStopsWhenAsked() {
        assertNull(KernelProvider.reference().warmer());
        KernelWarmup w = KernelWarmup.start(Check.VECTOR, EnumSet.of(KernelWarmup.Family.GEMM));
        w.stop();
        assertTrue(w.await(60_000));
        assertTrue(KernelWarmup.start(KernelProvider.reference(), EnumSet.allOf(KernelWarmup.Family.class)).await(0));
    }
}
