package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.BatchNorm1d} ((N, C) or (N, C, L)) and {@code BatchNorm2d} ((N, C, H, W)) in eval mode: running
 * statistics when {@code track_running_stats} (the usual case), else the statistics of the batch itself, as PyTorch
 * does in eval mode without running statistics.
 */
public final class BatchNorm implements Op {
    final int dims, features;
    final double eps;
    final Tensor gamma, beta, mean, var;

    private BatchNorm(int dims, int features, double eps, Tensor gamma, Tensor beta, Tensor mean, Tensor var) {
        this.dims = dims;
        this.features = features;
        this.eps = eps;
        this.gamma = gamma;
        this.beta = beta;
        this.mean = mean;
        this.var = var;
    }

    public static BatchNorm create(int dims, OpArgs a, Weights w) {
        int features = a.requiredInt("num_features");
        double eps = a.number("eps", 1e-5);
        boolean affine = a.bool("affine", true);
        boolean track = a.bool("track_running_stats", true);
        a.ignore("momentum", "device", "dtype");
        if (features <= 0) throw new IllegalArgumentException("num_features must be positive");
        Tensor gamma = affine ? w.require(a, "weight", features) : null;
        Tensor beta = affine ? w.require(a, "bias", features) : null;
        Tensor mean = null, var = null;
        if (track) {
            mean = w.require(a, "running_mean", features);
            var = w.require(a, "running_var", features);
            w.accept(a, "num_batches_tracked");
        }
        return new BatchNorm(dims, features, eps, gamma, beta, mean, var);
    }

    @Override
    public String name() {
        return "BatchNorm" + dims + "d";
    }

    /** True when it normalises with running statistics (and can be folded into a preceding convolution). */
    public boolean hasRunningStats() {
        return mean != null;
    }

    public int features() {
        return features;
    }

    public float[] mean() {
        return Params.floats(mean);
    }

    public float[] var() {
        return Params.floats(var);
    }

    public float[] gamma() {
        return Params.floats(gamma);
    }

    public float[] beta() {
        return Params.floats(beta);
    }

    public double eps() {
        return eps;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.floats(in, 0).dims();
        if (dims == 2) ShapeRules.rank(s, 4);
        else ShapeRules.rank(s, 2, 3);
        ShapeRules.dim(s, 1, features, "num_features");
        return List.of(ValueType.f32(s));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return true;
    }

    @Override
    public long paramBytes() {
        return Params.bytes(gamma, beta, mean, var);
    }

    @Override
    public String summary() {
        return features + " features" + (mean == null ? ", batch statistics" : "");
    }

    @Override
    public Executable compile(KernelProvider k) {
        float[] g = Params.floats(gamma), b = Params.floats(beta), m = Params.floats(mean), v = Params.floats(var);
        return new Executable() {
            @Override
            public void run(Frame f) {
                long[] s = f.inShape[0];
                int n = (int) s[0], c = (int) s[1], spatial = (int) dev.isthmus.engine.tensor.Shape.prod(s, 2, s.length);
                if (m == null) { // the batch's own statistics
                    float[] stats = STATS.floats(2 * c);
                    batchStatistics(f.buf, f.in[0], n, c, spatial, stats, 0);
                    float[] mean = MEAN.floats(c), var = VAR.floats(c);
                    System.arraycopy(stats, 0, mean, 0, c);
                    System.arraycopy(stats, c, var, 0, c);
                    k.batchNorm(f.buf, f.in[0], f.buf, f.out[0], n, c, spatial, mean, var, g, b, eps, f.pool);
                } else {
                    k.batchNorm(f.buf, f.in[0], f.buf, f.out[0], n, c, spatial, m, v, g, b, eps, f.pool);
                }
            }
        };
    }

    /** Per thread: the batch statistics of a BatchNorm without running statistics. */
    private static final Scratch STATS = new Scratch(), MEAN = new Scratch(), VAR = new Scratch();

    /** Per channel mean at s[o, o + c) and biased variance at s[o + c, o + 2c) over batch and positions. */
    static void batchStatistics(float[] x, int xOff, int n, int c, int spatial, float[] s, int o) {
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < spatial; i++) sum += x[xOff + (b * c + ch) * spatial + i];
            double mu = sum / ((double) n * spatial);
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < spatial; i++) {
                    double d = x[xOff + (b * c + ch) * spatial + i] - mu;
                    sq += d * d;
                }
            }
            s[o + ch] = (float) mu;
            s[o + c + ch] = (float) (sq / ((double) n * spatial));
        }
    }
}
