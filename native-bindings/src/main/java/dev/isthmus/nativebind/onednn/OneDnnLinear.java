package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code torch.nn.Linear} on oneDNN's matmul: y = x·Wᵀ + b over the last dimension of an input of any rank ≥ 1 (the
 * leading dimensions are rows M). The source and destination are row-major; PyTorch's weight (out, in) is the K×N
 * matrix Wᵀ in layout {@code ba}, requested in format {@code any} and reordered once. Bias (1, N) and an optional ReLU
 * are fused.
 */
public final class OneDnnLinear extends OneDnnLayerBase {
    final int in, out;
    final Activation epilogue;
    private final PackedWeights weights;
    private final Arena biasArena;
    private final MemorySegment bias;
    private final PlanCache<Integer, MatmulPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    /** Takes a Linear with in, out ≥ 1 whose epilogue is at most a ReLU ({@link OneDnnBackend#compile} checks). */
    OneDnnLinear(OneDnnBackend backend, String label, Linear linear) {
        super(backend, label);
        epilogue = linear.activation();
        in = linear.inFeatures();
        out = linear.outFeatures();
        float[] b = linear.biasFloats();
        weights = new PackedWeights(backend, label + " weight", linear.weightFloats(), dnnl_h.dnnl_ba(), in, out);
        Arena a = null;
        MemorySegment bs = null;
        try {
            if (b != null) {
                a = Arena.ofShared();
                bs = a.allocate((long) out * Float.BYTES, Dnnl.ALIGN);
                MemorySegment.copy(b, 0, bs, ValueLayout.JAVA_FLOAT, 0, out);
            }
        } catch (RuntimeException e) {
            weights.close();
            if (a != null) a.close();
            throw e;
        }
        biasArena = a;
        bias = bs;
        registered();
    }

    @Override
    public void prepare(Frame f) {
        int rows = rows(f.inShape[0]);
        if (rows > 0) warm(plans, rows, MatmulPlan::new);
    }

    @Override
    public void run(Frame f) {
        int rows = rows(f.inShape[0]);
        if (rows == 0) return;
        runStaged(plans, rows, MatmulPlan::new, f);
    }

    @Override
    public long heldBytes() {
        return weights.bytes() + (bias == null ? 0 : bias.byteSize());
    }

    @Override
    int cachedPlans() {
        return plans.size();
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
