package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Pool2d;
import dev.isthmus.engine.kernels.vector.Pool2dKernel;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.MaxPool2d} and {@code torch.nn.AvgPool2d} on NCHW or CHW input. */
public final class Pool2dLayer implements Layer {
    public enum Kind { MAX, AVG }

    final Kind kind;
    final int[] kernel, stride, padding, dilation;
    final boolean ceilMode, countIncludePad;
    final int divisorOverride;

    public Pool2dLayer(Kind kind, NodeArgs a) {
        this.kind = kind;
        kernel = a.requiredPair("kernel_size");
        int[] st = a.pair("stride", null);
        stride = st == null ? kernel.clone() : st;
        padding = a.pair("padding", new int[]{0, 0});
        ceilMode = a.bool("ceil_mode", false);
        if (kind == Kind.MAX) {
            dilation = a.pair("dilation", new int[]{1, 1});
            if (a.bool("return_indices", false)) throw new IllegalArgumentException("return_indices=true is not supported");
            countIncludePad = false;
            divisorOverride = 0;
        } else {
            dilation = new int[]{1, 1};
            countIncludePad = a.bool("count_include_pad", true);
            divisorOverride = a.integer("divisor_override", 0);
            if (divisorOverride < 0) throw new IllegalArgumentException("divisor_override must be positive");
        }
        for (int i = 0; i < 2; i++) {
            if (kernel[i] <= 0 || stride[i] <= 0 || dilation[i] <= 0) throw new IllegalArgumentException("kernel_size, stride and dilation must be positive");
            if (padding[i] < 0 || padding[i] > kernel[i] / 2) {
                throw new IllegalArgumentException("padding should be at most half of the kernel size (PyTorch's rule), got padding "
                        + padding[i] + " for kernel " + kernel[i]);
            }
        }
    }

    /** PyTorch's {@code MaxPool2d(2)}: 2×2 windows at stride 2, no padding or dilation, floor mode. */
    boolean isMaxPool2() {
        return kind == Kind.MAX && kernel[0] == 2 && kernel[1] == 2 && stride[0] == 2 && stride[1] == 2 && padding[0] == 0
                && padding[1] == 0 && dilation[0] == 1 && dilation[1] == 1 && !ceilMode;
    }

    @Override
    public boolean isPlanned() {
        return Simd.enabled();
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0], o = f.outShape[0];
        int h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        int planes = f.inSize(0) / (h * w);
        int oh = (int) o[o.length - 2], ow = (int) o[o.length - 1];
        if (kind == Kind.MAX) {
            Pool2dKernel.max(f.buf, f.in[0], planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    dilation[0], dilation[1], f.buf, f.out[0], oh, ow, f.pool);
        } else {
            Pool2dKernel.avg(f.buf, f.in[0], planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    countIncludePad, divisorOverride, f.buf, f.out[0], oh, ow, f.pool);
        }
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3, 4);
        long[] o = s.clone();
        o[s.length - 2] = outDim(s[s.length - 2], 0);
        o[s.length - 1] = outDim(s[s.length - 1], 1);
        return List.of(o);
    }

    private long outDim(long in, int axis) {
        if (in < 0) return -1;
        int o = Pool2d.outSize((int) in, kernel[axis], stride[axis], padding[axis], dilation[axis], ceilMode);
        if (o <= 0) throw new IllegalArgumentException("input size " + in + " is too small for the pooling window");
        return o;
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        long[] s = t.shape();
        int h = (int) s[s.length - 2], w = (int) s[s.length - 1];
        int planes = (int) (t.numel() / ((long) h * w));
        int oh = (int) outDim(h, 0), ow = (int) outDim(w, 1);
        float[] y = new float[planes * oh * ow];
        if (Simd.enabled() && kind == Kind.MAX) {
            Pool2dKernel.max(Floats.of(t), planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    dilation[0], dilation[1], y, oh, ow, pool);
        } else if (Simd.enabled()) {
            Pool2dKernel.avg(Floats.of(t), planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    countIncludePad, divisorOverride, y, oh, ow, pool);
        } else if (kind == Kind.MAX) {
            Pool2d.max(Floats.of(t), planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    dilation[0], dilation[1], y, oh, ow);
        } else {
            Pool2d.avg(Floats.of(t), planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                    countIncludePad, divisorOverride, y, oh, ow);
        }
        long[] os = s.clone();
        os[s.length - 2] = oh;
        os[s.length - 1] = ow;
        return List.of(Tensor.ofFloats(y, os));
    }
}
