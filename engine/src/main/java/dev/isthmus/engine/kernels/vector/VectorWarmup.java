package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.EncoderLayerKernel;
import dev.isthmus.engine.kernels.KernelWarmup;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.parallel.ComputePool;

import java.util.Set;
import java.util.SplittableRandom;

/**
 * The Vector API kernels' warm-up (see {@link KernelWarmup}): the encoder layer and the GEMM on tiny shapes chosen to
 * take every path and variant a Transformer's layers take at full size — the packed and the skinny GEMM, its depth
 * blocks, each epilogue, attention with and without a mask — and the int8 products' row kernels. The sizes are the thresholds' ({@link Tiles}), not a
 * model's: a call costs microseconds once compiled and a few milliseconds interpreted.
 */
final class VectorWarmup implements KernelWarmup.Warmer {
    private final VectorKernels k;
    private final SplittableRandom random = new SplittableRandom(1);
    private final ComputePool pool = ComputePool.single();
    private EncoderLayerKernel[] encoders;
    private LinearKernel[] linears;
    private LinearKernel deep;

    VectorWarmup(VectorKernels k) {
        this.k = k;
    }

    @Override
    public void round(Set<KernelWarmup.Family> families, int round) {
        if (families.contains(KernelWarmup.Family.ENCODER)) encoder();
        if (families.contains(KernelWarmup.Family.GEMM) || families.contains(KernelWarmup.Family.ENCODER)) gemm(round % 40 == 0);
        if (families.contains(KernelWarmup.Family.INT8)) int8();
    }

    private static final Activation[] INT8_EPILOGUES = {Activation.NONE, Activation.RELU, Activation.GELU};
    private float[] int8Bias, int8Residual;
    private java.lang.foreign.MemorySegment int8Rows, int8Sums;

    /**
     * Rows quantized to int8 and a product's float sums converted back with each epilogue a backend's int8 product applies (bias,
     * residual, none, ReLU, GELU): the vector loops and their tails.
     */
    private void int8() {
        int rows = 3, cols = 4 * Species.L + 3;
        if (int8Rows == null) {
            int8Bias = random(cols);
            int8Residual = random(rows * cols);
            // native memory, as a backend's staging buffers are (a heap segment would profile another class)
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
            int8Rows = arena.allocate(rows * cols);
            int8Sums = arena.allocate(4L * rows * cols);
            float[] sums = random(rows * cols);
            for (int i = 0; i < sums.length; i++) sums[i] *= 1000;
            java.lang.foreign.MemorySegment.copy(sums, 0, int8Sums, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, sums.length);
        }
        float[] x = random(rows * cols), scales = new float[rows], y = new float[rows * cols];
        Int8Rows.quantizeRows(x, 0, cols, rows, cols, int8Rows, scales);
        for (Activation act : INT8_EPILOGUES) {
            Int8Rows.dequantizeRows(int8Sums, rows, cols, scales, int8Bias, act, y, 0, cols, int8Residual, 0, cols);
            Int8Rows.dequantizeRows(int8Sums, rows, cols, scales, null, act, y, 0, cols, null, 0, cols);
        }
    }

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    /**
     * A post-LN and a pre-LN layer (GELU, ReLU) on a sequence long enough for the packed GEMM path
     * ({@link Tiles#SKINNY_M} rows and more), and a masked batch of short ones.
     */
    private void encoder() {
        int d = 32, ff = 48, heads = 2;
        if (encoders == null) {
            encoders = new EncoderLayerKernel[2];
            for (int i = 0; i < 2; i++) {
                encoders[i] = k.encoderLayer(d, heads, ff, i == 1, 1e-5, i == 0 ? Activation.GELU : Activation.RELU, random(3 * d * d),
                        random(3 * d), random(d * d), random(d), random(ff * d), random(ff), random(d * ff), random(d), random(d),
                        random(d), random(d), random(d));
            }
        }
        int seq = Tiles.SKINNY_M + 5, shortSeq = 5;
        float[] x = random(seq * d), y = new float[x.length], mask = new float[2 * shortSeq];
        mask[shortSeq - 1] = Float.NEGATIVE_INFINITY;
        for (EncoderLayerKernel e : encoders) {
            e.apply(x, 0, y, 0, 1, seq, null, 0, pool);
            e.apply(x, 0, y, 0, 2, shortSeq, mask, 0, pool);
        }
    }

    /**
     * Linear layers with each epilogue on 1, 13 and {@link Tiles#SKINNY_M} + 5 rows (the skinny and the packed paths,
     * edge tiles, a residual); with {@code withDeep} one deeper than a depth block ({@link Tiles#KC}), whose partial
     * sums are merged.
     */
    /**
     * Outputs of the deep layer: more than one panel, so that its calls on many rows take the packed path and its
     * micro-kernels see partial sums added (a layer of one panel reads A in place; a first run then deoptimized the
     * packed kernel on a 128-token layer deeper than a block, the bf16 encoder's widened products).
     */
    private static final int DEEP_OUT = Tiles.NR + 13;

    private void gemm(boolean withDeep) {
        int in = 37, out = 45, deepK = Tiles.KC + 76;
        if (linears == null) {
            Activation[] acts = {Activation.NONE, Activation.RELU, Activation.GELU};
            linears = new LinearKernel[acts.length];
            for (int i = 0; i < acts.length; i++) linears[i] = k.linear(random(out * in), random(out), out, in, acts[i]);
            deep = k.linear(random(DEEP_OUT * deepK), random(DEEP_OUT), DEEP_OUT, deepK, Activation.RELU);
        }
        int rows = Tiles.SKINNY_M + 5;
        float[] x = random(rows * in), y = new float[rows * out], res = random(rows * out);
        for (LinearKernel l : linears) {
            l.run(x, 0, in, 1, y, 0, out, null, 0, out, pool);
            l.run(x, 0, in, 13, y, 0, out, null, 0, out, pool);
            l.run(x, 0, in, rows, y, 0, out, null, 0, out, pool);
            l.run(x, 0, in, rows, y, 0, out, res, 0, out, pool);
        }
        // products against B panels made per call, with no epilogue (the weight-only Linear's widened blocks: A
        // packed once for all of them), and their separate epilogue
        float[] panels = random(PackedMatrix.floats(out, in, Tiles.NR));
        PackedGemm.multiplyByPanels(x, 0, in, PackedGemm.packRows(x, 0, in, rows, in, pool), rows, panels, out, in, y, 0, out, pool);
        Epilogue.apply(y, 0, out, 0, rows, 0, out, null, 0, false, Activation.GELU, res, 0, out, true);
        if (withDeep) {
            float[] xd = random(rows * deepK), yd = new float[rows * DEEP_OUT];
            deep.run(xd, 0, deepK, 13, yd, 0, DEEP_OUT, null, 0, DEEP_OUT, pool);
            deep.run(xd, 0, deepK, rows, yd, 0, DEEP_OUT, null, 0, DEEP_OUT, pool);
            float[] deepPanels = random(PackedMatrix.floats(DEEP_OUT, deepK, Tiles.NR));
            PackedGemm.multiplyByPanels(xd, 0, deepK, PackedGemm.packRows(xd, 0, deepK, rows, deepK, pool), rows, deepPanels, DEEP_OUT,
                    deepK, yd, 0, DEEP_OUT, pool);
        }
    }
}
