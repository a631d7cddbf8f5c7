package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.kernels.NarrowMatrix;
import dev.isthmus.engine.kernels.RecurrentKernel;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code torch.nn.GRU}, {@code torch.nn.LSTM} and {@code torch.nn.RNN} with all their arguments: num_layers, bias,
 * batch_first, bidirectional, (LSTM) proj_size, (RNN) nonlinearity; dropout is ignored at inference. Input
 * (batch, seq, in) with batch_first, else (seq, batch, in), or unbatched (seq, in); optional inputs h_0 (and for the
 * LSTM c_0), of shape (layers·directions, batch, width). Results as PyTorch's, flattened: GRU and RNN
 * {@code [output, h_n]}, LSTM {@code [output, h_n, c_n]}.
 */
public final class Recurrent implements Op {
    /** The three cell types, with their gate count. */
    public enum Cell {
        GRU(3), LSTM(4), RNN_TANH(1), RNN_RELU(1);

        final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    final Cell cell;
    final int inputSize, hidden, proj, layers, dirs;
    final boolean batchFirst;
    /** Per layer and direction (index layer·dirs + dir). */
    final Tensor[] wih, whh, bih, bhh, whr;

    private Recurrent(Cell cell, int inputSize, int hidden, int proj, int layers, int dirs, boolean batchFirst, Tensor[] wih,
                      Tensor[] whh, Tensor[] bih, Tensor[] bhh, Tensor[] whr) {
        this.cell = cell;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.proj = proj;
        this.layers = layers;
        this.dirs = dirs;
        this.batchFirst = batchFirst;
        this.wih = wih;
        this.whh = whh;
        this.bih = bih;
        this.bhh = bhh;
        this.whr = whr;
    }

    /** Reads the arguments of {@code GRU}, {@code LSTM} or {@code RNN} and binds the weights. */
    public static Recurrent create(String module, OpArgs a, Weights w) {
        int inputSize = a.requiredInt("input_size");
        int hidden = a.requiredInt("hidden_size");
        int layers = a.integer("num_layers", 1);
        boolean bias = a.bool("bias", true);
        boolean batchFirst = a.bool("batch_first", false);
        int dirs = a.bool("bidirectional", false) ? 2 : 1;
        a.ignore("dropout", "device", "dtype");
        Cell cell;
        int proj = 0;
        switch (module) {
            case "GRU" -> {
                cell = Cell.GRU;
                if (a.integer("proj_size", 0) != 0) throw new IllegalArgumentException("proj_size is not a GRU argument");
            }
            case "LSTM" -> {
                cell = Cell.LSTM;
                proj = a.integer("proj_size", 0);
                if (proj < 0 || (proj > 0 && proj >= hidden)) throw new IllegalArgumentException("proj_size must be ≥ 0 and smaller than hidden_size");
            }
            default -> {
                String nl = a.choice("nonlinearity", "tanh", "tanh", "relu");
                cell = nl.equals("relu") ? Cell.RNN_RELU : Cell.RNN_TANH;
            }
        }
        if (inputSize <= 0 || hidden <= 0 || layers <= 0) throw new IllegalArgumentException("input_size, hidden_size and num_layers must be positive");
        w.requireRoomFor(a, "num_layers", layers, dirs * (2 + (bias ? 2 : 0) + (proj > 0 ? 1 : 0)));
        int count = layers * dirs, g = cell.gates * hidden, width = proj > 0 ? proj : hidden;
        Tensor[] wih = new Tensor[count], whh = new Tensor[count], bih = new Tensor[count], bhh = new Tensor[count];
        Tensor[] whr = proj > 0 ? new Tensor[count] : null;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : width * dirs;
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                int i = l * dirs + d;
                wih[i] = w.require(a, "weight_ih" + sfx, g, in);
                whh[i] = w.require(a, "weight_hh" + sfx, g, width);
                if (bias) {
                    bih[i] = w.require(a, "bias_ih" + sfx, g);
                    bhh[i] = w.require(a, "bias_hh" + sfx, g);
                }
                if (whr != null) whr[i] = w.require(a, "weight_hr" + sfx, proj, hidden);
            }
        }
        return new Recurrent(cell, inputSize, hidden, proj, layers, dirs, batchFirst, wih, whh, bih, bhh, whr);
    }

    @Override
    public String name() {
        return switch (cell) {
            case GRU -> "GRU";
            case LSTM -> "LSTM";
            default -> "RNN";
        };
    }

    public Cell cell() {
        return cell;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hidden;
    }

    /** The LSTM projection size, or 0. */
    public int projSize() {
        return proj;
    }

    public int layers() {
        return layers;
    }

    public int directions() {
        return dirs;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    /** W_ih of a layer and direction, as stored: (gates·H, in). */
    public float[] weightIh(int layer, int dir) {
        return Params.floats(wih[layer * dirs + dir]);
    }

    /** W_hh, as stored: (gates·H, width). */
    public float[] weightHh(int layer, int dir) {
        return Params.floats(whh[layer * dirs + dir]);
    }

    /** b_ih, or null without bias. */
    public float[] biasIh(int layer, int dir) {
        return Params.floats(bih[layer * dirs + dir]);
    }

    /** b_hh, or null without bias. */
    public float[] biasHh(int layer, int dir) {
        return Params.floats(bhh[layer * dirs + dir]);
    }

    /** Width of h: the projection size, or the hidden size. */
    private int width() {
        return proj > 0 ? proj : hidden;
    }

    private int stateInputs() {
        return cell == Cell.LSTM ? 2 : 1;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1 + stateInputs());
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.rank(s, 2, 3);
        ShapeRules.dim(s, -1, inputSize, "input_size (the last dimension)");
        long batch = s.length == 2 ? 0 : (batchFirst ? s[0] : s[1]);
        long[] out = s.clone();
        out[out.length - 1] = (long) width() * dirs;
        long[] hn = s.length == 2 ? new long[]{(long) layers * dirs, width()} : new long[]{(long) layers * dirs, batch, width()};
        long[] cn = s.length == 2 ? new long[]{(long) layers * dirs, hidden} : new long[]{(long) layers * dirs, batch, hidden};
        for (int i = 1; i < in.size(); i++) {
            long[] want = i == 1 ? hn : cn;
            long[] got = ShapeRules.floats(in, i).dims();
            boolean ok = got.length == want.length;
            for (int k = 0; ok && k < got.length; k++) ok = got[k] < 0 || want[k] < 0 || got[k] == want[k];
            if (!ok) {
                throw new IllegalArgumentException((i == 1 ? "h_0" : "c_0") + " must have shape " + Shape.toString(want) + ", got "
                        + Shape.toString(got));
            }
        }
        List<ValueType> r = new ArrayList<>(List.of(ValueType.f32(out), ValueType.f32(hn)));
        if (cell == Cell.LSTM) r.add(ValueType.f32(cn));
        return r;
    }

    @Override
    public long paramBytes() {
        long b = 0;
        for (Tensor[] g : new Tensor[][]{wih, whh, bih, bhh, whr}) if (g != null) b += Params.bytes(g);
        return b;
    }

    @Override
    public String summary() {
        return inputSize + "→" + hidden + (proj > 0 ? " (proj " + proj + ")" : "") + ", " + layers + " layer" + (layers > 1 ? "s" : "")
                + (dirs == 2 ? ", bidirectional" : "") + (batchFirst ? ", batch_first" : "")
                + (cell == Cell.RNN_RELU ? ", relu" : "") + Params.narrowNote(wih[0]);
    }

    /** Steps and batch of an input shape, and whether the input must be transposed to time-major. */
    private int[] geometry(long[] s) {
        boolean unbatched = s.length == 2;
        int steps = (int) (unbatched ? s[0] : (batchFirst ? s[1] : s[0]));
        int batch = (int) (unbatched ? 1 : (batchFirst ? s[0] : s[1]));
        return new int[]{steps, batch, batchFirst && !unbatched && batch > 1 && steps > 1 ? 1 : 0};
    }

    /** True for a GRU or an LSTM without a projection whose W_ih and W_hh are all int8 with scales. */
    public boolean quantizedInt8() {
        if (cell != Cell.GRU && !(cell == Cell.LSTM && whr == null)) return false;
        for (Tensor[] g : new Tensor[][]{wih, whh}) {
            for (Tensor t : g) if (!t.isQuantized()) return false;
        }
        return true;
    }

    @Override
    public Executable compile(KernelProvider k) {
        return compile(k, null);
    }

    /**
     * The layers on {@code k}, with the input projections of the weight-only layers (a GRU or an LSTM without a
     * projection whose weights are int8 or bf16) made by {@code products} when it is given: one product per layer and
     * direction over all the steps, named as the weight ({@code weight_ih_l0}, {@code weight_ih_l0_reverse}), with
     * the bias the cell adds to its input side (GRU b_ih; LSTM b_ih + b_hh).
     */
    public Executable compile(KernelProvider k, Products products) {
        RecurrentKernel[] kernels = new RecurrentKernel[layers];
        for (int l = 0; l < layers; l++) {
            int at = l * dirs;
            kernels[l] = narrow(wih, at) && narrow(whh, at) && (whr == null || narrow(whr, at)) ? narrowLayer(k, products, l) : floatLayer(k, l);
        }
        int width = width();
        boolean lstm = cell == Cell.LSTM;
        return new Executable() {
            @Override
            public long scratchFloats(long[][] in, long[][] out) {
                int[] g = geometry(in[0]);
                long sb = (long) g[0] * g[1];
                return sb * inputSize + 2 * sb * width * dirs;
            }

            @Override
            public void run(Frame f) {
                int[] g = geometry(f.inShape[0]);
                int steps = g[0], batch = g[1];
                boolean transpose = g[2] == 1;
                int w2 = width * dirs;
                float[] b = f.buf;
                int xT = f.scratch, outA = xT + steps * batch * inputSize, outB = outA + steps * batch * w2;
                int x = f.in[0];
                if (transpose) {
                    swapOuter(b, x, b, xT, batch, steps, inputSize);
                    x = xT;
                }
                int hn = f.out[1], states = layers * dirs * batch * width;
                if (f.inputs() > 1) System.arraycopy(b, f.in[1], b, hn, states);
                else java.util.Arrays.fill(b, hn, hn + states, 0f);
                int cn = lstm ? f.out[2] : 0, cells = layers * dirs * batch * hidden;
                if (lstm) {
                    if (f.inputs() > 2) System.arraycopy(b, f.in[2], b, cn, cells);
                    else java.util.Arrays.fill(b, cn, cn + cells, 0f);
                }
                int cur = x;
                for (int l = 0; l < layers; l++) {
                    int dst = l == layers - 1 && !transpose ? f.out[0] : (l % 2 == 0 ? outA : outB);
                    kernels[l].forward(b, cur, steps, batch, b, hn + l * dirs * batch * width, lstm ? b : null,
                            cn + l * dirs * batch * hidden, b, dst, f.pool);
                    cur = dst;
                }
                if (transpose) swapOuter(b, cur, b, f.out[0], steps, batch, w2);
            }

            @Override
            public long heldBytes() {
                long s = 0;
                for (RecurrentKernel r : kernels) s += r.heldBytes();
                return s;
            }
        };
    }

    /** Inputs of layer {@code l}: the model's for the first, the directions' outputs of the one before for the others. */
    private int layerInputs(int l) {
        return l == 0 ? inputSize : width() * dirs;
    }

    /**
     * Layer {@code l} whose weights are all int8 or bf16: they stay 1 or 2 bytes, and the weight-only kernels widen them
     * in registers; a GRU's or an LSTM's (without a projection) input projections come from {@code products} when given.
     */
    private RecurrentKernel narrowLayer(KernelProvider k, Products products, int l) {
        int in = layerInputs(l), at = l * dirs, g = cell.gates * hidden;
        boolean lstmNoProj = cell == Cell.LSTM && whr == null;
        NarrowMatrix[] wh = new NarrowMatrix[dirs];
        for (int d = 0; d < dirs; d++) wh[d] = NarrowMatrix.of(whh[at + d], g, width());
        if (products != null && (cell == Cell.GRU || lstmNoProj)) {
            LinearKernel[] inputProducts = new LinearKernel[dirs];
            for (int d = 0; d < dirs; d++) {
                Tensor bi = bih == null ? null : bih[at + d], bh = bhh == null ? null : bhh[at + d];
                float[] bias = cell == Cell.GRU ? Params.floats(bi) : summed(bi, bh);
                inputProducts[d] = products.linear("weight_ih_l" + l + (d == 1 ? "_reverse" : ""), wih[at + d], bias, Activation.NONE);
            }
            return cell == Cell.GRU ? k.gru(in, hidden, dirs, inputProducts, wh, floats(bhh, at)) : k.lstm(in, hidden, dirs, inputProducts, wh);
        }
        NarrowMatrix[] wi = new NarrowMatrix[dirs];
        for (int d = 0; d < dirs; d++) wi[d] = NarrowMatrix.of(wih[at + d], g, in);
        float[][] bi = floats(bih, at), bh = floats(bhh, at);
        return switch (cell) {
            case GRU -> k.gru(in, hidden, dirs, wi, wh, bi, bh);
            case LSTM -> lstmNoProj ? k.lstm(in, hidden, dirs, wi, wh, bi, bh) : k.lstm(in, hidden, proj, dirs, wi, wh, bi, bh, projections(at));
            case RNN_TANH, RNN_RELU -> k.rnn(in, hidden, dirs, cell == Cell.RNN_RELU, wi, wh, bi, bh);
        };
    }

    /** Layer {@code l} on F32 weights: mixed dtypes (some F32, others int8 / bf16) widen the narrow ones here. */
    private RecurrentKernel floatLayer(KernelProvider k, int l) {
        int in = layerInputs(l), at = l * dirs;
        float[][] wi = floats(wih, at), wh = floats(whh, at), bi = floats(bih, at), bh = floats(bhh, at);
        return switch (cell) {
            case GRU -> k.gru(in, hidden, dirs, wi, wh, bi, bh);
            case LSTM -> k.lstm(in, hidden, proj, dirs, wi, wh, bi, bh, whr == null ? null : floats(whr, at));
            case RNN_TANH, RNN_RELU -> k.rnn(in, hidden, dirs, cell == Cell.RNN_RELU, wi, wh, bi, bh);
        };
    }

    /** a + b as floats (either may be null: no bias); null when both are. */
    private static float[] summed(Tensor a, Tensor b) {
        float[] x = Params.floats(a), y = Params.floats(b);
        if (x == null || y == null) return x == null ? y : x;
        float[] s = x.clone(); // floats() may hand out a tensor's own array
        for (int i = 0; i < s.length; i++) s[i] += y[i];
        return s;
    }

    /** The projections W_hr (P × H) of one layer's directions (from index {@code at}), narrow. */
    private NarrowMatrix[] projections(int at) {
        NarrowMatrix[] r = new NarrowMatrix[dirs];
        for (int d = 0; d < dirs; d++) r[d] = NarrowMatrix.of(whr[at + d], proj, hidden);
        return r;
    }

    /** True when every direction of one layer's weights (from index {@code at}) is int8 or bf16. */
    private boolean narrow(Tensor[] ts, int at) {
        for (int d = 0; d < dirs; d++) if (!NarrowMatrix.holds(ts[at + d])) return false;
        return true;
    }

    /** The directions of one layer (starting at index {@code at}) as float arrays (null entries stay null). */
    private float[][] floats(Tensor[] ts, int at) {
        float[][] out = new float[dirs][];
        for (int d = 0; d < dirs; d++) out[d] = Params.floats(ts[at + d]);
        return out;
    }

    /** Swaps the two outer axes: src (outer, inner, width) → dst (inner, outer, width). */
    static void swapOuter(float[] src, int so, float[] dst, int dOff, int outer, int inner, int width) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) System.arraycopy(src, so + (o * inner + i) * width, dst, dOff + (i * outer + o) * width, width);
        }
    }
}
