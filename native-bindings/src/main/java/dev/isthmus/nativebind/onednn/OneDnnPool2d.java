package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.ops.Pool;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code MaxPool2d} and {@code AvgPool2d} (and their 1-D forms and functions, as 2-D pooling of height 1) on oneDNN's
 * pooling, NCHW or CHW.
 *
 * <p>PyTorch's rules map onto oneDNN as follows. Trailing padding: PyTorch pads p on both sides and, with
 * {@code ceil_mode}, lets the last window hang over the end; oneDNN is given {@code padding_r} = max(p, the overhang)
 * so its output size equals PyTorch's. Max: padding never wins (both treat it as −∞). Dilation: d − 1.
 * {@code count_include_pad=False}: oneDNN's {@code avg_exclude_padding} divides by the real elements, as PyTorch.
 * {@code divisor_override=d}: {@code avg_include_padding} (÷ kh·kw) and a linear post-op × kh·kw/d. One case has no
 * oneDNN equivalent: {@code count_include_pad=True} when a {@code ceil_mode} window overhangs the padded input (PyTorch
 * divides by the part inside the padded input, oneDNN by kh·kw); for such input shapes the layer runs the op's Java
 * kernel instead.
 */
public final class OneDnnPool2d extends OneDnnLayerBase {
    final boolean max;
    final int dims;
    final int kh, kw, sh, sw, ph, pw, dh, dw;
    final boolean ceilMode, countIncludePad;
    final int divisorOverride;
    /** The op on the Java kernels, for the shapes oneDNN cannot match. */
    private final Executable fallback;
    private final PlanCache<Key, PoolPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    private record Key(int n, int c, int h, int w) {
    }

    OneDnnPool2d(OneDnnBackend backend, String label, Pool pool) {
        super(backend, label);
        max = pool.isMax();
        dims = pool.dims();
        int[] win = pool.window();
        kh = win[0];
        kw = win[1];
        sh = win[2];
        sw = win[3];
        ph = win[4];
        pw = win[5];
        dh = win[6];
        dw = win[7];
        ceilMode = pool.ceilMode();
        countIncludePad = !max && pool.countIncludePad();
        divisorOverride = max ? 0 : pool.divisorOverride();
        fallback = pool.compile(KernelProvider.get());
        registered();
    }

    private int outH(int in) {
        return Pool2d.outSize(in, kh, sh, ph, dh, ceilMode);
    }

    private int outW(int in) {
        return Pool2d.outSize(in, kw, sw, pw, dw, ceilMode);
    }

    /** oneDNN's trailing padding for PyTorch's output size. */
    private static int padAfter(int in, int out, int k, int s, int p, int d) {
        int range = (k - 1) * d + 1;
        return Math.max(p, (out - 1) * s + range - in - p);
    }

    private int padBottom(int h, int oh) {
        return padAfter(h, oh, kh, sh, ph, dh);
    }

    private int padRight(int w, int ow) {
        return padAfter(w, ow, kw, sw, pw, dw);
    }

    private boolean oneDnnMatches(Key k) {
        if (max || !countIncludePad || divisorOverride != 0) return true;
        return padBottom(k.h, outH(k.h)) == ph && padRight(k.w, outW(k.w)) == pw;
    }

    /** (N, C, H, W) or (C, H, W); for 1-D (N, C, L) or (C, L) with H = 1. */
    private Key key(long[] s) {
        int w = (int) s[s.length - 1];
        int h = dims == 2 ? (int) s[s.length - 2] : 1;
        boolean batched = s.length == dims + 2;
        return new Key(batched ? (int) s[0] : 1, (int) s[batched ? 1 : 0], h, w);
    }

    @Override
    public void prepare(Frame f) {
        Key k = key(f.inShape[0]);
        if (oneDnnMatches(k)) warm(plans, k, PoolPlan::new);
        else fallback.prepare(f);
    }

    @Override
    public long scratchFloats(long[][] in, long[][] out) {
        return fallback.scratchFloats(in, out);
    }

    @Override
    public void run(Frame f) {
        Key k = key(f.inShape[0]);
        if (!oneDnnMatches(k)) {
            fallback.run(f);
            return;
        }
        runStaged(plans, k, PoolPlan::new, f);
    }

    @Override
    int cachedPlans() {
        return plans.size();
    }

    private final class PoolPlan extends Plan<StagedWorkspace> {
        final Primitive prim;
        final long srcBytes, dstBytes;

        PoolPlan(Key k) {
            int oh = outH(k.h), ow = outW(k.w);
            int alg;
            float[][] post = {};
            if (max) {
                alg = dnnl_h.dnnl_pooling_max();
            } else if (divisorOverride != 0) {
                alg = dnnl_h.dnnl_pooling_avg_include_padding();
                post = new float[][]{Dnnl.scale((float) ((double) kh * kw / divisorOverride))};
            } else {
                alg = countIncludePad ? dnnl_h.dnnl_pooling_avg_include_padding() : dnnl_h.dnnl_pooling_avg_exclude_padding();
            }
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.md(dnnl_h.dnnl_nchw(), k.n, k.c, k.h, k.w);
                MemorySegment dst = sc.md(dnnl_h.dnnl_nchw(), k.n, k.c, oh, ow);
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_pooling_forward_primitive_desc_create(slot, backend.engine, dnnl_h.dnnl_forward_inference(), alg,
                                src, dst,
                                Dnnl.dims(sc.arena, sh, sw),
                                Dnnl.dims(sc.arena, kh, kw),
                                Dnnl.dims(sc.arena, dh - 1, dw - 1),
                                Dnnl.dims(sc.arena, ph, pw),
                                Dnnl.dims(sc.arena, padBottom(k.h, oh), padRight(k.w, ow)),
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
        return "oneDNN " + (max ? "MaxPool" : "AvgPool") + dims + "d " + label;
    }
}
