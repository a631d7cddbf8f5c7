package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Unary;

import java.util.List;
import java.util.Locale;

/**
 * An elementwise function of one F32 tensor with constant parameters ({@link Unary}): {@code neg}, {@code sqrt},
 * {@code exp}, {@code pow} with a number, {@code LeakyReLU}, {@code ELU}, {@code clamp}, and arithmetic with a
 * constant ({@code x + 2}, {@code 1 - x}).
 */
public final class UnaryOp implements Op {
    final String name;
    final Unary op;
    final double p, q;

    public UnaryOp(String name, Unary op, double p, double q) {
        this.name = name;
        this.op = op;
        this.p = p;
        this.q = q;
    }

    public UnaryOp(String name, Unary op) {
        this(name, op, Double.NaN, Double.NaN);
    }

    public Unary unary() {
        return op;
    }

    public double parameter() {
        return p;
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
        return op.name().toLowerCase(Locale.ROOT) + (Double.isNaN(p) ? "" : " " + p) + (Double.isNaN(q) ? "" : ", " + q);
    }

    @Override
    public Executable compile(KernelProvider k) {
        return f -> k.unary(op, p, q, f.buf, f.in[0], f.buf, f.out[0], f.inSize(0), f.pool);
    }
}
