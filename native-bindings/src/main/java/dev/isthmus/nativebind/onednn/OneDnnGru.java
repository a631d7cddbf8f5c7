package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.ops.Recurrent;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code torch.nn.GRU} on oneDNN's linear-before-reset GRU ({@code lbr_gru}), which is PyTorch's formulation:
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). One primitive per layer (oneDNN's multi-layer form needs every
 * layer's input width equal to the hidden width, which layer 0 and bidirectional stacks break); both directions of a
 * layer run in one primitive ({@code bidirectional_concat}, forward half first, as PyTorch). Layers chain through
 * native buffers; a batch_first input and output are read and written in place as oneDNN's {@code ntc} layout.
 *
 * <p>Weights: PyTorch stores the gates r | z | n; oneDNN's GRU gates are u (update = PyTorch's z) | r | o
 * (= n), so the rows are permuted once at load, into oneDNN's {@code ldgoi} (which is PyTorch's row-major (3H, in)
 * per gate), then reordered to the primitive's layout. The lbr bias has four gates:
 * b_u = b_iz + b_hz, b_r = b_ir + b_hr, b_o = b_in, and the extra b_u' = b_hn that multiplies with r.
 */
public final class OneDnnGru extends OneDnnLayerBase {
    final int inputSize, hidden, layers, dirs;
    final boolean batchFirst;
    /** Per layer: weights_layer, weights_iter, bias. */
    private final PackedWeights[] wLayer, wIter, bias;
    private final PlanCache<Key, GruPlan> plans = new PlanCache<>(OneDnnBackend.PLANS_PER_LAYER);

    /** PyTorch's gate block for oneDNN's gate g (u, r, o) → (z, r, n). */
    private static final int[] TORCH_GATE = {1, 0, 2};

    private record Key(int steps, int batch, boolean ntc, boolean h0) {
    }

    /** Takes a {@code torch.nn.GRU} ({@link OneDnnBackend#compile} checks the cell). */
    OneDnnGru(OneDnnBackend backend, String label, Recurrent gru) {
        super(backend, label);
        inputSize = gru.inputSize();
        hidden = gru.hiddenSize();
        layers = gru.layers();
        dirs = gru.directions();
        batchFirst = gru.batchFirst();
        int h = hidden, g3 = 3 * hidden;
        float[][] wih = new float[layers * dirs][], whh = new float[layers * dirs][], bih = new float[layers * dirs][], bhh = new float[layers * dirs][];
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                int i = l * dirs + d;
                wih[i] = gru.weightIh(l, d);
                whh[i] = gru.weightHh(l, d);
                bih[i] = gru.biasIh(l, d);
                bhh[i] = gru.biasHh(l, d);
            }
        }
        wLayer = new PackedWeights[layers];
        wIter = new PackedWeights[layers];
        bias = new PackedWeights[layers];
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : hidden * dirs;
            float[] wl = new float[dirs * g3 * in], wi = new float[dirs * g3 * h], b = new float[dirs * 4 * h];
            for (int d = 0; d < dirs; d++) {
                int i = l * dirs + d;
                for (int g = 0; g < 3; g++) {
                    int tg = TORCH_GATE[g];
                    System.arraycopy(wih[i], tg * h * in, wl, (d * 3 + g) * h * in, h * in);
                    System.arraycopy(whh[i], tg * h * h, wi, (d * 3 + g) * h * h, h * h);
                }
                if (bih[i] != null) {
                    int o = d * 4 * h;
                    for (int j = 0; j < h; j++) {
                        b[o + j] = bih[i][h + j] + bhh[i][h + j];             // u: z gate, input + hidden bias
                        b[o + h + j] = bih[i][j] + bhh[i][j];                 // r
                        b[o + 2 * h + j] = bih[i][2 * h + j];                 // o: the input part of n
                        b[o + 3 * h + j] = bhh[i][2 * h + j];                 // u': the hidden part of n, inside r ⊙ (…)
                    }
                }
            }
            String what = label + " layer " + l;
            wLayer[l] = new PackedWeights(backend, what + " weights_layer", wl, dnnl_h.dnnl_ldgoi(), 1, dirs, in, 3, h);
            wIter[l] = new PackedWeights(backend, what + " weights_iter", wi, dnnl_h.dnnl_ldgoi(), 1, dirs, h, 3, h);
            bias[l] = new PackedWeights(backend, what + " bias", b, dnnl_h.dnnl_ldgo(), 1, dirs, 4, h);
        }
        registered();
    }

    private Key key(long[] s, boolean h0) {
        boolean unbatched = s.length == 2;
        int steps = (int) (unbatched ? s[0] : (batchFirst ? s[1] : s[0]));
        int batch = (int) (unbatched ? 1 : (batchFirst ? s[0] : s[1]));
        return new Key(steps, batch, batchFirst && !unbatched && batch > 1 && steps > 1, h0);
    }

    @Override
    public void prepare(Frame f) {
        warm(plans, key(f.inShape[0], f.inputs() > 1), GruPlan::new);
    }

    @Override
    public void run(Frame f) {
        boolean h0 = f.inputs() > 1;
        enter();
        try {
            GruPlan p = plans.acquire(key(f.inShape[0], h0), GruPlan::new);
            try {
                Workspace ws = p.take();
                try {
                    load(f, 0, ws.src);
                    if (h0) load(f, 1, ws.h0);
                    execute(p, ws, ws.src, h0 ? ws.h0 : null);
                    store(ws.dst, f, 0);
                    store(ws.hn, f, 1);
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

    /**
     * Runs the layers in turn: layer l reads layer l − 1's output (native, in place) and writes h_n's slice l. Only
     * the first layer's source and the initial states change between calls; the rest was bound with the workspace.
     */
    private void execute(GruPlan p, Workspace ws, MemorySegment x, MemorySegment state) {
        ws.execs[0].set(0, x);
        long iterBytes = (long) dirs * p.key.batch * hidden * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            if (state != null) ws.execs[l].set(1, state == ws.h0 ? ws.h0Slices[l] : state.asSlice(l * iterBytes, iterBytes));
            ws.execs[l].execute();
        }
    }

    private record Workspace(Exec[] execs, Arena arena, MemorySegment src, MemorySegment h0, MemorySegment[] h0Slices,
                             MemorySegment dst, MemorySegment hn) implements AutoCloseable {
        @Override
        public void close() {
            for (Exec e : execs) e.close();
            arena.close();
        }
    }

    private final class GruPlan extends Plan<Workspace> {
        final Primitive[] prims = new Primitive[layers];
        final MemorySegment[] packedLayer = new MemorySegment[layers], packedIter = new MemorySegment[layers], packedBias = new MemorySegment[layers];
        final Key key;

        GruPlan(Key k) {
            this.key = k;
            int t = k.steps, n = k.batch, h = hidden, width = hidden * dirs;
            int dir = dirs == 2 ? dnnl_h.dnnl_bidirectional_concat() : dnnl_h.dnnl_unidirectional_left2right();
            try {
                for (int l = 0; l < layers; l++) {
                    int in = l == 0 ? inputSize : width;
                    int srcTag = l == 0 && k.ntc ? dnnl_h.dnnl_ntc() : dnnl_h.dnnl_tnc();
                    int dstTag = l == layers - 1 && k.ntc ? dnnl_h.dnnl_ntc() : dnnl_h.dnnl_tnc();
                    try (Dnnl.Scope sc = new Dnnl.Scope()) {
                        MemorySegment src = sc.md(srcTag, t, n, in);
                        MemorySegment srcIter = k.h0 ? sc.md(dnnl_h.dnnl_ldnc(), 1, dirs, n, h) : MemorySegment.NULL;
                        MemorySegment wl = sc.md(dnnl_h.dnnl_format_tag_any(), 1, dirs, in, 3, h);
                        MemorySegment wi = sc.md(dnnl_h.dnnl_format_tag_any(), 1, dirs, h, 3, h);
                        MemorySegment b = sc.md(dnnl_h.dnnl_format_tag_any(), 1, dirs, 4, h);
                        MemorySegment dst = sc.md(dstTag, t, n, width);
                        MemorySegment dstIter = sc.md(dnnl_h.dnnl_ldnc(), 1, dirs, n, h);
                        MemorySegment slot = sc.slot();
                        Dnnl.check(dnnl_h.dnnl_lbr_gru_forward_primitive_desc_create(slot, backend.engine, dnnl_h.dnnl_forward_inference(), dir,
                                        src, srcIter, wl, wi, b, dst, dstIter, dnnl_h.dnnl_rnn_flags_undef(), sc.attr()),
                                "dnnl_lbr_gru_forward_primitive_desc_create(" + label + " layer " + l + ", " + k + ")");
                        prims[l] = new Primitive("lbr_gru " + label + " layer " + l, Dnnl.out(slot));
                    }
                    packedLayer[l] = wLayer[l].in(prims[l].md(dnnl_h.DNNL_ARG_WEIGHTS_LAYER()));
                    packedIter[l] = wIter[l].in(prims[l].md(dnnl_h.DNNL_ARG_WEIGHTS_ITER()));
                    packedBias[l] = bias[l].in(prims[l].md(dnnl_h.DNNL_ARG_BIAS()));
                }
            } catch (RuntimeException e) {
                freePrimitives();
                throw e;
            }
            implementation(prims[0].implementation());
        }

        @Override
        protected Workspace newWorkspace() {
            Exec[] execs = new Exec[layers];
            Arena a = Arena.ofShared();
            try {
                for (int l = 0; l < layers; l++) {
                    execs[l] = key.h0
                            ? new Exec(backend.engine, prims[l], dnnl_h.DNNL_ARG_SRC_LAYER(), dnnl_h.DNNL_ARG_SRC_ITER(), dnnl_h.DNNL_ARG_WEIGHTS_LAYER(),
                            dnnl_h.DNNL_ARG_WEIGHTS_ITER(), dnnl_h.DNNL_ARG_BIAS(), dnnl_h.DNNL_ARG_DST_LAYER(), dnnl_h.DNNL_ARG_DST_ITER())
                            : new Exec(backend.engine, prims[l], dnnl_h.DNNL_ARG_SRC_LAYER(), dnnl_h.DNNL_ARG_WEIGHTS_LAYER(),
                            dnnl_h.DNNL_ARG_WEIGHTS_ITER(), dnnl_h.DNNL_ARG_BIAS(), dnnl_h.DNNL_ARG_DST_LAYER(), dnnl_h.DNNL_ARG_DST_ITER());
                }
                long seq = (long) key.steps * key.batch * Float.BYTES;
                long iterBytes = (long) dirs * key.batch * hidden * Float.BYTES;
                MemorySegment[] between = layers == 1 ? new MemorySegment[0]
                        : new MemorySegment[]{a.allocate(seq * hidden * dirs, Dnnl.ALIGN), a.allocate(seq * hidden * dirs, Dnnl.ALIGN)};
                MemorySegment src = a.allocate(seq * inputSize, Dnnl.ALIGN);
                MemorySegment h0 = key.h0 ? a.allocate(iterBytes * layers, Dnnl.ALIGN) : null;
                MemorySegment dst = a.allocate(seq * hidden * dirs, Dnnl.ALIGN);
                MemorySegment hn = a.allocate(iterBytes * layers, Dnnl.ALIGN);
                MemorySegment[] h0Slices = new MemorySegment[layers];
                int w = key.h0 ? 2 : 1; // index of WEIGHTS_LAYER
                for (int l = 0; l < layers; l++) {
                    Exec e = execs[l];
                    if (l > 0) e.set(0, between[(l - 1) % 2]);
                    if (key.h0) h0Slices[l] = h0.asSlice(l * iterBytes, iterBytes);
                    e.set(w, packedLayer[l]);
                    e.set(w + 1, packedIter[l]);
                    e.set(w + 2, packedBias[l]);
                    e.set(w + 3, l == layers - 1 ? dst : between[l % 2]);
                    e.set(w + 4, hn.asSlice(l * iterBytes, iterBytes));
                }
                return new Workspace(execs, a, src, h0, h0Slices, dst, hn);
            } catch (RuntimeException e) {
                for (Exec x : execs) if (x != null) x.close();
                a.close();
                throw e;
            }
        }

        @Override
        protected void freePrimitives() {
            for (Primitive p : prims) if (p != null) p.close();
        }
    }

    @Override
    public long heldBytes() {
        long b = 0;
        for (int l = 0; l < layers; l++) b += wLayer[l].bytes() + wIter[l].bytes() + bias[l].bytes();
        return b;
    }

    @Override
    int cachedPlans() {
        return plans.size();
    }

    @Override
    void freeNative() {
        plans.close();
        for (int l = 0; l < layers; l++) {
            wLayer[l].close();
            wIter[l].close();
            bias[l].close();
        }
    }

    @Override
    public String toString() {
        return "oneDNN GRU " + label;
    }
}
