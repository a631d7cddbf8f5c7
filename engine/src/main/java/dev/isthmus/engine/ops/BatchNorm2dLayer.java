package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Simd;
import dev.isthmus.engine.kernels.reference.Norms;
import dev.isthmus.engine.kernels.vector.NormKernels;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.BatchNorm2d} in eval mode: running statistics when {@code track_running_stats} (the usual case),
 * else the statistics of the batch itself, as PyTorch does in eval without running stats.
 */
public final class BatchNorm2dLayer implements Layer {
    final int features;
    final double eps;
    final float[] gamma, beta, mean, var;

    public BatchNorm2dLayer(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        features = a.requiredInt("num_features");
        eps = a.number("eps", 1e-5);
        boolean affine = a.bool("affine", true);
        boolean track = a.bool("track_running_stats", true);
        a.ignore("momentum", "device", "dtype");
        if (features <= 0) throw new IllegalArgumentException("num_features must be positive");
        gamma = affine ? w.require(n, "weight", features) : null;
        beta = affine ? w.require(n, "bias", features) : null;
        if (track) {
            mean = w.require(n, "running_mean", features);
            var = w.require(n, "running_var", features);
            w.accept(n, "num_batches_tracked");
        } else {
            mean = null;
            var = null;
        }
    }

    @Override
    public boolean isPlanned() {
        return Simd.enabled() && mean != null;
    }

    @Override
    public void run(Frame f) {
        long[] s = f.inShape[0];
        NormKernels.batchNorm(f.buf, f.in[0], f.buf, f.out[0], (int) s[0], (int) s[1], (int) (s[2] * s[3]), mean, var, gamma, beta, eps, f.pool);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        Shapes.rank(s, 4);
        Shapes.dim(s, 1, features, "num_features");
        return List.of(s.clone());
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        long[] s = t.shape();
        int n = (int) s[0], c = (int) s[1], spatial = (int) (s[2] * s[3]);
        float[] x = Floats.of(t);
        float[] m = mean, v = var;
        if (m == null) {
            m = new float[c];
            v = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int b = 0; b < n; b++) for (int i = 0; i < spatial; i++) sum += x[(b * c + ch) * spatial + i];
                double mu = sum / ((double) n * spatial);
                for (int b = 0; b < n; b++) for (int i = 0; i < spatial; i++) {
                    double d = x[(b * c + ch) * spatial + i] - mu;
                    sq += d * d;
                }
                m[ch] = (float) mu;
                v[ch] = (float) (sq / ((double) n * spatial));
            }
        }
        float[] y = new float[x.length];
        if (Simd.enabled()) NormKernels.batchNorm(x, y, n, c, spatial, m, v, gamma, beta, eps, pool);
        else Norms.batchNorm(x, y, n, c, spatial, m, v, gamma, beta, eps);
        return List.of(Tensor.ofFloats(y, s));
    }
}
