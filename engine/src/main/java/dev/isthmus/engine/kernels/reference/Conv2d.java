package dev.isthmus.engine.kernels.reference;

import dev.isthmus.engine.kernels.Activation;

/** Reference 2-D convolution, NCHW, as {@code torch.nn.Conv2d} with zero padding. */
public final class Conv2d {
    private Conv2d() {
    }

    /** Output size along one axis: floor((in + padBefore + padAfter − dilation·(k − 1) − 1) / stride) + 1. */
    public static int outSize(int in, int k, int stride, int padBefore, int padAfter, int dilation) {
        return Math.floorDiv(in + padBefore + padAfter - dilation * (k - 1) - 1, stride) + 1;
    }

    /**
     * x: (n, cin, h, w); weight: (cout, cin/groups, kh, kw); bias: (cout) or null; y: (n, cout, oh, ow).
     * padTop/padLeft are the leading paddings; trailing padding is implied by oh/ow.
     */
    public static void forward(float[] x, int n, int cin, int h, int w,
                               float[] weight, float[] bias, int cout, int kh, int kw,
                               int strideH, int strideW, int padTop, int padLeft, int dilH, int dilW, int groups,
                               float[] y, int oh, int ow, Activation act) {
        forward(x, n, cin, h, w, weight, bias, cout, kh, kw, strideH, strideW, padTop, padLeft, dilH, dilW, groups, y, oh, ow,
                act, null, 0);
    }

    /**
     * The same with a residual added before the activation: y = act(conv(x) + bias + residual), the residual
     * (n, cout, oh, ow) at residual[resOff …], or null for none. y may be the residual itself (resOff 0): each
     * element of it is read just before the same element of y is written.
     */
    public static void forward(float[] x, int n, int cin, int h, int w,
                               float[] weight, float[] bias, int cout, int kh, int kw,
                               int strideH, int strideW, int padTop, int padLeft, int dilH, int dilW, int groups,
                               float[] y, int oh, int ow, Activation act, float[] residual, int resOff) {
        int cinG = cin / groups;
        int coutG = cout / groups;
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < cout; oc++) {
                int g = oc / coutG;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double s = bias == null ? 0.0 : bias[oc];
                        for (int icg = 0; icg < cinG; icg++) {
                            int ic = g * cinG + icg;
                            int xBase = ((b * cin + ic) * h) * w;
                            int wBase = ((oc * cinG + icg) * kh) * kw;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * strideH - padTop + ky * dilH;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * strideW - padLeft + kx * dilW;
                                    if (ix < 0 || ix >= w) continue;
                                    s += (double) x[xBase + iy * w + ix] * weight[wBase + ky * kw + kx];
                                }
                            }
                        }
                        int at = ((b * cout + oc) * oh + oy) * ow + ox;
                        if (residual != null) s += residual[resOff + at];
                        y[at] = act.apply((float) s);
                    }
                }
            }
        }
    }
}
