package dev.isthmus.engine.kernels.vector.conv;

/**
 * What a convolution computes, apart from its weights: channels, kernel, stride, leading padding, dilation and
 * groups (the trailing padding is implied by the output size each call gives). Validated here once.
 */
record ConvGeometry(int cin, int cout, int kh, int kw, int sh, int sw, int padTop, int padLeft, int dh, int dw,
                    int groups) {
    ConvGeometry {
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) throw new IllegalArgumentException("groups must divide cin and cout");
    }

    /** Input channels per group. */
    int cinG() {
        return cin / groups;
    }

    /** Output channels per group. */
    int coutG() {
        return cout / groups;
    }

    /** Taps per output: cin/groups·kh·kw. */
    int depth() {
        return cinG() * kh * kw;
    }

    /** One input channel per group, more than one group (with or without a channel multiplier). */
    boolean depthwise() {
        return cinG() == 1 && groups > 1;
    }

    /** What the Winograd path computes: a 3×3 kernel, stride 1, dilation 1, groups 1. */
    boolean winograd3x3() {
        return kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1 && groups == 1;
    }
}
