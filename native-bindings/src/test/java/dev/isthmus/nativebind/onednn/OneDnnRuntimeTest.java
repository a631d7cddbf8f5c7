package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.spec.NodeSpec;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Threads, concurrency, plan caching, the planned (Frame) path, GEMM, and freeing on close. */
class OneDnnRuntimeTest {
    static final ComputePool POOL = ComputePool.single();

    static NodeSpec seedGru() {
        return Nodes.node("GRU", "g", Map.of("input_size", 10, "hidden_size", 16, "num_layers", 2, "batch_first", true, "bidirectional", true));
    }

    static Nodes.Weights gruWeights() {
        Nodes.Weights w = new Nodes.Weights(77);
        for (int l = 0; l < 2; l++) {
            for (String r : new String[]{"", "_reverse"}) {
                w.add("g.weight_ih_l" + l + r, 0.25f, 48, l == 0 ? 10 : 32);
                w.add("g.weight_hh_l" + l + r, 0.25f, 48, 16);
                w.add("g.bias_ih_l" + l + r, 0.5f, 48);
                w.add("g.bias_hh_l" + l + r, 0.5f, 48);
            }
        }
        return w;
    }

    @Test
    void theBackendsThreadCountIsWhatOpenMpUsesOnTheCallingThread() {
        LoadedLibrary lib = LoadedLibrary.require();
        try (OneDnnBackend one = OneDnnBackend.open(1); OneDnnBackend two = OneDnnBackend.open(2)) {
            Nodes.Weights w = gruWeights();
            OneDnnLayer a = Nodes.onednn(one, seedGru(), w), b = Nodes.onednn(two, seedGru(), w);
            List<Tensor> in = List.of(Tensor.ofFloats(Nodes.random(new Random(1), 4 * 9 * 10), 4, 9, 10));
            List<Tensor> ya = a.forward(in, POOL);
            assertEquals(1, lib.currentThreads());
            List<Tensor> yb = b.forward(in, POOL);
            assertEquals(2, lib.currentThreads());
            assertClose("1 vs 2 threads", ya.get(0).toFloatArray(), yb.get(0).toFloatArray(), 1e-5);
            assertEquals(1, one.threads());
        }
        assertThrows(IllegalArgumentException.class, () -> OneDnnBackend.open(0));
    }

    @Test
    void manyThreadsShareOneLayer() throws Exception {
        try (OneDnnBackend b = OneDnnBackend.open(1); ExecutorService ex = Executors.newFixedThreadPool(6)) {
            OneDnnLayer gru = Nodes.onednn(b, seedGru(), gruWeights());
            List<List<Tensor>> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                List<Tensor> in = List.of(Tensor.ofFloats(Nodes.random(new Random(i), 3 * (4 + i) * 10), 3, 4 + i, 10));
                inputs.add(in);
                expected.add(gru.forward(in, POOL).get(0).toFloatArray());
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    go.await();
                    for (int r = 0; r < 200; r++) {
                        int i = (id + r) % 6;
                        assertArrayEquals(expected.get(i), gru.forward(inputs.get(i), POOL).get(0).toFloatArray());
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
            OneDnnLayer gru = Nodes.onednn(b, seedGru(), gruWeights());
            List<Tensor> in = List.of(Tensor.ofFloats(Nodes.random(new Random(round), 2 * 5 * 10), 2, 5, 10));
            try (ExecutorService ex = Executors.newFixedThreadPool(3)) {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    fs.add(ex.submit(() -> {
                        int ok = 0;
                        try {
                            for (int r = 0; r < 1000; r++) {
                                gru.forward(in, POOL);
                                ok++;
                            }
                        } catch (IllegalStateException closed) {
                            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                        }
                        return ok;
                    }));
                }
                Thread.sleep(2);
                b.close();
                for (Future<Integer> f : fs) f.get();
            }
            assertEquals(0, b.openLayers());
        }
    }

    @Test
    void plansAreCachedPerShapeAndTheLeastRecentlyUsedIsDropped() {
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            OneDnnLayer gru = Nodes.onednn(b, seedGru(), gruWeights());
            Layer java = Nodes.java(seedGru(), gruWeights());
            int shapes = OneDnnBackend.PLANS_PER_LAYER + 5;
            for (int pass = 0; pass < 2; pass++) {
                for (int t = 1; t <= shapes; t++) {
                    List<Tensor> in = List.of(Tensor.ofFloats(Nodes.random(new Random(t), 2 * t * 10), 2, t, 10));
                    assertClose("T=" + t, java.forward(in, POOL).get(1).toFloatArray(), gru.forward(in, POOL).get(1).toFloatArray(), 1e-4);
                }
            }
            assertTrue(gru.implementation().contains("rnn") || !gru.implementation().isEmpty(), gru.implementation());
        }
    }

    @Test
    void thePlannedPathReadsAndWritesTheFrameBuffer() {
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            Nodes.Weights w = gruWeights();
            OneDnnLayer gru = Nodes.onednn(b, seedGru(), w);
            Nodes.Weights cw = new Nodes.Weights(3);
            cw.add("c.weight", 0.3f, 4, 2, 3, 3);
            cw.add("c.bias", 0.3f, 4);
            NodeSpec convNode = Nodes.node("Conv2d", "c", Map.of("in_channels", 2, "out_channels", 4, "kernel_size", 3, "padding", "same"));
            OneDnnLayer conv = Nodes.onednn(b, convNode, cw);
            NodeSpec poolNode = Nodes.node("AvgPool2d", null, Map.of("kernel_size", 3, "stride", 2, "padding", 1, "ceil_mode", true));
            OneDnnLayer pool = Nodes.onednn(b, poolNode, new Nodes.Weights(0));
            assertTrue(gru.isPlanned() && conv.isPlanned() && pool.isPlanned());

            checkFrame(gru, List.of(new long[]{3, 5, 10}, new long[]{4, 3, 16}));
            checkFrame(gru, List.of(new long[]{3, 5, 10}));
            checkFrame(conv, List.of(new long[]{2, 2, 7, 6}));
            checkFrame(pool, List.of(new long[]{2, 2, 7, 6}));  // overhang with count_include_pad: the Java fallback
            checkFrame(pool, List.of(new long[]{2, 2, 9, 9}));  // no overhang: oneDNN
        }
    }

    /** Runs {@code layer} through a hand-made frame (inputs and results at odd offsets of one buffer) and through forward. */
    private static void checkFrame(Layer layer, List<long[]> shapes) {
        List<long[]> outs = layer.outputShapes(shapes);
        Random r = new Random(shapes.size());
        int off = 5;
        int[] in = new int[shapes.size()], out = new int[outs.size()];
        List<Tensor> tensors = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            in[i] = off;
            int n = (int) dev.isthmus.engine.tensor.Shape.numel(shapes.get(i));
            float[] x = Nodes.random(r, n);
            data.add(x);
            tensors.add(Tensor.ofFloats(x, shapes.get(i)));
            off += n + 3;
        }
        for (int i = 0; i < outs.size(); i++) {
            out[i] = off;
            off += (int) dev.isthmus.engine.tensor.Shape.numel(outs.get(i)) + 7;
        }
        float[] buf = new float[off + 11];
        for (int i = 0; i < shapes.size(); i++) System.arraycopy(data.get(i), 0, buf, in[i], data.get(i).length);
        Frame f = new Frame(buf, in, shapes.toArray(long[][]::new), new Tensor[shapes.size()], out, outs.toArray(long[][]::new), 0, 0, POOL);
        for (int rep = 0; rep < 2; rep++) {
            layer.run(f);
            List<Tensor> expected = layer.forward(tensors, POOL);
            for (int i = 0; i < outs.size(); i++) {
                float[] e = expected.get(i).toFloatArray();
                float[] a = java.util.Arrays.copyOfRange(buf, out[i], out[i] + e.length);
                assertArrayEquals(e, a, "result " + i);
            }
        }
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
        OneDnnLayer gru = Nodes.onednn(b, seedGru(), gruWeights());
        OneDnnLayer pool = Nodes.onednn(b, Nodes.node("MaxPool2d", null, Map.of("kernel_size", 2)), new Nodes.Weights(0));
        assertEquals(2, b.openLayers());
        pool.close();
        assertEquals(1, b.openLayers());
        b.close();
        assertEquals(0, b.openLayers());
        assertThrows(IllegalStateException.class, () -> gru.forward(List.of(Tensor.ofFloats(new float[10], 1, 1, 10)), POOL));
        assertThrows(IllegalStateException.class, () -> b.create(new NodeArgs(seedGru()), new WeightBinder(gruWeights())));
        b.close();
    }
}
