package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.kernels.reference.Conv2d;

import java.util.List;

/**
 * The constructor arguments of {@code torch.nn.Conv2d}, read and checked once for every backend: channels, kernel,
 * stride, dilation, groups, bias, and the padding (int, pair, {@code "same"} or {@code "valid"}) resolved to
 * leading and trailing amounts per axis ({@code "same"} puts the odd pixel after, as PyTorch does).
 */
public record Conv2dArgs(int inChannels, int outChannels, int[] kernel, int[] stride, int[] dilation, int groups, boolean bias,
                         int padTop, int padBottom, int padLeft, int padRight) {

    /** Reads and checks the arguments; problems are {@link IllegalArgumentException}s naming the argument. */
    public static Conv2dArgs read(NodeArgs a) {
        int inChannels = a.requiredInt("in_channels");
        int outChannels = a.requiredInt("out_channels");
        int[] kernel = a.requiredPair("kernel_size");
        int[] stride = a.pair("stride", new int[]{1, 1});
        int[] dilation = a.pair("dilation", new int[]{1, 1});
        int groups = a.integer("groups", 1);
        boolean bias = a.bool("bias", true);
        String mode = a.string("padding_mode", "zeros");
        a.ignore("device", "dtype");
        if (!mode.equals("zeros")) throw new IllegalArgumentException("padding_mode '" + mode + "' is not supported (only 'zeros')");
        if (inChannels <= 0 || outChannels <= 0) throw new IllegalArgumentException("in_channels and out_channels must be positive");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("groups = " + groups + " must divide in_channels = " + inChannels + " and out_channels = " + outChannels);
        }
        if (kernel[0] <= 0 || kernel[1] <= 0 || stride[0] <= 0 || stride[1] <= 0 || dilation[0] <= 0 || dilation[1] <= 0) {
            throw new IllegalArgumentException("kernel_size, stride and dilation must be positive");
        }
        int top, bottom, left, right;
        Object p = a.raw("padding");
        if (p instanceof String s) {
            if (s.equals("valid")) {
                top = bottom = left = right = 0;
            } else if (s.equals("same")) {
                if (stride[0] != 1 || stride[1] != 1) throw new IllegalArgumentException("padding='same' is not supported for strided convolutions (as in PyTorch)");
                int th = dilation[0] * (kernel[0] - 1), tw = dilation[1] * (kernel[1] - 1);
                top = th / 2;
                bottom = th - th / 2;
                left = tw / 2;
                right = tw - tw / 2;
            } else {
                throw new IllegalArgumentException("argument 'padding' must be an int, a pair, 'same' or 'valid', got '" + s + "'");
            }
        } else {
            int[] pad = a.pair("padding", new int[]{0, 0});
            if (pad[0] < 0 || pad[1] < 0) throw new IllegalArgumentException("padding must be non-negative");
            top = bottom = pad[0];
            left = right = pad[1];
        }
        return new Conv2dArgs(inChannels, outChannels, kernel, stride, dilation, groups, bias, top, bottom, left, right);
    }

    /** The weight's shape: (out, in/groups, kh, kw). */
    public long[] weightShape() {
        return new long[]{outChannels, inChannels / groups, kernel[0], kernel[1]};
    }

    /** Output size along an axis (0 = height, 1 = width); -1 stays unknown. */
    public long outDim(long in, int axis) {
        if (in < 0) return -1;
        int before = axis == 0 ? padTop : padLeft, after = axis == 0 ? padBottom : padRight;
        long o = Conv2d.outSize((int) in, kernel[axis], stride[axis], before, after, dilation[axis]);
        if (o <= 0) {
            throw new IllegalArgumentException("input size " + in + " is smaller than the (dilated) kernel " + (dilation[axis] * (kernel[axis] - 1) + 1)
                    + " after padding");
        }
        return o;
    }

    /** The result shape for an NCHW (or CHW) input, checking its channels. */
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 3, 4);
        int c = s.length - 3;
        Shapes.dim(s, c, inChannels, "in_channels");
        long oh = outDim(s[c + 1], 0), ow = outDim(s[c + 2], 1);
        return List.of(s.length == 4 ? new long[]{s[0], outChannels, oh, ow} : new long[]{outChannels, oh, ow});
    }
}
