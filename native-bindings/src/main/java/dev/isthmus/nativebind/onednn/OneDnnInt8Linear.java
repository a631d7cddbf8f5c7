package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linear layer on int8 weights computed in int8: y = act(x·Wᵀ + bias + residual) with W (out × in) stored as I8
 * with a scale per output ({@link Tensor#isQuantized()}). Per call, each row of x is quantized to int8 with a scale of
 * its own ({@link KernelProvider#quantizeRows}, dynamic and symmetric); oneDNN's matmul multiplies the int8 rows by
 * the int8 weights, accumulating in int32 (VNNI's {@code vpdpbusd} where the CPU has it, AMX where it has that), and
 * converts each sum to float times its output's weight scale; {@link KernelProvider#dequantizeRows} then multiplies
 * by the row's scale and adds the bias and the residual and applies the activation as it copies the result out.
 * (oneDNN's matmul runs per-row source scales only in its reference implementation, so the row scale is applied
 * here.) The weights are read once from the tensor (a mapped file's pages, dropped afterwards) and reordered into the
 * layout oneDNN asks for; no F32 copy of them ever exists.
 *
 * <p>Used as the four projections of a Transformer encoder layer (see {@link OneDnnBackend#compile}) and for a
 * {@code Linear} node with int8 weights.
 */
final class OneDnnInt8Linear extends OneDnnLayerBase implements LinearKernel {
    final int in, out;
    private final Activation act;
    private final float[] bias;
    /** As a graph node: whether input 1 is a residual added before the activation (a fused {@code + x}). */
    private final boolean residualInput;
    private final PackedWeights weights;
    private final Arena scaleArena = Arena.ofShared();
    private final MemorySegment weightScales;
    private final KernelProvider kernels = KernelProvider.get();
    private final PlanCache<Integer, Int8Plan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    /** True when oneDNN can run {@code weight} (a quantized I8 tensor, out × in) as this layer. */
    static boolean takes(Tensor weight) {
        return weight.isQuantized() && weight.rank() == 2 && weight.dim(0) > 0 && weight.dim(1) > 0;
    }

    OneDnnInt8Linear(OneDnnBackend backend, String label, Tensor weight, float[] bias, Activation act) {
        this(backend, label, weight, bias, act, false);
    }

    /** The same as a graph node whose input 1, when {@code residualInput}, is added before the activation. */
    OneDnnInt8Linear(OneDnnBackend backend, String label, Tensor weight, float[] bias, Activation act, boolean residualInput) {
        super(backend, label);
        this.residualInput = residualInput;
        if (!takes(weight)) throw new IllegalArgumentException(label + ": not an int8 matrix with scales: " + weight);
        out = Math.toIntExact(weight.dim(0));
        in = Math.toIntExact(weight.dim(1));
        if (bias != null && bias.length != out) throw new IllegalArgumentException(label + ": " + bias.length + " biases for " + out + " outputs");
        this.act = act;
        this.bias = bias;
        PackedWeights w = null;
        try {
            w = new PackedWeights(backend, label + " weight", weight.segment(), dnnl_h.dnnl_s8(), dnnl_h.dnnl_ba(), in, out);
            weightScales = scaleArena.allocate((long) out * Float.BYTES, Dnnl.ALIGN);
            MemorySegment.copy(weight.scales(), 0, weightScales, ValueLayout.JAVA_FLOAT, 0, out);
        } catch (RuntimeException e) {
            if (w != null) w.close();
            scaleArena.close();
            throw e;
        }
        weights = w;
        weight.releasePages();
        registered();
        // reorder now, so that the copy read from the file is freed before the next layer makes its own: a model's
        // weights are then held once (packed) and never twice, even during the first run
        try {
            warm(plans, PACKING_ROWS, Int8Plan::new);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The rows of the plan made at load to pack the weights (oneDNN's int8 layout does not depend on them). */
    private static final int PACKING_ROWS = 32;

    @Override
    public void run(float[] x, int xOff, int ldx, int rows, float[] y, int yOff, int ldy, float[] residual, int resOff, int ldr,
                    ComputePool pool) {
        if (rows == 0) return;
        enter();
        try {
            Int8Plan p = plans.acquire(rows, Int8Plan::new);
            try {
                Exec e = p.take();
                Int8Staging st = backend.int8Staging.take();
                try {
                    st.reserve((long) rows * in, (long) rows * out * Float.BYTES);
                    MemorySegment src = st.src(), dst = st.dst();
                    float[] rowScales = st.rowScales(rows);
                    kernels.quantizeRows(x, xOff, ldx, rows, in, src, rowScales);
                    e.set(0, src);
                    e.set(2, dst);
                    e.execute();
                    kernels.dequantizeRows(dst, rows, out, rowScales, bias, act, y, yOff, ldy, residual, resOff, ldr);
                } finally {
                    backend.int8Staging.give(st);
                    p.give(e);
                }
            } finally {
                p.release();
            }
        } finally {
            exit();
        }
    }

    /** As a graph node: input 0 (rows of {@code in}) to output 0 (rows of {@code out}), plus input 1 when it is a residual. */
    @Override
    public void run(Frame f) {
        run(f.buf, f.in[0], in, rows(f.inShape[0]), f.buf, f.out[0], out, residualInput ? f.buf : null, residualInput ? f.in[1] : 0, out,
                f.pool);
    }

    @Override
    public void prepare(Frame f) {
        int rows = rows(f.inShape[0]);
        if (rows > 0) warm(plans, rows, Int8Plan::new);
    }

    @Override
    public long heldBytes() {
        return weights.bytes() + weightScales.byteSize() + (bias == null ? 0 : 4L * bias.length);
    }

    @Override
    int cachedPlans() {
        return plans.size();
    }

    private final class Int8Plan extends Plan<Exec> {
        final Primitive prim;
        final MemorySegment packed;

        Int8Plan(int m) {
            try (Dnnl.Scope sc = new Dnnl.Scope()) {
                MemorySegment src = sc.typedMd(dnnl_h.dnnl_s8(), dnnl_h.dnnl_ab(), m, in);
                MemorySegment wmd = sc.typedMd(dnnl_h.dnnl_s8(), dnnl_h.dnnl_format_tag_any(), in, out);
                MemorySegment dst = sc.typedMd(dnnl_h.dnnl_f32(), dnnl_h.dnnl_ab(), m, out);
                MemorySegment attr = sc.attr();
                // one scale per output column N: bit 1 of the (K, N) weights' dimensions
                Dnnl.check(dnnl_h.dnnl_primitive_attr_set_scales_mask(attr, dnnl_h.DNNL_ARG_WEIGHTS(), 1 << 1),
                        "dnnl_primitive_attr_set_scales_mask(" + label + ")");
                MemorySegment slot = sc.slot();
                Dnnl.check(dnnl_h.dnnl_matmul_primitive_desc_create(slot, backend.engine, src, wmd, MemorySegment.NULL, dst, attr),
                        "dnnl_matmul_primitive_desc_create(" + label + ", int8, " + m + " rows)");
                prim = new Primitive("int8 matmul " + label, Dnnl.out(slot));
            }
            try {
                packed = weights.in(prim.md(dnnl_h.DNNL_ARG_WEIGHTS()));
            } catch (RuntimeException e) {
                prim.close();
                throw e;
            }
            implementation(prim.implementation());
        }

        /** An execution context with the weights and their scales bound; the source and result are set per call. */
        @Override
        protected Exec newWorkspace() {
            Exec e = new Exec(backend.engine, prim, dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_DST(),
                    dnnl_h.DNNL_ARG_ATTR_SCALES() | dnnl_h.DNNL_ARG_WEIGHTS());
            try {
                e.set(1, packed);
                e.set(3, weightScales);
                return e;
            } catch (RuntimeException ex) {
                e.close();
                throw ex;
            }
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
        scaleArena.close();
    }

    @Override
    public String toString() {
        return "oneDNN int8 Linear " + label + (act == Activation.NONE ? "" : " + " + act);
    }
}
