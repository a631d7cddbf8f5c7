package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.KernelProvider;

import java.util.List;
import java.util.Locale;

/**
 * An elementwise activation a kernel epilogue can also apply ({@link Activation}): the modules {@code ReLU},
 * {@code ReLU6}, {@code GELU}, {@code Sigmoid}, {@code Tanh}, {@code SiLU}, {@code Hardswish}, {@code Hardsigmoid}
 * and the functions of the same names. Fusion passes fold it into the conv or GEMM before it.
 */
public final class ActivationOp implements Op {
    final Activation act;
    final String name;

    public ActivationOp(String name, Activation act) {
        this.name = name;
        this.act = act;
    }

    public Activation activation() {
        return act;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        return List.of(ValueType.f32(ShapeRules.floats(in, 0).dims()));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return true;
    }

    @Override
    public String summary() {
        return act.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Executable compile(KernelProvider k) {
        return f -> k.activation(act, f.buf, f.in[0], f.buf, f.out[0], f.inSize(0), f.pool);
    }
}
