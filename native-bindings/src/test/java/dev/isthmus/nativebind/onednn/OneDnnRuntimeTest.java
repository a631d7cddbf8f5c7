package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.isthmus.nativebind.onednn.Nodes.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Threads, concurrency, plan caching, running on a plan's buffer, GEMM, and freeing on close. */
class OneDnnRuntimeTest {
    static final ComputePool POOL = ComputePool.single();
    static final Map<String, Object> GRU_ARGS = Map.of("input_size", 10, "hidden_size", 16, "num_layers", 2, "batch_first", true,
            "bidirectional", true);

    /** A 2-layer bidirectional batch_first GRU on (batch, steps, 10), results output and h_n. */
    static ModelSpec seedGru() {
        return Nodes.oneNode("GRU", "g", GRU_ARGS, 2, -1, -1, 10);
    }

    static Nodes.Weights gruWeights() {
        return recurrentWeights("g", 3, 77);
    }

    /** Weights of {@link #GRU_ARGS}' layers for a cell of {@code gates} gates (GRU 3, LSTM 4) named {@code name}. */
    static Nodes.Weights recurrentWeights(String name, int gates, long seed) {
        Nodes.Weights w = new Nodes.Weights(seed);
        for (int l = 0; l < 2; l++) {
            for (String r : new String[]{"", "_reverse"}) {
                w.add(name + ".weight_ih_l" + l + r, 0.25f, gates * 16, l == 0 ? 10 : 32);
                w.add(name + ".weight_hh_l" + l + r, 0.25f, gates * 16, 16);
                w.add(name + ".bias_ih_l" + l + r, 0.5f, gates * 16);
                w.add(name + ".bias_hh_l" + l + r, 0.5f, gates * 16);
            }
        }
        return w;
    }

    static Tensor sequence(int seed, int batch, int steps) {
        return Tensor.ofFloats(Nodes.random(new Random(seed), batch * steps * 10), batch, steps, 10);
    }

    @Test
    void theBackendsThreadCountIsWhatOpenMpUsesOnTheCallingThread() {
        LoadedLibrary lib = LoadedLibrary.require();
        Nodes.Weights w = gruWeights();
        try (Model one = Nodes.onednn(seedGru(), w, 1); Model two = Nodes.onednn(seedGru(), w, 2)) {
            assertEquals(List.of("onednn"), Nodes.backends(one));
            assertTrue(one.usesBackend());
            assertFalse(one.spins(), "the model's workers must not spin beside OpenMP's");
            Tensor x = sequence(1, 4, 9);
            List<Tensor> ya = Nodes.run(one, x);
            assertEquals(1, lib.currentThreads());
            List<Tensor> yb = Nodes.run(two, x);
            assertEquals(2, lib.currentThreads());
            assertClose("1 vs 2 threads", ya.get(0).toFloatArray(), yb.get(0).toFloatArray(), 1e-5);
            assertEquals(2, two.threads());
        }
        assertThrows(IllegalArgumentException.class, () -> OneDnnBackend.open(0));
    }

    @Test
    void autoRunsTheGruOnOneDnnFromItsMinimumBatchAndOnJavaBelowItWithTheSameResults() {
        Nodes.Weights w = gruWeights();
        int min = OneDnnAutoBackend.GRU_MIN_BATCH;
        // two threads: a one-thread pool has no workers to spin
        try (Model auto = Model.build(seedGru(), w, null, 2, dev.isthmus.engine.backend.Backends.open("auto", 2));
             Model java = Model.build(seedGru(), w, null, 2, null)) {
            assertEquals(List.of("onednn at batch ≥ " + min + ", else java"), Nodes.backends(auto));
            assertTrue(auto.usesBackend());
            assertFalse(auto.spins(), "a model with a layer that may run on oneDNN must not spin beside OpenMP");
            assertTrue(auto.backendPolicy().contains("GRU layers at batch ≥ " + min), auto.backendPolicy());
            assertFalse(java.usesBackend());
            assertTrue(java.spins());
            for (int batch : new int[]{1, min - 1, min, min + 3}) {
                Tensor x = sequence(batch, batch, 5);
                Nodes.assertSameResults("GRU at batch " + batch, Nodes.run(java, x), Nodes.run(auto, x), 1e-5);
                // oneDNN's layer (its own F32 copy of the weights) is made when a batch first needs it
                if (batch < min) assertEquals(java.heldBytes(), auto.heldBytes(), "batch " + batch + ": the Java layer alone");
                else assertTrue(auto.heldBytes() > java.heldBytes(), "batch " + batch + ": oneDNN's layer too");
            }
        }
        OneDnnAutoBackend.ByBatch pick = new OneDnnAutoBackend.ByBatch(f -> { }, f -> { }, true, 8);
        assertEquals(pick.java(), pick.pick(new long[]{7, 50, 100}));
        assertEquals(pick.onednn(), pick.pick(new long[]{8, 50, 100}));
        assertEquals(pick.java(), pick.pick(new long[]{50, 100}), "an unbatched sequence is one");
        OneDnnAutoBackend.ByBatch seqFirst = new OneDnnAutoBackend.ByBatch(f -> { }, f -> { }, false, 8);
        assertEquals(seqFirst.onednn(), seqFirst.pick(new long[]{50, 9, 100}));
    }

    @Test
    void autoLeavesConvolutionsLinearLayersAndPoolingToJavaAndLoadsNothingForThem() {
        Nodes.Weights w = new Nodes.Weights(5);
        w.add("fc.weight", 0.5f, 4, 6);
        w.add("fc.bias", 0.5f, 4);
        try (Model m = Model.build(Nodes.oneNode("Linear", "fc", Map.of("in_features", 6, "out_features", 4), 1, -1, 6), w, null, 2,
                dev.isthmus.engine.backend.Backends.open("auto", 2))) {
            assertEquals(List.of(Model.JAVA), Nodes.backends(m));
            assertFalse(m.usesBackend());
            assertTrue(m.spins(), "a model on the Java kernels alone spins between parallel sections");
            assertEquals(Model.JAVA, m.backendName());
        }
    }

    @Test
    void manyThreadsShareOneModel() throws Exception {
        try (Model gru = Nodes.onednn(seedGru(), gruWeights(), 1); ExecutorService ex = Executors.newFixedThreadPool(6)) {
            List<Tensor> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Tensor in = sequence(i, 3, 4 + i);
                inputs.add(in);
                expected.add(Nodes.run(gru, in).get(0).toFloatArray());
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    go.await();
                    // half the threads through sessions of their own, half through Model.run's pool of sessions
                    try (Session s = gru.newSession()) {
                        for (int r = 0; r < 200; r++) {
                            int i = (id + r) % 6;
                            float[] y = id % 2 == 0 ? s.run(Map.of("x", inputs.get(i))).get("y0").toFloatArray()
                                    : Nodes.run(gru, inputs.get(i)).get(0).toFloatArray();
                            assertArrayEquals(expected.get(i), y);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) f.get();
        }
    }

    @Test
    void closingWhileOtherThreadsRunNeverCrashes() throws Exception {
        for (int round = 0; round < 20; round++) {
            OneDnnBackend b = OneDnnBackend.open(1);
            Model gru = Model.build(seedGru(), gruWeights(), null, 1, b);
            Tensor in = sequence(round, 2, 5);
            try (ExecutorService ex = Executors.newFixedThreadPool(3)) {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    fs.add(ex.submit(() -> {
                        int ok = 0;
                        try {
                            for (int r = 0; r < 1000; r++) {
                                Nodes.run(gru, in);
                                ok++;
                            }
                        } catch (IllegalStateException closed) {
                            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                        }
                        return ok;
                    }));
                }
                Thread.sleep(2);
                gru.close();
                for (Future<Integer> f : fs) f.get();
            }
            assertEquals(0, b.openLayers());
        }
    }

    @Test
    void plansAreCachedPerShapeAndTheLeastRecentlyUsedIsDropped() {
        OneDnnBackend b = OneDnnBackend.open(1);
        try (Model gru = Model.build(seedGru(), gruWeights(), null, 1, b); Model ref = Nodes.reference(seedGru(), gruWeights())) {
            OneDnnLayerBase layer = b.layers().getFirst();
            int shapes = OneDnnBackend.PLANS_PER_LAYER + 5;
            for (int pass = 0; pass < 2; pass++) {
                for (int t = 1; t <= shapes; t++) {
                    Tensor in = sequence(t, 2, t);
                    assertClose("T=" + t, Nodes.run(ref, in).get(1).toFloatArray(), Nodes.run(gru, in).get(1).toFloatArray(), 1e-4);
                    assertTrue(layer.cachedPlans() <= OneDnnBackend.PLANS_PER_LAYER, layer.cachedPlans() + " plans");
                }
            }
            assertEquals(OneDnnBackend.PLANS_PER_LAYER, layer.cachedPlans());
            assertTrue(layer.implementation().contains("rnn") || !layer.implementation().isEmpty(), layer.implementation());
            // the weights, reordered once: 2 layers × 2 directions × (3·16·(10 or 32) + 3·16·16 + 4·16) floats, or more when padded
            assertTrue(gru.heldBytes() >= 4L * 2 * (3 * 16 * (10 + 32) + 2 * (3 * 16 * 16 + 4 * 16)), gru.heldBytes() + " bytes");
        }
        assertEquals(0, b.openLayers());
    }

    @Test
    void layersReadAndWriteTheirSlicesOfThePlansBuffer() {
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            Node gru = Nodes.lower(seedGru(), gruWeights()).nodes().getFirst();
            Node gruH0 = Nodes.lower(Nodes.oneNodeOf("GRU", "g", GRU_ARGS, 2, new long[]{-1, -1, 10}, new long[]{4, -1, 16}), gruWeights())
                    .nodes().getFirst();
            Nodes.Weights cw = new Nodes.Weights(3);
            cw.add("c.weight", 0.3f, 4, 2, 3, 3);
            cw.add("c.bias", 0.3f, 4);
            Node conv = Nodes.lower(Nodes.oneNode("Conv2d", "c", Map.of("in_channels", 2, "out_channels", 4, "kernel_size", 3, "padding", "same"),
                    1, -1, 2, -1, -1), cw).nodes().getFirst();
            Nodes.Weights fw = new Nodes.Weights(4);
            fw.add("fc.weight", 0.3f, 6, 7);
            fw.add("fc.bias", 0.3f, 6);
            Node fc = Nodes.lower(Nodes.oneNode("Linear", "fc", Map.of("in_features", 7, "out_features", 6), 1, -1, 7), fw).nodes().getFirst();
            Node pool = Nodes.lower(Nodes.oneNode("AvgPool2d", null, Map.of("kernel_size", 3, "stride", 2, "padding", 1, "ceil_mode", true),
                    1, -1, 2, -1, -1), new Nodes.Weights(0)).nodes().getFirst();

            checkFrame(b, gruH0, List.of(new long[]{3, 5, 10}, new long[]{4, 3, 16}));
            checkFrame(b, gru, List.of(new long[]{3, 5, 10}));
            checkFrame(b, conv, List.of(new long[]{2, 2, 7, 6}));
            checkFrame(b, fc, List.of(new long[]{3, 2, 7}));
            OneDnnPool2d avg = (OneDnnPool2d) checkFrame(b, pool, List.of(new long[]{2, 2, 7, 6}));
            assertEquals(0, avg.cachedPlans(), "a ceil_mode window past the padding with count_include_pad: the Java kernel");
            avg = (OneDnnPool2d) checkFrame(b, pool, List.of(new long[]{2, 2, 9, 9}));
            assertEquals(1, avg.cachedPlans(), "no overhang: oneDNN");
        }
    }

    /** Runs a node compiled by {@code b} through a frame, twice, against the node on the reference kernels. */
    private static OneDnnLayer checkFrame(OneDnnBackend b, Node node, List<long[]> shapes) {
        Executable e = b.compile(node);
        assertInstanceOf(OneDnnLayer.class, e, node.toString());
        Executable ref = node.op().compile(KernelProvider.reference());
        Random r = new Random(shapes.size());
        List<float[]> inputs = new ArrayList<>();
        for (long[] s : shapes) inputs.add(Nodes.random(r, (int) dev.isthmus.engine.tensor.Shape.numel(s)));
        List<float[]> want = Nodes.runFrame(ref, node, shapes, inputs, POOL);
        for (int rep = 0; rep < 2; rep++) {
            List<float[]> got = Nodes.runFrame(e, node, shapes, inputs, POOL);
            for (int i = 0; i < want.size(); i++) assertClose(node + " result " + i, want.get(i), got.get(i), 1e-4);
        }
        return (OneDnnLayer) e;
    }

    @Test
    void sgemmMatchesTheReference() {
        try (OneDnnBackend b = OneDnnBackend.open(2); Arena arena = Arena.ofConfined()) {
            int m = 37, n = 29, k = 53;
            Random r = new Random(9);
            float[] a = Nodes.random(r, m * k), bt = Nodes.random(r, n * k);
            MemorySegment sa = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a), sb = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bt);
            MemorySegment sc = arena.allocate(ValueLayout.JAVA_FLOAT, (long) m * n);
            b.sgemm(false, true, m, n, k, 1f, sa, k, sb, k, 0f, sc, n);
            float[] expected = new float[m * n];
            dev.isthmus.engine.kernels.reference.Gemm.matmulTransB(a, 0, bt, 0, null, 0, expected, 0, m, n, k,
                    dev.isthmus.engine.kernels.Activation.NONE);
            assertClose("sgemm", expected, sc.toArray(ValueLayout.JAVA_FLOAT), 1e-4);
            assertThrows(IllegalArgumentException.class, () -> b.sgemm(false, false, m, n, k, 1f, sa, k, sb, n, 0f,
                    arena.allocate(4), n));
        }
    }

    @Test
    void closingTheBackendClosesItsLayers() {
        OneDnnBackend b = OneDnnBackend.open(1);
        Node gruNode = Nodes.lower(seedGru(), gruWeights()).nodes().getFirst();
        Node poolNode = Nodes.lower(Nodes.oneNode("MaxPool2d", null, Map.of("kernel_size", 2), 1, 1, 1, 4, 4), new Nodes.Weights(0))
                .nodes().getFirst();
        OneDnnLayer gru = (OneDnnLayer) b.compile(gruNode), pool = (OneDnnLayer) b.compile(poolNode);
        assertEquals(2, b.openLayers());
        pool.close();
        assertEquals(1, b.openLayers());
        b.close();
        assertEquals(0, b.openLayers());
        assertThrows(IllegalStateException.class,
                () -> Nodes.runFrame(gru, gruNode, List.<long[]>of(new long[]{1, 1, 10}), List.of(new float[10]), POOL));
        assertThrows(IllegalStateException.class, () -> b.compile(gruNode));
        b.close();
    }
}
