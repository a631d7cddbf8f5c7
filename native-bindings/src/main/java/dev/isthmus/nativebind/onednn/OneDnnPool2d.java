package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.ops.Pool2dLayer;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code torch.nn.MaxPool2d} and {@code torch.nn.AvgPool2d} on oneDNN's pooling, NCHW or CHW in place.
 *
 * <p>PyTorch's rules map onto oneDNN as follows. Trailing padding: PyTorch pads p on both sides and, with
 * {@code ceil_mode}, lets the last window hang over the end; oneDNN is given {@code padding_r} = max(p, the overhang)
 * so its output size equals PyTorch's. Max: padding never wins (both treat it as −∞). Dilation: d − 1.
 * {@code count_include_pad=False}: oneDNN's {@code avg_exclude_padding} divides by the real elements, as PyTorch.
 * {@code divisor_override=d}: {@code avg_include_padding} (÷ kh·kw) and a linear post-op × kh·kw/d. One case has no
 * oneDNN equivalent: {@code count_include_pad=True} when a {@code ceil_mode} window overhangs the padded input (PyTorch
 * divides by the part inside the padded input, oneDNN by kh·kw); for such input shapes the layer runs the Java
 * reference kernel instead.
 */
public final class OneDnnPool2d extends OneDnnLayerBase {
    public enum Kind { MAX, AVG }

    final Kind kind;
    final int[] kernel, stride, padding, dilation;
    final boolean ceilMode, countIncludePad;
    final int divisorOverride;
    private final Pool2dLayer fallback;
    private final PlanCache<Key, PoolPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    private record Key(int n, int c, int h, int w) {
    }

    OneDnnPool2d(OneDnnBackend backend, Kind kind, NodeArgs a) {
        super(backend, a.node().label());
        this.kind = kind;
        // The Java layer checks the arguments with PyTorch's rules and messages, and computes the shapes oneDNN can't.
        fallback = new Pool2dLayer(kind == Kind.MAX ? Pool2dLayer.Kind.MAX : Pool2dLayer.Kind.AVG, a);
        kernel = a.requiredPair("kernel_size");
        int[] st = a.pair("stride", null);
        stride = st == null ? kernel.clone() : st;
        padding = a.pair("padding", new int[]{0, 0});
        ceilMode = a.bool("ceil_mode", false);
        if (kind == Kind.MAX) {
            dilation = a.pair("dilation", new int[]{1, 1});
            countIncludePad = false;
            divisorOverride = 0;
        } else {
            dilation = new int[]{1, 1};
            countIncludePad = a.bool("count_include_pad", true);
            divisorOverride = a.integer("divisor_override", 0);
        }
        registered();
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        return fallback.outputShapes(in);
    }

    private int outDim(int in, int axis) {
        return Pool2d.outSize(in, kernel[axis], stride[axis], padding[axis], dilation[axis], ceilMode);
    }

    /** oneDNN's trailing padding for PyTorch's output size. */
    private int padAfter(int in, int out, int axis) {
        int range = (kernel[axis] - 1) * dilation[axis] + 1;
        return Math.max(padding[axis], (out - 1) * stride[axis] + range - in - padding[axis]);
    }

    private boolean oneDnnMatches(Key k) {
        if (kind == Kind.MAX || !countIncludePad || divisorOverride != 0) return true;
        return padAfter(k.h, outDim(k.h, 0), 0) == padding[0] && padAfter(k.w, outDim(k.w, 1), 1) == padding[1];
    }

    private static Key key(long[] s) {
        return s.length == 4 ? new Key((int) s[0], (int) s[1], (int) s[2], (int) s[3]) : new Key(1, (int) s[0], (int) s[1], (int) s[2]);
    }

    @Override
    public void prepare(List<long[]> inputShapes) {
        long[] s = concrete(inputShapes).getFirst();
        outputShapes(List.of(s));
        Key k = key(s);
        if (!oneDnnMatches(k)) return;
        enter();
        try {
            PoolPlan p = plans.acquire(k, PoolPlan::new);
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
        if (!oneDnnMatches(k)) return fallback.forward(inputs, pool);
        enter();
        try {
            PoolPlan p = plans.acquire(k, PoolPlan::new);
            try {
                StagedWorkspace ws = p.take();
                try {
                    ws.exec().set(0, source(t, ws.src()));
                    ws.exec().execute();
                    float[] y = toHeap(ws.dst(), 0, p.dstFloats);
                    long[] os = s.clone();
                    os[s.length - 2] = p.oh;
                    os[s.length - 1] = p.ow;
                    return List.of(Tensor.ofFloats(y, os));
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
        Key k = key(f.inShape[0]);
        if (!oneDnnMatches(k)) {
            // The Java layer; through its planned path when it has one, else on copies (a rare shape: ceil_mode
            // windows overhanging the padding with count_include_pad).
            if (fallback.isPlanned()) {
                fallback.run(f);
            } else {
                float[] x = new float[f.inSize(0)];
                System.arraycopy(f.buf, f.in[0], x, 0, x.length);
                float[] y = fallback.forward(List.of(Tensor.ofFloats(x, f.inShape[0])), f.pool).getFirst().toFloatArray();
                System.arraycopy(y, 0, f.buf, f.out[0], y.length);
            }
            return;
        }
        runStaged(plans, k, PoolPlan::new, f);
    }

    private final class PoolPlan extends Plan<StagedWorkspace> {
        final Primitive prim;
        final int oh, ow, dstFloats;
        final long srcBytes, dstBytes;

        PoolPlan(Key k) {
            oh = outDim(k.h, 0);
            ow = outDim(k.w, 1);
            dstFloats = Math.toIntExact((long) k.n * k.c * oh * ow);
            int alg;
            float[][] post = {};
            if (kind == Kind.MAX) {
                alg = dnnl_h.dnnl_pooling_max();
            } else if (divisorOverride != 0) {
                alg = dnnl_h.dnnl_pooling_avg_include_padding();
                post = new float[][]{Dnnl.scale((float) ((double) kernel[0] * kernel[1] / divisorOverride))};
            } else {
                alg = countIncludePad ? dnnl_h.dnnl_pooling_avg_include_padding() : dnnl_h.dnnl_pooling_avg_exclude_padding();
            }
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.md(dnnl_h.dnnl_nchw(), k.n, k.c, k.h, k.w);
                MemorySegment dst = sc.md(dnnl_h.dnnl_nchw(), k.n, k.c, oh, ow);
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_pooling_forward_primitive_desc_create(slot, backend.engine, dnnl_h.dnnl_forward_inference(), alg,
                                src, dst,
                                Dnnl.dims(sc.arena, stride[0], stride[1]),
                                Dnnl.dims(sc.arena, kernel[0], kernel[1]),
                                Dnnl.dims(sc.arena, dilation[0] - 1, dilation[1] - 1),
                                Dnnl.dims(sc.arena, padding[0], padding[1]),
                                Dnnl.dims(sc.arena, padAfter(k.h, oh, 0), padAfter(k.w, ow, 1)),
                                sc.attr(post)),
                        "dnnl_pooling_forward_primitive_desc_create(" + label + ", input " + k + ")");
                prim = new Primitive("pooling " + label, Dnnl.out(slot));
            }
            srcBytes = prim.bytes(dnnl_h.DNNL_ARG_SRC());
            dstBytes = prim.bytes(dnnl_h.DNNL_ARG_DST());
            implementation(prim.implementation());
        }

        @Override
        protected StagedWorkspace newWorkspace() {
            Exec e = new Exec(backend.engine, prim, dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_DST());
            Arena a = Arena.ofShared();
            StagedWorkspace ws = new StagedWorkspace(e, a, a.allocate(srcBytes, Dnnl.ALIGN), a.allocate(dstBytes, Dnnl.ALIGN));
            e.set(1, ws.dst());
            return ws;
        }

        @Override
        protected void freePrimitives() {
            prim.close();
        }
    }

    @Override
    void freeNative() {
        plans.close();
    }

    @Override
    public String toString() {
        return "oneDNN " + (kind == Kind.MAX ? "MaxPool2d " : "AvgPool2d ") + label;
    }
}
