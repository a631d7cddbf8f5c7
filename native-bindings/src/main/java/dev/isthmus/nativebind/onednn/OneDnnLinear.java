package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * {@code torch.nn.Linear} on oneDNN's matmul: y = x·Wᵀ + b over the last dimension of an input of any rank ≥ 1 (the
 * leading dimensions are rows M). The source and destination are row-major in place; PyTorch's weight (out, in) is
 * the K×N matrix Wᵀ in layout {@code ba}, requested in format {@code any} and reordered once. Bias (1, N) and an
 * optional ReLU are fused.
 */
public final class OneDnnLinear extends OneDnnLayerBase {
    final int in, out;
    final Activation epilogue;
    private final PackedWeights weights;
    private final Arena biasArena;
    private final MemorySegment bias;
    private final PlanCache<Integer, MatmulPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    OneDnnLinear(OneDnnBackend backend, NodeArgs a, WeightBinder w, Activation epilogue) {
        super(backend, a.node().label());
        NodeSpec n = a.node();
        this.epilogue = epilogue;
        in = a.requiredInt("in_features");
        out = a.requiredInt("out_features");
        boolean hasBias = a.bool("bias", true);
        a.ignore("device", "dtype");
        if (in < 0 || out < 0) throw new IllegalArgumentException("in_features and out_features must be non-negative");
        if (in == 0 || out == 0) throw new OneDnnBackend.Unsupported("oneDNN matmul needs in_features and out_features ≥ 1");
        float[] wt = w.require(n, "weight", out, in);
        float[] b = hasBias ? w.require(n, "bias", out) : null;
        weights = new PackedWeights(backend, label + " weight", wt, dnnl_h.dnnl_ba(), in, out);
        if (b != null) {
            biasArena = Arena.ofShared();
            bias = biasArena.allocate((long) out * Float.BYTES, Dnnl.ALIGN);
            MemorySegment.copy(b, 0, bias, ValueLayout.JAVA_FLOAT, 0, out);
        } else {
            biasArena = null;
            bias = null;
        }
        registered();
    }

    @Override
    public List<long[]> outputShapes(List<long[]> inShapes) {
        long[] s = inShapes.getFirst();
        Shapes.minRank(s, 1);
        Shapes.dim(s, -1, in, "in_features (the last dimension)");
        long[] o = s.clone();
        o[o.length - 1] = out;
        return List.of(o);
    }

    @Override
    public void prepare(List<long[]> inputShapes) {
        long[] s = concrete(inputShapes).getFirst();
        outputShapes(List.of(s));
        int rows = Math.toIntExact(Shape.prod(s, 0, s.length - 1));
        if (rows == 0) return;
        enter();
        try {
            MatmulPlan p = plans.acquire(rows, MatmulPlan::new);
            p.give(p.take());
            p.release();
        } finally {
            exit();
        }
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.getFirst();
        long[] s = t.shape();
        int rows = Math.toIntExact(Shape.prod(s, 0, s.length - 1));
        long[] os = s.clone();
        os[os.length - 1] = out;
        if (rows == 0) return List.of(Tensor.ofFloats(new float[0], os));
        enter();
        try {
            MatmulPlan p = plans.acquire(rows, MatmulPlan::new);
            try {
                StagedWorkspace ws = p.take();
                try {
                    execute(p, ws, source(t, ws.src()));
                    return List.of(Tensor.ofFloats(toHeap(ws.dst(), 0, Math.multiplyExact(rows, out)), os));
                } finally {
                    p.give(ws);
                }
            } finally {
                p.release();
            }
        } finally {
            exit();
        }
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0];
        int rows = Math.toIntExact(Shape.prod(s, 0, s.length - 1));
        if (rows == 0) return;
        runStaged(plans, rows, MatmulPlan::new, f);
    }

    private static void execute(MatmulPlan p, StagedWorkspace ws, MemorySegment src) {
        ws.exec().set(0, src);
        ws.exec().execute();
    }

    private final class MatmulPlan extends Plan<StagedWorkspace> {
        final Primitive prim;
        final MemorySegment packed;
        final long srcBytes, dstBytes;

        MatmulPlan(int m) {
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.md(dnnl_h.dnnl_ab(), m, in);
                MemorySegment wmd = sc.md(dnnl_h.dnnl_format_tag_any(), in, out);
                MemorySegment bmd = bias != null ? sc.md(dnnl_h.dnnl_ab(), 1, out) : MemorySegment.NULL;
                MemorySegment dst = sc.md(dnnl_h.dnnl_ab(), m, out);
                MemorySegment attr = epilogue == Activation.RELU ? sc.attr(Dnnl.relu()) : sc.attr();
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_matmul_primitive_desc_create(slot, backend.engine, src, wmd, bmd, dst, attr),
                        "dnnl_matmul_primitive_desc_create(" + label + ", " + m + " rows)");
                prim = new Primitive("matmul " + label, Dnnl.out(slot));
            }
            try {
                packed = weights.in(prim.md(dnnl_h.DNNL_ARG_WEIGHTS()));
                srcBytes = prim.bytes(dnnl_h.DNNL_ARG_SRC());
                dstBytes = prim.bytes(dnnl_h.DNNL_ARG_DST());
            } catch (RuntimeException e) {
                prim.close();
                throw e;
            }
            implementation(prim.implementation());
        }

        @Override
        protected StagedWorkspace newWorkspace() {
            return StagedWorkspace.withWeights(backend.engine, prim, packed, bias, srcBytes, dstBytes);
        }

        @Override
        protected void freePrimitives() {
            prim.close();
        }
    }

    @Override
    void freeNative() {
        plans.close();
        weights.close();
        if (biasArena != null) biasArena.close();
    }

    @Override
    public String toString() {
        return "oneDNN Linear " + label + (epilogue == Activation.NONE ? "" : " + " + epilogue);
    }
}
