package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.ops.Conv2dArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * {@code torch.nn.Conv2d} on oneDNN's convolution (direct algorithm, forward inference): NCHW (or unbatched CHW)
 * source and destination in place, weights in the layout the primitive picks (format {@code any}, reordered once),
 * bias and an optional ReLU fused as a post-op. Padding int / pair / "same" (asymmetric when the dilated kernel is
 * even) / "valid"; groups; stride; dilation (oneDNN counts dilation from 0: PyTorch's d is oneDNN's d − 1).
 */
public final class OneDnnConv2d extends OneDnnLayerBase {
    final int inChannels, outChannels, groups;
    final int[] kernel, stride, dilation;
    final int padTop, padBottom, padLeft, padRight;
    final Activation epilogue;
    private final Conv2dArgs geometry;
    private final boolean hasBias;
    private final PackedWeights weights;
    private final Arena biasArena;
    private final MemorySegment bias;
    private final PlanCache<Key, ConvPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    private record Key(int n, int h, int w) {
    }

    OneDnnConv2d(OneDnnBackend backend, NodeArgs a, WeightBinder w, Activation epilogue) {
        super(backend, a.node().label());
        NodeSpec n = a.node();
        this.epilogue = epilogue;
        geometry = Conv2dArgs.read(a);
        inChannels = geometry.inChannels();
        outChannels = geometry.outChannels();
        kernel = geometry.kernel();
        stride = geometry.stride();
        dilation = geometry.dilation();
        groups = geometry.groups();
        hasBias = geometry.bias();
        padTop = geometry.padTop();
        padBottom = geometry.padBottom();
        padLeft = geometry.padLeft();
        padRight = geometry.padRight();
        float[] wt = w.require(n, "weight", geometry.weightShape());
        float[] b = hasBias ? w.require(n, "bias", outChannels) : null;
        // PyTorch's (out, in/groups, kh, kw) is oneDNN's oihw, or goihw with the groups split off the outer dimension.
        weights = groups == 1
                ? new PackedWeights(backend, label + " weight", wt, dnnl_h.dnnl_oihw(), outChannels, inChannels, kernel[0], kernel[1])
                : new PackedWeights(backend, label + " weight", wt, dnnl_h.dnnl_goihw(), groups, outChannels / groups, inChannels / groups,
                kernel[0], kernel[1]);
        if (b != null) {
            biasArena = Arena.ofShared();
            bias = biasArena.allocate((long) outChannels * Float.BYTES, Dnnl.ALIGN);
            MemorySegment.copy(b, 0, bias, ValueLayout.JAVA_FLOAT, 0, outChannels);
        } else {
            biasArena = null;
            bias = null;
        }
        registered();
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        return geometry.outputShapes(in);
    }

    private long outDim(long in, int axis) {
        return geometry.outDim(in, axis);
    }

    private static Key key(long[] s) {
        return s.length == 4 ? new Key((int) s[0], (int) s[2], (int) s[3]) : new Key(1, (int) s[1], (int) s[2]);
    }

    @Override
    public void prepare(List<long[]> inputShapes) {
        long[] s = concrete(inputShapes).getFirst();
        outputShapes(List.of(s));
        enter();
        try {
            ConvPlan p = plans.acquire(key(s), ConvPlan::new);
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
        Key k = key(s);
        enter();
        try {
            ConvPlan p = plans.acquire(k, ConvPlan::new);
            try {
                StagedWorkspace ws = p.take();
                try {
                    execute(p, ws, source(t, ws.src()));
                    float[] y = toHeap(ws.dst(), 0, p.dstFloats);
                    return List.of(s.length == 4 ? Tensor.ofFloats(y, k.n, outChannels, p.oh, p.ow) : Tensor.ofFloats(y, outChannels, p.oh, p.ow));
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
        runStaged(plans, key(f.inShape[0]), ConvPlan::new, f);
    }

    private static void execute(ConvPlan p, StagedWorkspace ws, MemorySegment src) {
        ws.exec().set(0, src);
        ws.exec().execute();
    }

    private final class ConvPlan extends Plan<StagedWorkspace> {
        final Primitive prim;
        final MemorySegment packed;
        final int oh, ow, dstFloats;
        final long srcBytes, dstBytes;

        ConvPlan(Key k) {
            oh = (int) outDim(k.h, 0);
            ow = (int) outDim(k.w, 1);
            dstFloats = Math.toIntExact((long) k.n * outChannels * oh * ow);
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.md(dnnl_h.dnnl_nchw(), k.n, inChannels, k.h, k.w);
                MemorySegment wmd = groups == 1
                        ? sc.md(dnnl_h.dnnl_format_tag_any(), outChannels, inChannels, kernel[0], kernel[1])
                        : sc.md(dnnl_h.dnnl_format_tag_any(), groups, outChannels / groups, inChannels / groups, kernel[0], kernel[1]);
                MemorySegment bmd = hasBias ? sc.md(dnnl_h.dnnl_a(), outChannels) : MemorySegment.NULL;
                MemorySegment dst = sc.md(dnnl_h.dnnl_nchw(), k.n, outChannels, oh, ow);
                MemorySegment attr = epilogue == Activation.RELU ? sc.attr(Dnnl.relu()) : sc.attr();
                // oneDNN checks dst = (src + pad_l + pad_r − ((k − 1)·(d + 1) + 1)) / stride + 1 with floor division,
                // which PyTorch's trailing padding satisfies.
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_convolution_forward_primitive_desc_create(slot, backend.engine, dnnl_h.dnnl_forward_inference(),
                                dnnl_h.dnnl_convolution_direct(), src, wmd, bmd, dst,
                                Dnnl.dims(sc.arena, stride[0], stride[1]),
                                Dnnl.dims(sc.arena, dilation[0] - 1, dilation[1] - 1),
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
        return "oneDNN Conv2d " + label + (epilogue == Activation.NONE ? "" : " + " + epilogue);
    }
}
