package dev.isthmus.engine.kernels.reference;

/** Reference pooling, NCHW, with PyTorch's rules for padding, dilation and ceil_mode. */
public final class Pool2d {
    private Pool2d() {
    }

    /** PyTorch's pooling output size (pooling_output_shape): ceil_mode windows must start inside the input or left padding. */
    public static int outSize(int in, int k, int stride, int pad, int dilation, boolean ceilMode) {
        int num = in + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
        int out = Math.floorDiv(num, stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    /** Max pooling over (planes = n·c) planes of h×w; padding acts as −∞. */
    public static void max(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           int dh, int dw, float[] y, int oh, int ow) {
        max(x, 0, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, y, 0, oh, ow);
    }

    /** As {@link #max(float[], int, int, int, int, int, int, int, int, int, int, int, float[], int, int)} at offsets. */
    public static void max(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           int dh, int dw, float[] y, int yOff, int oh, int ow) {
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * h * w;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - ph + ky * dh;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * sw - pw + kx * dw;
                            if (ix < 0 || ix >= w) continue;
                            float v = x[xb + iy * w + ix];
                            if (v > m || Float.isNaN(v)) m = v;
                        }
                    }
                    y[yOff + (p * oh + oy) * ow + ox] = m;
                }
            }
        }
    }

    /** Average pooling with count_include_pad and divisor_override (0 = none), as PyTorch's avg_pool2d. */
    public static void avg(float[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           boolean countIncludePad, int divisorOverride, float[] y, int oh, int ow) {
        avg(x, 0, planes, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisorOverride, y, 0, oh, ow);
    }

    /** As {@link #avg(float[], int, int, int, int, int, int, int, int, int, boolean, int, float[], int, int)} at offsets. */
    public static void avg(float[] x, int xOff, int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           boolean countIncludePad, int divisorOverride, float[] y, int yOff, int oh, int ow) {
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * h * w;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int hs = oy * sh - ph, ws = ox * sw - pw;
                    int he = Math.min(hs + kh, h + ph), we = Math.min(ws + kw, w + pw);
                    int poolSize = (he - hs) * (we - ws);
                    hs = Math.max(hs, 0);
                    ws = Math.max(ws, 0);
                    he = Math.min(he, h);
                    we = Math.min(we, w);
                    double s = 0;
                    for (int iy = hs; iy < he; iy++) {
                        for (int ix = ws; ix < we; ix++) s += x[xb + iy * w + ix];
                    }
                    int div;
                    if (divisorOverride != 0) div = divisorOverride;
                    else if (countIncludePad) div = poolSize;
                    else div = Math.max((he - hs) * (we - ws), 0);
                    y[yOff + (p * oh + oy) * ow + ox] = div == 0 ? Float.NaN : (float) (s / div);
                }
            }
        }
    }

    /** Adaptive average pooling: window i spans [floor(i·in/out), ceil((i+1)·in/out)). */
    public static void adaptiveAvg(float[] x, int planes, int h, int w, float[] y, int oh, int ow) {
        adaptiveAvg(x, 0, planes, h, w, y, 0, oh, ow);
    }

    /** As {@link #adaptiveAvg(float[], int, int, int, float[], int, int)} with the planes at offsets xOff and yOff. */
    public static void adaptiveAvg(float[] x, int xOff, int planes, int h, int w, float[] y, int yOff, int oh, int ow) {
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int hs = (int) Math.floorDiv((long) oy * h, oh);
                int he = (int) -Math.floorDiv(-(long) (oy + 1) * h, oh);
                for (int ox = 0; ox < ow; ox++) {
                    int ws = (int) Math.floorDiv((long) ox * w, ow);
                    int we = (int) -Math.floorDiv(-(long) (ox + 1) * w, ow);
                    double s = 0;
                    for (int iy = hs; iy < he; iy++) {
                        for (int ix = ws; ix < we; ix++) s += x[xb + iy * w + ix];
                    }
                    y[yOff + (p * oh + oy) * ow + ox] = (float) (s / ((he - hs) * (we - ws)));
                }
            }
        }
    }
}
