package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Conv2d;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.kernels.vector.conv.Conv2dKernel;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.Conv2d}: NCHW (or unbatched CHW), zero padding, int/pair/"same"/"valid" padding, groups. */
public final class Conv2dLayer implements Layer, dev.isthmus.engine.graph.Fusable {
    final int inChannels, outChannels, groups;
    final int[] kernel, stride, dilation;
    final Conv2dArgs geometry;
    /** Leading and trailing padding per axis: top, bottom, left, right. */
    final int padTop, padBottom, padLeft, padRight;
    float[] weight, bias;
    /** The vector kernel with the weights packed at load; null when SIMD is off (the reference kernel runs). */
    Conv2dKernel fast;
    /** An activation fused into the convolution's epilogue at load (see {@link #fuse}). */
    Activation act = Activation.NONE;
    /** A MaxPool2d(2) fused at load (see {@link #fuse}): the result is act(max over 2×2 windows of the convolution). */
    boolean maxPool2;

    public Conv2dLayer(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        Conv2dArgs c = Conv2dArgs.read(a);
        geometry = c;
        inChannels = c.inChannels();
        outChannels = c.outChannels();
        kernel = c.kernel();
        stride = c.stride();
        dilation = c.dilation();
        groups = c.groups();
        boolean hasBias = c.bias();
        padTop = c.padTop();
        padBottom = c.padBottom();
        padLeft = c.padLeft();
        padRight = c.padRight();
        weight = w.require(n, "weight", c.weightShape());
        bias = hasBias ? w.require(n, "bias", outChannels) : null;
        fast = Simd.enabled() ? newKernel() : null;
    }

    /**
     * Takes over what follows: an activation into the epilogue, an eval-mode BatchNorm2d with running statistics
     * folded into the weights (w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β) before any activation, or a MaxPool2d(2) after
     * nothing or a ReLU (the kernel pools each output tile while it is in registers or cache). The fused nodes become
     * views of this layer's memory, whose first floats then hold the pooled result.
     */
    @Override
    public boolean fuse(Layer next) {
        if (next instanceof Pool2dLayer p && p.isMaxPool2() && !maxPool2 && (act == Activation.NONE || act == Activation.RELU)) {
            // ReLU commutes with max; a later activation (conv → pool → act) is applied to the pooled values
            maxPool2 = true;
            return true;
        }
        if (next instanceof ActivationLayer a) {
            if (act != Activation.NONE || a.act == Activation.NONE) return false;
            act = a.act;
            return true;
        }
        if (next instanceof BatchNorm2dLayer bn && bn.mean != null && act == Activation.NONE && !maxPool2 && bn.features == outChannels) {
            int per = weight.length / outChannels;
            float[] w = weight.clone();
            float[] b = new float[outChannels];
            for (int oc = 0; oc < outChannels; oc++) {
                double scale = (bn.gamma == null ? 1.0 : bn.gamma[oc]) / Math.sqrt(bn.var[oc] + bn.eps);
                for (int i = 0; i < per; i++) w[oc * per + i] = (float) (weight[oc * per + i] * scale);
                double b0 = bias == null ? 0.0 : bias[oc];
                b[oc] = (float) ((b0 - bn.mean[oc]) * scale + (bn.beta == null ? 0.0 : bn.beta[oc]));
            }
            weight = w;
            bias = b;
            if (fast != null) fast = newKernel();
            return true;
        }
        return false;
    }

    private Conv2dKernel newKernel() {
        return new Conv2dKernel(weight, bias, inChannels, outChannels, kernel[0], kernel[1], stride[0], stride[1],
                padTop, padLeft, dilation[0], dilation[1], groups);
    }

    @Override
    public long heldBytes() {
        return 4L * (weight.length + (bias == null ? 0 : bias.length)) + (fast == null ? 0 : fast.footprint());
    }

    @Override
    public boolean isPlanned() {
        return fast != null;
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0];
        int n = s.length == 4 ? (int) s[0] : 1, h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        fast.forward(f.buf, f.in[0], n, h, w, f.buf, f.out[0], (int) outDim(h, 0), (int) outDim(w, 1), act, maxPool2, f.pool);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        List<long[]> o = geometry.outputShapes(in);
        if (!maxPool2) return o;
        long[] s = o.get(0).clone();
        for (int k = s.length - 2; k < s.length; k++) s[k] = s[k] < 0 ? -1 : s[k] / 2;
        return List.of(s);
    }

    private long outDim(long in, int axis) {
        return geometry.outDim(in, axis);
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        long[] s = t.shape();
        boolean batched = s.length == 4;
        int n = batched ? (int) s[0] : 1, h = (int) s[s.length - 2], wd = (int) s[s.length - 1];
        int oh = (int) outDim(h, 0), ow = (int) outDim(wd, 1);
        int ph = maxPool2 ? oh / 2 : oh, pw = maxPool2 ? ow / 2 : ow;
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(n, outChannels), ph * pw)];
        if (fast != null) {
            fast.forward(Floats.of(t), 0, n, h, wd, y, 0, oh, ow, act, maxPool2, pool);
        } else if (maxPool2) {
            float[] c = new float[Math.multiplyExact(Math.multiplyExact(n, outChannels), oh * ow)];
            Conv2d.forward(Floats.of(t), n, inChannels, h, wd, weight, bias, outChannels, kernel[0], kernel[1], stride[0], stride[1],
                    padTop, padLeft, dilation[0], dilation[1], groups, c, oh, ow, Activation.NONE);
            Pool2d.max(c, n * outChannels, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, y, ph, pw);
            for (int i = 0; i < y.length; i++) y[i] = act.apply(y[i]);
        } else {
            Conv2d.forward(Floats.of(t), n, inChannels, h, wd, weight, bias, outChannels, kernel[0], kernel[1], stride[0], stride[1],
                    padTop, padLeft, dilation[0], dilation[1], groups, y, oh, ow, act);
        }
        return List.of(batched ? Tensor.ofFloats(y, n, outChannels, ph, pw) : Tensor.ofFloats(y, outChannels, ph, pw));
    }
}
