package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;

import java.util.List;

/**
 * {@code torch.nn.functional.linear(input, weight, bias=None)}: y = x·Wᵀ + b over the last dimension of an input of
 * any rank ≥ 1, with the weight (out, in) and the bias (out) as values rather than bound parameters — a decoder tied
 * to an embedding table ({@code get_attr} of the table). When the weight and bias are {@code get_attr} constants a
 * pass turns the node into a {@link Linear} over the very tensors, so the table is neither copied nor transposed.
 */
public final class LinearFunction implements Op {
    private LinearFunction() {
    }

    public static LinearFunction create(OpArgs a) {
        int n = a.explicitInputs();
        if (n != 2 && n != 3) throw new IllegalArgumentException("linear takes inputs [input, weight] or [input, weight, bias], got " + n);
        return new LinearFunction();
    }

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 2, 3);
        long[] x = ShapeRules.floats(in, 0).dims(), w = ShapeRules.floats(in, 1).dims();
        ShapeRules.minRank(x, 1);
        if (w.length != 2) throw new IllegalArgumentException("the weight must be 2-D (out_features, in_features), got " + Shape.toString(w));
        if (w[1] >= 0) ShapeRules.dim(x, -1, w[1], "in_features (the weight's second dimension)");
        if (in.size() == 3) {
            long[] b = ShapeRules.floats(in, 2).dims();
            if (b.length != 1 || (b[0] >= 0 && w[0] >= 0 && b[0] != w[0])) {
                throw new IllegalArgumentException("the bias " + Shape.toString(b) + " does not match the weight's " + w[0] + " out_features");
            }
        }
        long[] o = x.clone();
        o[o.length - 1] = w[0];
        return List.of(ValueType.f32(o));
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return (Frame f) -> {
            long[] w = f.inShape[1];
            int out = (int) w[0], in = (int) w[1];
            int rows = in == 0 || out == 0 ? f.outSize(0) / Math.max(out, 1) : f.inSize(0) / in;
            int y = f.out[0];
            if (rows == 0 || out == 0) return;
            if (in == 0) java.util.Arrays.fill(f.buf, y, y + rows * out, 0f);
            else kernels.matmul(f.buf, f.in[0], in, f.buf, f.in[1], in, true, f.buf, y, out, rows, out, in);
            if (f.inputs() == 3) {
                int b = f.in[2];
                for (int r = 0; r < rows; r++) {
                    int o = y + r * out;
                    for (int j = 0; j < out; j++) f.buf[o + j] += f.buf[b + j];
                }
            }
        };
    }
}
