package dev.isthmus.cli;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One model shared by 8 threads: every run gives exactly (bitwise) what a single-threaded run gives. */
class SharedModelThreadsTest {
    static final int THREADS = 8;

    static Map<String, Tensor> inputs(String fixture) throws Exception {
        TorchFixtures f = TorchFixtures.all().stream().filter(x -> x.name().equals(fixture)).findFirst().orElseThrow();
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (var e : f.inputs().entrySet()) in.put(e.getKey(), Npy.read(e.getValue(), null));
        return in;
    }

    static Path model(String fixture) throws Exception {
        return TorchFixtures.all().stream().filter(x -> x.name().equals(fixture)).findFirst().orElseThrow().model();
    }

    static List<float[]> flat(Map<String, Tensor> out) {
        List<float[]> l = new ArrayList<>();
        for (Tensor t : out.values()) l.add(t.toFloatArray());
        return l;
    }

    /** Runs {@code runs} times on each of 8 threads (alternately through Model.run and a per-thread Session). */
    static void hammer(String fixture, int modelThreads, int runs) throws Exception {
        Map<String, Tensor> in = inputs(fixture);
        List<float[]> expected;
        try (Model single = ModelLoader.load(model(fixture), 1)) {
            expected = flat(single.run(in));
        }
        try (Model shared = ModelLoader.load(model(fixture), modelThreads)) {
            ExecutorService ex = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    fs.add(ex.submit(() -> {
                        int checked = 0;
                        try (Session s = shared.newSession()) {
                            for (int r = 0; r < runs; r++) {
                                List<float[]> got = flat(r % 2 == 0 ? shared.run(in) : s.run(in));
                                for (int k = 0; k < expected.size(); k++) {
                                    assertArrayEquals(expected.get(k), got.get(k), fixture + " run " + r + " output " + k);
                                }
                                checked++;
                            }
                        }
                        return checked;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : fs) total += f.get();
                assertEquals(THREADS * runs, total);
            } finally {
                ex.shutdownNow();
            }
        }
    }

    @Test
    void transformerEightThreadsTimes500() throws Exception {
        hammer("transformer_bert", 2, 500);
    }

    @Test
    void gruAndCnnEightThreads() throws Exception {
        hammer("gru_bidir", 2, 100);
        hammer("cnn_mixed", 3, 100);
        hammer("embedding_transformer_i64", 1, 100);
    }
}
