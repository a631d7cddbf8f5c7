package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Gru;
import dev.isthmus.engine.kernels.vector.GruKernel;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.GRU}: results {@code [output, h_n]} as in PyTorch. Input (batch, seq, in) with batch_first, else
 * (seq, batch, in), or unbatched (seq, in). An optional second input is h_0, shape (layers·directions, batch, hidden).
 */
public final class GruLayer implements Layer {
    final int inputSize, hidden, layers, dirs;
    final boolean batchFirst;
    /** Per layer and direction (index layer·dirs + dir). */
    final float[][] wih, whh, bih, bhh;
    /** Per layer: the vector kernel with its weights packed at load; null when SIMD is off (the reference runs). */
    final GruKernel[] fast;

    public GruLayer(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        inputSize = a.requiredInt("input_size");
        hidden = a.requiredInt("hidden_size");
        layers = a.integer("num_layers", 1);
        boolean bias = a.bool("bias", true);
        batchFirst = a.bool("batch_first", false);
        dirs = a.bool("bidirectional", false) ? 2 : 1;
        a.ignore("dropout", "device", "dtype");
        if (a.integer("proj_size", 0) != 0) throw new IllegalArgumentException("proj_size is not a GRU argument");
        if (inputSize <= 0 || hidden <= 0 || layers <= 0) throw new IllegalArgumentException("input_size, hidden_size and num_layers must be positive");
        int count = layers * dirs;
        wih = new float[count][];
        whh = new float[count][];
        bih = new float[count][];
        bhh = new float[count][];
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : hidden * dirs;
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                int i = l * dirs + d;
                wih[i] = w.require(n, "weight_ih" + sfx, 3L * hidden, in);
                whh[i] = w.require(n, "weight_hh" + sfx, 3L * hidden, hidden);
                bih[i] = bias ? w.require(n, "bias_ih" + sfx, 3L * hidden) : null;
                bhh[i] = bias ? w.require(n, "bias_hh" + sfx, 3L * hidden) : null;
            }
        }
        if (Simd.enabled()) {
            fast = new GruKernel[layers];
            for (int l = 0; l < layers; l++) {
                int in = l == 0 ? inputSize : hidden * dirs, at = l * dirs;
                fast[l] = new GruKernel(in, hidden, dirs, java.util.Arrays.copyOfRange(wih, at, at + dirs),
                        java.util.Arrays.copyOfRange(whh, at, at + dirs), java.util.Arrays.copyOfRange(bih, at, at + dirs),
                        java.util.Arrays.copyOfRange(bhh, at, at + dirs));
            }
        } else {
            fast = null;
        }
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    @Override
    public boolean isPlanned() {
        return fast != null;
    }

    @Override
    public void trim() {
        if (fast == null) return;
        java.util.Arrays.fill(wih, null); // the kernels hold packed copies
        java.util.Arrays.fill(whh, null);
    }

    @Override
    public long heldBytes() {
        long b = 0;
        for (float[][] g : new float[][][]{wih, whh, bih, bhh}) for (float[] a : g) b += a == null ? 0 : 4L * a.length;
        if (fast != null) for (GruKernel k : fast) b += k.footprint();
        return b;
    }

    /** Steps and batch of an input shape. */
    private int[] geometry(long[] s) {
        boolean unbatched = s.length == 2;
        int steps = (int) (unbatched ? s[0] : (batchFirst ? s[1] : s[0]));
        int batch = (int) (unbatched ? 1 : (batchFirst ? s[0] : s[1]));
        return new int[]{steps, batch, batchFirst && !unbatched && batch > 1 && steps > 1 ? 1 : 0};
    }

    @Override
    public long scratchFloats(List<long[]> in) {
        int[] g = geometry(in.get(0));
        long sb = (long) g[0] * g[1];
        return sb * inputSize + 2 * sb * hidden * dirs;
    }

    @Override
    public void run(Frame f) {
        int[] g = geometry(f.inShape[0]);
        int steps = g[0], batch = g[1];
        boolean transpose = g[2] == 1;
        int width = hidden * dirs;
        float[] b = f.buf;
        int xT = f.scratch, outA = xT + steps * batch * inputSize, outB = outA + steps * batch * width;
        int x = f.in[0];
        if (transpose) {
            Floats.swapOuter(b, x, b, xT, batch, steps, inputSize);
            x = xT;
        }
        int hn = f.out[1], states = layers * dirs * batch * hidden;
        if (f.in.length > 1) System.arraycopy(b, f.in[1], b, hn, states);
        else java.util.Arrays.fill(b, hn, hn + states, 0f);
        int cur = x;
        for (int l = 0; l < layers; l++) {
            int dst = l == layers - 1 && !transpose ? f.out[0] : (l % 2 == 0 ? outA : outB);
            fast[l].forward(b, cur, steps, batch, b, hn + l * dirs * batch * hidden, b, dst, f.pool);
            cur = dst;
        }
        if (transpose) Floats.swapOuter(b, cur, b, f.out[0], steps, batch, width);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 2, 3);
        Shapes.dim(s, -1, inputSize, "input_size (the last dimension)");
        long batch = s.length == 2 ? 0 : (batchFirst ? s[0] : s[1]);
        long[] out = s.clone();
        out[out.length - 1] = (long) hidden * dirs;
        long[] hn = s.length == 2 ? new long[]{(long) layers * dirs, hidden} : new long[]{(long) layers * dirs, batch, hidden};
        if (in.size() > 1 && !java.util.Arrays.equals(in.get(1), hn)) {
            long[] h0 = in.get(1);
            boolean ok = h0.length == hn.length;
            for (int i = 0; ok && i < h0.length; i++) ok = h0[i] < 0 || hn[i] < 0 || h0[i] == hn[i];
            if (!ok) throw new IllegalArgumentException("h_0 must have shape " + dev.isthmus.engine.tensor.Shape.toString(hn)
                    + ", got " + dev.isthmus.engine.tensor.Shape.toString(h0));
        }
        return List.of(out, hn);
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        boolean unbatched = s.length == 2;
        int steps = (int) (unbatched ? s[0] : (batchFirst ? s[1] : s[0]));
        int batch = (int) (unbatched ? 1 : (batchFirst ? s[0] : s[1]));
        float[] x = toTimeMajor(Floats.of(t), steps, batch, inputSize, batchFirst && !unbatched);
        float[] h0 = inputs.size() > 1 ? Floats.of(inputs.get(1)) : null;
        float[] hn = new float[layers * dirs * batch * hidden];
        int width = hidden * dirs;
        float[] cur = x;
        int curIn = inputSize;
        for (int l = 0; l < layers; l++) {
            float[] out = new float[steps * batch * width];
            if (fast != null) {
                int at = l * dirs * batch * hidden;
                if (h0 != null) System.arraycopy(h0, at, hn, at, dirs * batch * hidden);
                fast[l].forward(cur, steps, batch, hn, at, out, pool);
                cur = out;
                curIn = width;
                continue;
            }
            for (int d = 0; d < dirs; d++) {
                int i = l * dirs + d;
                float[] h = new float[batch * hidden];
                if (h0 != null) System.arraycopy(h0, i * batch * hidden, h, 0, batch * hidden);
                Gru.layer(cur, steps, batch, curIn, wih[i], whh[i], bih[i], bhh[i], hidden, d == 1, h, out, width, d * hidden);
                System.arraycopy(h, 0, hn, i * batch * hidden, batch * hidden);
            }
            cur = out;
            curIn = width;
        }
        float[] y = batchFirst && !unbatched ? toBatchMajor(cur, steps, batch, width) : cur;
        long[] os = s.clone();
        os[os.length - 1] = width;
        long[] hs = unbatched ? new long[]{(long) layers * dirs, hidden} : new long[]{(long) layers * dirs, batch, hidden};
        return List.of(Tensor.ofFloats(y, os), Tensor.ofFloats(hn, hs));
    }

    static float[] toTimeMajor(float[] x, int steps, int batch, int width, boolean batchFirst) {
        if (!batchFirst || batch == 1 || steps == 1) return x;
        float[] y = new float[x.length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++) System.arraycopy(x, (b * steps + t) * width, y, (t * batch + b) * width, width);
        return y;
    }

    static float[] toBatchMajor(float[] x, int steps, int batch, int width) {
        if (batch == 1 || steps == 1) return x;
        float[] y = new float[x.length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++) System.arraycopy(x, (t * batch + b) * width, y, (b * steps + t) * width, width);
        return y;
    }
}
