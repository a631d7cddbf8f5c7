package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.vector.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The depthwise path, {@link Conv2dKernel.Path#DEPTHWISE}: groups = cin > 1, one input channel per group, with or
 * without a channel multiplier (cout/cin output channels per input channel). Per (image, input channel) a zero-padded
 * copy of the input plane, then per output row a vector of output pixels accumulates kh·kw broadcast weights ×
 * shifted input rows. Tasks are (image, input channel): disjoint outputs, so the result does not depend on the thread
 * count.
 */
final class DepthwiseConv extends ConvAlgorithm {
    /** (cout, 1, kh, kw) as PyTorch stores it, by reference (read as it is: nothing is packed). */
    private final float[] weight, bias;

    DepthwiseConv(ConvGeometry g, float[] weight, float[] bias) {
        super(g);
        if (!g.depthwise()) throw new IllegalArgumentException("not a depthwise convolution");
        this.weight = weight;
        this.bias = bias;
    }

    /**
     * y (n, cout, oh, ow) at y[yOff …] = act(conv(x) + bias + residual), the residual (n, cout, oh, ow) at
     * res[resOff …] or none (res null; it may be y at yOff). The residual is added to each vector of sums before it
     * is stored (read where it is written), the activation then runs on the row.
     */
    void forward(float[] x, int xOff, int n, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                 float[] res, int resOff, ComputePool pool) {
        int tasks = n * cin;
        if (pool == null || pool.threads() == 1 || (long) n * cout * oh * ow * kh * kw < (1 << 16)) {
            for (int t = 0; t < tasks; t++) depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff);
        } else {
            pool.parallelFor(tasks, t -> depthwiseTask(t, x, xOff, h, w, y, yOff, oh, ow, act, res, resOff));
        }
    }

    private void depthwiseTask(int t, float[] x, int xOff, int h, int w, float[] y, int yOff, int oh, int ow, Activation act,
                               float[] res, int resOff) {
        int b = t / cin, ic = t % cin;
        // zero-padded copy of the plane, large enough for every tap of every output pixel
        int ph = paddedRows(h, oh), pw = paddedCols(w, ow);
        float[] pad = zeroedPlanes(x, xOff + (b * cin + ic) * h * w, 1, h, w, ph, pw, ph * pw);
        int mult = coutG; // output channels of this input channel (groups = cin here)
        float[] tmp = act == Activation.NONE || act == Activation.RELU ? null : VectorMath.temp();
        for (int m = 0; m < mult; m++) {
            int oc = ic * mult + m;
            float bs = bias == null ? 0f : bias[oc];
            int plane = (b * cout + oc) * oh * ow, yo = yOff + plane, ro = resOff + plane;
            int wOff = oc * kh * kw;
            for (int oy = 0; oy < oh; oy++) {
                int yRow = yo + oy * ow, rRow = ro + oy * ow;
                if (sw == 1) directRowUnitStride(pad, pw, oy * sh, wOff, bs, y, yRow, ow, res, rRow);
                else directRowStrided(pad, pw, oy * sh, wOff, bs, y, yRow, ow, res, rRow);
                VectorMath.applyInPlace(act, y, yRow, ow, tmp);
            }
        }
    }

    /** y[yRow, yRow + ow) = bias + the taps (+ res[rRow …] when res is not null) for one output row, stride 1. */
    private void directRowUnitStride(float[] pad, int pw, int iy0, int wOff, float bs, float[] y, int yRow, int ow,
                                     float[] res, int rRow) {
        int ox = 0;
        for (int up = F.loopBound(ow); ox < up; ox += L) {
            FloatVector acc = FloatVector.broadcast(F, bs);
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + ox;
                for (int kx = 0; kx < kw; kx++) {
                    acc = FloatVector.fromArray(F, pad, pr + kx * dw).fma(FloatVector.broadcast(F, weight[wOff + ky * kw + kx]), acc);
                }
            }
            if (res != null) acc = acc.add(FloatVector.fromArray(F, res, rRow + ox));
            acc.intoArray(y, yRow + ox);
        }
        if (ox < ow) {
            VectorMask<Float> m = F.indexInRange(ox, ow);
            FloatVector acc = FloatVector.broadcast(F, bs);
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + ox;
                for (int kx = 0; kx < kw; kx++) {
                    acc = FloatVector.fromArray(F, pad, pr + kx * dw, m).fma(FloatVector.broadcast(F, weight[wOff + ky * kw + kx]), acc);
                }
            }
            if (res != null) acc = acc.add(FloatVector.fromArray(F, res, rRow + ox, m));
            acc.intoArray(y, yRow + ox, m);
        }
    }

    /** The same for any stride, one output pixel at a time. */
    private void directRowStrided(float[] pad, int pw, int iy0, int wOff, float bs, float[] y, int yRow, int ow,
                                  float[] res, int rRow) {
        for (int ox = 0; ox < ow; ox++) {
            float acc = bs;
            int c0 = ox * sw;
            for (int ky = 0; ky < kh; ky++) {
                int pr = (iy0 + ky * dh) * pw + c0;
                for (int kx = 0; kx < kw; kx++) acc = Math.fma(pad[pr + kx * dw], weight[wOff + ky * kw + kx], acc);
            }
            y[yRow + ox] = res == null ? acc : acc + res[rRow + ox];
        }
    }
}
