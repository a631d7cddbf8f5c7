package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.reference.Pool2d;

import java.util.List;

/**
 * {@code MaxPool1d}, {@code MaxPool2d}, {@code AvgPool1d}, {@code AvgPool2d} and the functions {@code max_pool1d},
 * {@code max_pool2d}, {@code avg_pool1d}, {@code avg_pool2d} (same arguments), on (N, C, [H,] W) or unbatched input,
 * with PyTorch's rules for padding, dilation, ceil_mode, count_include_pad and divisor_override. 1-D pooling runs as
 * 2-D with a window of height 1.
 */
public final class Pool implements Op {
    final boolean max;
    final int dims, kh, kw, sh, sw, ph, pw, dh, dw;
    final boolean ceilMode, countIncludePad;
    final int divisorOverride;

    private Pool(boolean max, int dims, int[] k, int[] s, int[] p, int[] d, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        this.max = max;
        this.dims = dims;
        int last = dims - 1;
        this.kh = dims == 1 ? 1 : k[0];
        this.kw = k[last];
        this.sh = dims == 1 ? 1 : s[0];
        this.sw = s[last];
        this.ph = dims == 1 ? 0 : p[0];
        this.pw = p[last];
        this.dh = dims == 1 ? 1 : d[0];
        this.dw = d[last];
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    public static Pool create(boolean max, int dims, OpArgs a) {
        int[] kernel = a.tuple("kernel_size", null, dims);
        if (kernel == null) throw new IllegalArgumentException("missing required argument 'kernel_size'");
        Object st = a.raw("stride");
        int[] stride = st == null || (st instanceof List<?> l && l.isEmpty()) ? kernel.clone() : a.tuple("stride", null, dims);
        int[] padding = a.tuple("padding", new int[dims], dims);
        boolean ceil = a.bool("ceil_mode", false);
        int[] dilation = new int[dims];
        java.util.Arrays.fill(dilation, 1);
        boolean include = true;
        int divisor = 0;
        if (max) {
            dilation = a.tuple("dilation", dilation, dims);
            if (a.bool("return_indices", false)) throw new IllegalArgumentException("return_indices=true is not supported");
        } else {
            include = a.bool("count_include_pad", true);
            divisor = a.integer("divisor_override", 0);
            if (divisor < 0) throw new IllegalArgumentException("divisor_override must be positive");
        }
        for (int i = 0; i < dims; i++) {
            if (kernel[i] <= 0 || stride[i] <= 0 || dilation[i] <= 0) throw new IllegalArgumentException("kernel_size, stride and dilation must be positive");
            if (padding[i] < 0 || padding[i] > kernel[i] / 2) {
                throw new IllegalArgumentException("padding should be at most half of the kernel size (PyTorch's rule), got padding "
                        + padding[i] + " for kernel " + kernel[i]);
            }
        }
        return new Pool(max, dims, kernel, stride, padding, dilation, ceil, include, divisor);
    }

    @Override
    public String name() {
        return (max ? "MaxPool" : "AvgPool") + dims + "d";
    }

    public boolean isMax() {
        return max;
    }

    /** 1 or 2 (a 1-D pooling as 2-D with a window of height 1). */
    public int dims() {
        return dims;
    }

    /** Window, stride, padding and dilation as {kh, kw, sh, sw, ph, pw, dh, dw}. */
    public int[] window() {
        return new int[]{kh, kw, sh, sw, ph, pw, dh, dw};
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    /** 0 = none. */
    public int divisorOverride() {
        return divisorOverride;
    }

    /** PyTorch's {@code MaxPool2d(2)}: 2×2 windows at stride 2, no padding or dilation, floor mode. */
    public boolean isMaxPool2() {
        return max && dims == 2 && kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1 && !ceilMode;
    }

    private long outDim(long in, int k, int s, int p, int d) {
        if (in < 0) return -1;
        int o = Pool2d.outSize((int) in, k, s, p, d, ceilMode);
        if (o <= 0) throw new IllegalArgumentException("input size " + in + " is too small for the pooling window");
        return o;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        ShapeRules.rank(s, dims + 1, dims + 2);
        long[] o = s.clone();
        if (dims == 2) o[s.length - 2] = outDim(s[s.length - 2], kh, sh, ph, dh);
        o[s.length - 1] = outDim(s[s.length - 1], kw, sw, pw, dw);
        return List.of(ValueType.f32(o));
    }

    @Override
    public String summary() {
        return "kernel " + (dims == 1 ? "" + kw : kh + "×" + kw) + ", stride " + (dims == 1 ? "" + sw : sh + "×" + sw)
                + (ph != 0 || pw != 0 ? ", padding " + (dims == 1 ? "" + pw : ph + "×" + pw) : "") + (ceilMode ? ", ceil_mode" : "");
    }

    @Override
    public Executable compile(KernelProvider k) {
        return f -> {
            long[] s = f.inShape[0], o = f.outShape[0];
            int h = dims == 2 ? (int) s[s.length - 2] : 1, w = (int) s[s.length - 1];
            int planes = f.inSize(0) / Math.max(1, h * w);
            int oh = dims == 2 ? (int) o[o.length - 2] : 1, ow = (int) o[o.length - 1];
            if (max) {
                k.maxPool2d(f.buf, f.in[0], planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, f.buf, f.out[0], oh, ow, f.pool);
            } else {
                k.avgPool2d(f.buf, f.in[0], planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride, f.buf, f.out[0],
                        oh, ow, f.pool);
            }
        };
    }
}
