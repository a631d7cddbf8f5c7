package dev.isthmus.engine.kernels;

/**
 * The shape of a 2-D convolution's weights and window, as the kernels need it: channels, kernel, stride, leading
 * padding (the trailing padding follows from the output size the caller asks for), dilation and groups. A 1-D
 * convolution is the 2-D one with a kernel of height 1.
 */
public record ConvGeometry(int cin, int cout, int kh, int kw, int strideH, int strideW, int padTop, int padLeft,
                           int dilationH, int dilationW, int groups) {
    public ConvGeometry {
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) throw new IllegalArgumentException("groups must divide cin and cout");
    }

    /** Weights per output channel: cin/groups · kh · kw. */
    public int depth() {
        return cin / groups * kh * kw;
    }
}
