package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.ops.Conv;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.ConvGeometry;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code torch.nn.Conv2d} (and {@code Conv1d}, as a 2-D convolution of height 1) on oneDNN's convolution (direct
 * algorithm, forward inference): NCHW (or unbatched CHW; NCL / CL for 1-D, the same memory) source and destination,
 * weights in the layout the primitive picks (format {@code any}, reordered once), bias and an optional ReLU fused as a
 * post-op. Leading and trailing padding may differ ({@code "same"} with an even dilated kernel); groups; stride;
 * dilation (oneDNN counts dilation from 0: PyTorch's d is oneDNN's d − 1).
 */
public final class OneDnnConv2d extends OneDnnLayerBase {
    final int dims, inChannels, outChannels, groups;
    final int kh, kw, sh, sw, dh, dw;
    final int padTop, padBottom, padLeft, padRight;
    final Activation epilogue;
    private final PackedWeights weights;
    private final Arena biasArena;
    private final MemorySegment bias;
    private final PlanCache<Key, ConvPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    private record Key(int n, int h, int w) {
    }

    /** Takes a convolution whose epilogue is at most a ReLU ({@link OneDnnBackend#compile} checks). */
    OneDnnConv2d(OneDnnBackend backend, String label, Conv conv) {
        super(backend, label);
        ConvGeometry g = conv.geometry();
        dims = conv.dims();
        epilogue = conv.activation();
        inChannels = g.cin();
        outChannels = g.cout();
        groups = g.groups();
        kh = g.kh();
        kw = g.kw();
        sh = g.strideH();
        sw = g.strideW();
        dh = g.dilationH();
        dw = g.dilationW();
        padTop = g.padTop();
        padLeft = g.padLeft();
        padBottom = conv.padBottom();
        padRight = conv.padRight();
        float[] wt = conv.weightFloats();
        float[] b = conv.biasFloats();
        // PyTorch's (out, in/groups, kh, kw) is oneDNN's oihw, or goihw with the groups split off the outer dimension.
        weights = groups == 1
                ? new PackedWeights(backend, label + " weight", wt, dnnl_h.dnnl_oihw(), outChannels, inChannels, kh, kw)
                : new PackedWeights(backend, label + " weight", wt, dnnl_h.dnnl_goihw(), groups, outChannels / groups, inChannels / groups,
                kh, kw);
        Arena a = null;
        MemorySegment bs = null;
        try {
            if (b != null) {
                a = Arena.ofShared();
                bs = a.allocate((long) outChannels * Float.BYTES, Dnnl.ALIGN);
                MemorySegment.copy(b, 0, bs, ValueLayout.JAVA_FLOAT, 0, outChannels);
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

    private static int outDim(int in, int k, int s, int d, int before, int after) {
        return Math.floorDiv(in + before + after - d * (k - 1) - 1, s) + 1;
    }

    /** Batch, height and width of an input: (N, C, H, W), (C, H, W), (N, C, L) or (C, L). */
    private Key key(long[] s) {
        boolean batched = s.length == dims + 2;
        int n = batched ? (int) s[0] : 1;
        int h = dims == 2 ? (int) s[s.length - 2] : 1;
        return new Key(n, h, (int) s[s.length - 1]);
    }

    @Override
    public void prepare(Frame f) {
        warm(plans, key(f.inShape[0]), ConvPlan::new);
    }

    @Override
    public void run(Frame f) {
        runStaged(plans, key(f.inShape[0]), ConvPlan::new, f);
    }

    @Override
    public long heldBytes() {
        return weights.bytes() + (bias == null ? 0 : bias.byteSize());
    }

    @Override
    int cachedPlans() {
        return plans.size();
    }

    private final class ConvPlan extends Plan<StagedWorkspace> {
        final Primitive prim;
        final MemorySegment packed;
        final long srcBytes, dstBytes;

        ConvPlan(Key k) {
            int oh = outDim(k.h, kh, sh, dh, padTop, padBottom);
            int ow = outDim(k.w, kw, sw, dw, padLeft, padRight);
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.md(dnnl_h.dnnl_nchw(), k.n, inChannels, k.h, k.w);
                MemorySegment wmd = groups == 1
                        ? sc.md(dnnl_h.dnnl_format_tag_any(), outChannels, inChannels, kh, kw)
                        : sc.md(dnnl_h.dnnl_format_tag_any(), groups, outChannels / groups, inChannels / groups, kh, kw);
                MemorySegment bmd = bias != null ? sc.md(dnnl_h.dnnl_a(), outChannels) : MemorySegment.NULL;
                MemorySegment dst = sc.md(dnnl_h.dnnl_nchw(), k.n, outChannels, oh, ow);
                MemorySegment attr = epilogue == Activation.RELU ? sc.attr(Dnnl.relu()) : sc.attr();
                // oneDNN checks dst = (src + pad_l + pad_r − ((k − 1)·(d + 1) + 1)) / stride + 1 with floor division,
                // which PyTorch's trailing padding satisfies.
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_convolution_forward_primitive_desc_create(slot, backend.engine, dnnl_h.dnnl_forward_inference(),
                                dnnl_h.dnnl_convolution_direct(), src, wmd, bmd, dst,
                                Dnnl.dims(sc.arena, sh, sw),
                                Dnnl.dims(sc.arena, dh - 1, dw - 1),
                                Dnnl.dims(sc.arena, padTop, padLeft),
                                Dnnl.dims(sc.arena, padBottom, padRight), attr),
                        "dnnl_convolution_forward_primitive_desc_create(" + label + ", input " + k + ")");
                prim = new Primitive("convolution " + label, Dnnl.out(slot));
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
        return "oneDNN Conv" + dims + "d " + label + (epilogue == Activation.NONE ? "" : " + " + epilogue);
    }
}
