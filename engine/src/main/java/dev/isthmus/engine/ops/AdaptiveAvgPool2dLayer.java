package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.AdaptiveAvgPool2d}: output_size an int, a pair, or a pair with null (= keep that input size). */
public final class AdaptiveAvgPool2dLayer implements Layer {
    /** Target height and width; 0 = same as the input. */
    final int outH, outW;

    public AdaptiveAvgPool2dLayer(NodeArgs a) {
        Object v = a.raw("output_size");
        if (v == null) throw new IllegalArgumentException("missing required argument 'output_size'");
        if (v instanceof List<?> l && l.size() == 2) {
            outH = l.get(0) == null ? 0 : a.intValue("output_size", l.get(0));
            outW = l.get(1) == null ? 0 : a.intValue("output_size", l.get(1));
        } else {
            int[] p = a.pair("output_size", null);
            outH = p[0];
            outW = p[1];
        }
        if (outH < 0 || outW < 0 || (!(v instanceof List) && outH == 0)) throw new IllegalArgumentException("output_size must be positive");
    }

    @Override
    public boolean isPlanned() {
        return true;
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0], o = f.outShape[0];
        int h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        Pool2d.adaptiveAvg(f.buf, f.in[0], f.inSize(0) / (h * w), h, w, f.buf, f.out[0], (int) o[o.length - 2], (int) o[o.length - 1]);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3, 4);
        long[] o = s.clone();
        if (outH > 0) o[s.length - 2] = outH;
        if (outW > 0) o[s.length - 1] = outW;
        return List.of(o);
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        long[] s = t.shape();
        int h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        int oh = outH > 0 ? outH : h, ow = outW > 0 ? outW : w;
        int planes = (int) (t.numel() / ((long) h * w));
        float[] y = new float[planes * oh * ow];
        Pool2d.adaptiveAvg(Floats.of(t), planes, h, w, y, oh, ow);
        long[] os = s.clone();
        os[s.length - 2] = oh;
        os[s.length - 1] = ow;
        return List.of(Tensor.ofFloats(y, os));
    }
}
