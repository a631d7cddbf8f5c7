package dev.isthmus.engine.kernels.vector.conv;

import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.kernels.vector.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * What the convolution algorithms share: the geometry as plain final fields (the kernels read them in their loops),
 * the zero-padded copies of input planes and a few helpers. One subclass per algorithm: {@link DirectConv} (the
 * channels and pixels paths), {@link WinogradConv}, {@link Im2colConv} (the GEMM path), {@link DepthwiseConv}.
 */
abstract class ConvAlgorithm {
    static final VectorSpecies<Float> F = Species.F;
    static final int L = Species.L;

    final int cin, cout, groups, cinG, coutG, kh, kw, sh, sw, padTop, padLeft, dh, dw, depth;

    ConvAlgorithm(ConvGeometry g) {
        this.cin = g.cin();
        this.cout = g.cout();
        this.groups = g.groups();
        this.cinG = g.cinG();
        this.coutG = g.coutG();
        this.kh = g.kh();
        this.kw = g.kw();
        this.sh = g.sh();
        this.sw = g.sw();
        this.padTop = g.padTop();
        this.padLeft = g.padLeft();
        this.dh = g.dh();
        this.dw = g.dw();
        this.depth = g.depth();
    }

    /** Per thread: zero-padded input planes (the direct paths' phase planes, the im2col and depthwise paths' copies;
     * one at a time on a thread, so they share the buffer). */
    static final Scratch PAD = new Scratch();

    /** Rows of the zero-padded input planes: every tap of every output row is inside. */
    int paddedRows(int h, int oh) {
        return Math.max(h + padTop, (oh - 1) * sh + (kh - 1) * dh + 1);
    }

    /** Columns of the zero-padded input planes. */
    int paddedCols(int w, int ow) {
        return Math.max(w + padLeft, (ow - 1) * sw + (kw - 1) * dw + 1);
    }

    /**
     * {@code planes} planes of h×w at x[xOff …] copied into zero-padded ph×pw planes (the input at row padTop, column
     * padLeft) in the calling thread's {@link #PAD} scratch, whose first {@code size} floats are defined.
     */
    float[] zeroedPlanes(float[] x, int xOff, int planes, int h, int w, int ph, int pw, int size) {
        float[] pad = PAD.floats(size);
        int planeSize = ph * pw;
        if (padTop == 0 && padLeft == 0 && pw == w) {
            // the input rows fill each padded plane's first h rows completely: zero only what follows them
            for (int ic = 0; ic < planes; ic++) {
                int at = ic * planeSize;
                System.arraycopy(x, xOff + ic * h * w, pad, at, h * w);
                Arrays.fill(pad, at + h * w, at + planeSize, 0f);
            }
            Arrays.fill(pad, planes * planeSize, size, 0f);
        } else {
            Arrays.fill(pad, 0, size, 0f);
            for (int ic = 0; ic < planes; ic++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(x, xOff + (ic * h + iy) * w, pad, ic * planeSize + (iy + padTop) * pw + padLeft, w);
                }
            }
        }
        return pad;
    }

    /** dst[d, d + len) = src[s, s + len) by vectors, the last one masked. */
    static void copyRun(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i + L <= len; i += L) FloatVector.fromArray(F, src, s + i).intoArray(dst, d + i);
        if (i < len) {
            VectorMask<Float> m = F.indexInRange(i, len);
            FloatVector.fromArray(F, src, s + i, m).intoArray(dst, d + i, m);
        }
    }

    /** The two-source shuffles that take the even and the odd lanes of a pair of vectors (made once). */
    private static final class Evens {
        static final VectorShuffle<Float> EVEN, ODD;

        static {
            int[] even = new int[L], odd = new int[L];
            for (int i = 0; i < L; i++) {
                even[i] = i < L / 2 ? 2 * i : 2 * i - 2 * L; // negative: lane 2i − L of the second vector
                odd[i] = i < L / 2 ? 2 * i + 1 : 2 * i + 1 - 2 * L;
            }
            EVEN = VectorShuffle.fromArray(F, even, 0);
            ODD = VectorShuffle.fromArray(F, odd, 0);
        }
    }

    /**
     * One input row of w floats at x[xr …], placed at padded column padLeft + ix, into the even (padded column even)
     * and odd phase rows at p[even …] and p[odd …]: by pairs of vectors whose even and odd lanes two two-source shuffles separate, then a scalar tail.
     */
    static void splitRow2(float[] x, int xr, int w, int padLeft, float[] p, int even, int odd) {
        // input column ix sits at padded column padLeft + ix: the even input columns go to phase padLeft % 2
        int e = padLeft & 1;
        int toE = (e == 0 ? even : odd) + (padLeft >> 1), toO = (e == 0 ? odd : even) + ((padLeft + 1) >> 1);
        VectorShuffle<Float> se = Evens.EVEN, so = Evens.ODD;
        int j = 0;
        for (; 2 * j + 2 * L <= w; j += L) {
            FloatVector a = FloatVector.fromArray(F, x, xr + 2 * j), b = FloatVector.fromArray(F, x, xr + 2 * j + L);
            a.rearrange(se, b).intoArray(p, toE + j);
            a.rearrange(so, b).intoArray(p, toO + j);
        }
        if (2 * j < w && w >= 2 * L) {
            // the rest as one more pair that overlaps the last (rewriting the same values), from the last even column
            // where a whole pair still fits; at most one column is left for the scalar loop
            int last = ((w - 2 * L) & ~1) / 2;
            FloatVector a = FloatVector.fromArray(F, x, xr + 2 * last), b = FloatVector.fromArray(F, x, xr + 2 * last + L);
            a.rearrange(se, b).intoArray(p, toE + last);
            a.rearrange(so, b).intoArray(p, toO + last);
            j = last + L;
        }
        for (int ix = 2 * j; ix < w; ix += 2) {
            p[toE + ix / 2] = x[xr + ix];
            if (ix + 1 < w) p[toO + ix / 2] = x[xr + ix + 1];
        }
    }



    /**
     * dst[d + i] = src[s + 2i] for i < n (a row's even columns; src holds at least 2n − 1 floats from s): by pairs of
     * vectors whose even lanes a two-source shuffle gathers, the last pair overlapping the one before (rewriting the
     * same values) rather than a scalar tail where the row holds a pair.
     */
    static void evenColumns(float[] src, int s, int w, float[] dst, int d, int n) {
        int i = 0;
        if (w >= 2 * L) {
            for (; i + L <= n && s + 2 * i + 2 * L <= s + w; i += L) {
                FloatVector a = FloatVector.fromArray(F, src, s + 2 * i), b = FloatVector.fromArray(F, src, s + 2 * i + L);
                a.rearrange(Evens.EVEN, b).intoArray(dst, d + i);
            }
            if (i < n && n >= L) {
                int last = Math.min(n - L, (w - 2 * L) / 2);
                FloatVector a = FloatVector.fromArray(F, src, s + 2 * last), b = FloatVector.fromArray(F, src, s + 2 * last + L);
                a.rearrange(Evens.EVEN, b).intoArray(dst, d + last);
                i = last + L;
            }
        }
        for (; i < n; i++) dst[d + i] = src[s + 2 * i];
    }

    static int roundUp(int a, int m) {
        return (a + m - 1) / m * m;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    static int lcm(int a, int b) {
        return a / gcd(a, b) * b;
    }
}
