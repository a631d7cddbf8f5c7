package dev.isthmus.cli;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state session runs of the seed models allocate (next to) nothing on the Java heap: measured with the
 * thread's allocation counter after warm-up, on one compute thread. (bench/ records the same with JMH -prof gc.)
 */
class SessionAllocationTest {
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().threadId());
    }

    static double bytesPerRun(String fixture) throws Exception {
        Map<String, Tensor> in = SharedModelThreadsTest.inputs(fixture);
        try (Model m = ModelLoader.load(SharedModelThreadsTest.model(fixture), 1); Session s = m.newSession()) {
            assertTrue(m.isPlanned(), fixture + " should run entirely in planned memory");
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 20 && best > 0; round++) {
                for (int i = 0; i < 300; i++) s.run(in); // warm-up: let C2 compile and scalar-replace
                long before = allocated();
                for (int i = 0; i < 50; i++) s.run(in);
                best = Math.min(best, (allocated() - before) / 50.0);
            }
            assertTrue(s.planCount() == 1, "one input shape, one plan");
            return best;
        }
    }

    @Test
    void seedModelsRunWithoutAllocating() throws Exception {
        for (String f : new String[]{"cnn_seed_b1", "cnn_seed", "gru_seed", "transformer_bert", "embedding_transformer_i64"}) {
            double b = bytesPerRun(f);
            System.out.println("session run allocation, " + f + ": " + b + " bytes/run");
            assertTrue(b <= 1024, f + ": " + b + " bytes per run (limit 1 KB)");
        }
    }
}
