package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Broadcast;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.Unary;
import dev.isthmus.engine.tensor.DType;

import java.util.List;
import java.util.Locale;

/**
 * {@code add}, {@code sub}, {@code mul}, {@code div} and the reversed {@code rsub}, {@code rdiv}: of two tensors
 * (broadcast as PyTorch does), of a tensor and a number (a constant argument {@code other}, or a size value), or of
 * two size values (then the result is a size value, worked out when planning). Also {@code floordiv} and
 * {@code pow} of size values. F32 and I64 tensors; a fusion pass may give it an activation applied to the result.
 */
public final class BinaryOp implements Op {
    final String name;
    final Binary op;
    /** The constant operand, or NaN when both operands are inputs. */
    final double other;
    /** rsub / rdiv: the constant (or second input) is the left operand. */
    final boolean reversed;
    final double alpha;
    final String rounding;
    final Activation act;

    private BinaryOp(String name, Binary op, double other, boolean reversed, double alpha, String rounding, Activation act) {
        this.name = name;
        this.op = op;
        this.other = other;
        this.reversed = reversed;
        this.alpha = alpha;
        this.rounding = rounding;
        this.act = act;
    }

    /** Reads {@code add}, {@code sub}, {@code mul}, {@code div}, {@code rsub}, {@code rdiv}, {@code floordiv}, {@code pow}. */
    public static Op create(String name, OpArgs a) {
        Binary op = switch (name) {
            case "add" -> Binary.ADD;
            case "sub", "rsub" -> Binary.SUB;
            case "mul" -> Binary.MUL;
            case "div", "rdiv", "floordiv" -> Binary.DIV;
            case "pow" -> null;
            default -> throw new IllegalStateException(name);
        };
        double alpha = name.equals("add") || name.equals("sub") || name.equals("rsub") ? a.number("alpha", 1.0) : 1.0;
        String rounding = name.equals("div") ? a.string("rounding_mode", null) : (name.equals("floordiv") ? "floor" : null);
        if (rounding != null && !rounding.equals("floor") && !rounding.equals("trunc")) {
            throw new IllegalArgumentException("argument 'rounding_mode' must be null, 'trunc' or 'floor', got '" + rounding + "'");
        }
        Object o = name.equals("pow") ? a.raw("exponent") : a.raw("other");
        if (name.equals("pow")) {
            if (o == null) throw new IllegalArgumentException("missing required argument 'exponent'");
            if (!(o instanceof Number n)) throw new IllegalArgumentException("argument 'exponent' must be a number, got " + OpArgs.show(o));
            return new BinaryOp(name, null, n.doubleValue(), false, 1.0, null, Activation.NONE);
        }
        double other = Double.NaN;
        if (o instanceof Number n) other = n.doubleValue();
        else if (o != null && !(o instanceof OpArgs.Ref)) throw new IllegalArgumentException("argument 'other' must be a number, got " + OpArgs.show(o));
        int operands = a.explicitInputs() + (o instanceof OpArgs.Ref ? 1 : 0);
        boolean constant = o instanceof Number;
        if (constant && operands != 1) throw new IllegalArgumentException(name + " takes one input when 'other' is a number, got " + operands);
        if (!constant && operands != 2) throw new IllegalArgumentException(name + " takes two inputs (or one and a number 'other'), got " + operands);
        boolean reversed = name.startsWith("r");
        return new BinaryOp(name, op, other, reversed, alpha, rounding, Activation.NONE);
    }

    /** Tensor (or size value) ∘ a constant, e.g. {@code neg} as × −1. */
    public static BinaryOp constant(String name, Binary op, double other) {
        return new BinaryOp(name, op, other, false, 1.0, null, Activation.NONE);
    }

    @Override
    public String name() {
        return name;
    }

    public Binary binary() {
        return op;
    }

    /** True when both operands are inputs (not a constant). */
    public boolean twoInputs() {
        return Double.isNaN(other) && op != null;
    }

    public Activation activation() {
        return act;
    }

    /** True for {@code rsub} and {@code rdiv}: the number is the left operand (c − x, c / x). */
    public boolean reversed() {
        return reversed;
    }

    /** The constant operand, or NaN when both operands are inputs. */
    public double constantOperand() {
        return other;
    }

    /** The same with {@code a} applied to the result (F32 tensors). */
    public BinaryOp withActivation(Activation a) {
        return new BinaryOp(name, op, other, reversed, alpha, rounding, a);
    }

    /** The scalar arithmetic of size values (and of constants with size values). */
    private double scalar(double x, double y) {
        if (op == null) return Math.pow(x, other);
        double r = switch (op) {
            case ADD -> x + alpha * y;
            case SUB -> x - alpha * y;
            case MUL -> x * y;
            case DIV -> x / y;
        };
        if ("floor".equals(rounding)) r = Math.floor(r);
        else if ("trunc".equals(rounding)) r = r < 0 ? Math.ceil(r) : Math.floor(r);
        return r;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        int n = twoInputs() ? 2 : 1;
        ShapeRules.arity(in, n, n);
        ValueType a = in.get(0), b = n == 2 ? in.get(1) : null;
        if (reversed && b != null) { // rsub(x, s) with s a size value: s − x
            ValueType t = a;
            a = b;
            b = t;
        }
        boolean aScalar = !a.isTensor(), bScalar = b == null || !b.isTensor();
        if (a.isTuple() || (b != null && b.isTuple())) throw new IllegalArgumentException(name + " of a size tuple is not supported");
        if (aScalar && bScalar) { // size arithmetic
            Number x = a.scalar(), y = b == null ? (Number) other : b.scalar();
            boolean integer = a.dtype() == DType.I64 && (b == null ? other == Math.rint(other) : b.dtype() == DType.I64)
                    && (op != Binary.DIV || rounding != null) && (op != null || other >= 0 && other == Math.rint(other));
            if (reversed && b == null) {
                Number t = x;
                x = y;
                y = t;
            }
            if (x == null || y == null) return List.of(integer ? ValueType.integer(null) : ValueType.number(null));
            double r = scalar(x.doubleValue(), y.doubleValue());
            return List.of(integer ? ValueType.integer((long) r) : ValueType.number(r));
        }
        if (op == null) { // pow of a tensor
            return List.of(ValueType.f32(ShapeRules.floats(in, 0).dims()));
        }
        if (rounding != null) throw new IllegalArgumentException(name + " with rounding of a tensor is not supported");
        if (b == null || bScalar || aScalar) { // a tensor and a number
            ValueType t = aScalar ? b : a;
            if (t.dtype() == DType.F32) return List.of(t);
            ValueType number = aScalar ? a : b;
            boolean integral = number == null ? other == Math.rint(other) : number.dtype() == DType.I64;
            if (op == Binary.DIV || !integral) {
                throw new IllegalArgumentException(name + " of an integer tensor and a fraction: convert the tensor with float() first");
            }
            return List.of(t.withDtype(DType.I64));
        }
        if (a.dtype() != b.dtype() && !(a.dtype() != DType.F32 && b.dtype() != DType.F32)) {
            throw new IllegalArgumentException(name + " of " + a.dtype() + " and " + b.dtype() + " tensors: convert one with float() first");
        }
        if (alpha != 1.0) throw new IllegalArgumentException("alpha other than 1 with two tensor operands is not supported");
        if (a.dtype() != DType.F32 && op == Binary.DIV) throw new IllegalArgumentException("div of integer tensors: convert them with float() first");
        long[] o = ShapeRules.broadcast(a.dims(), b.dims());
        return List.of(ValueType.tensor(a.dtype() == DType.F32 ? DType.F32 : DType.I64, o));
    }

    @Override
    public boolean mayOverwrite(int i) {
        return true;
    }

    @Override
    public String summary() {
        return (Double.isNaN(other) ? "" : (op == null ? "exponent " : "other ") + other)
                + (act != Activation.NONE ? " + " + act.name().toLowerCase(Locale.ROOT) : "");
    }

    /**
     * How a plan runs this node (worked out in {@link Executable#prepare}): a broadcast of two tensors, or the tensor
     * times {@code scale} (alpha, when the number comes first: number + alpha·tensor) then {@code unary} with p.
     */
    private record Prepared(Broadcast shape, boolean swap, Unary unary, double p, double scale) {
        Prepared(Broadcast shape, boolean swap, Unary unary, double p) {
            this(shape, swap, unary, p, 1.0);
        }
    }

    @Override
    public Executable compile(KernelProvider k) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                int n = f.inputs();
                boolean t0 = f.in[0] >= 0;
                boolean t1 = n > 1 && f.in[1] >= 0;
                if (!t0 && !t1) return; // size arithmetic: nothing to run
                if (t0 && t1) {
                    int ai = reversed ? 1 : 0, bi = 1 - ai;
                    f.state = new Prepared(Broadcast.of(f.inShape[ai], f.inShape[bi], f.outShape[0]), reversed, null, 0);
                    return;
                }
                // a tensor and a number: the number is the constant or the size-value input
                double s = n > 1 ? f.scalar[t0 ? 1 : 0] : other;
                boolean numberFirst = reversed || (n > 1 && !t0);
                f.state = unaryFor(s, numberFirst);
            }

            @Override
            public void run(Frame f) {
                Prepared p = (Prepared) f.state;
                if (p == null) return;
                boolean ints = f.outType[0] != DType.F32;
                if (p.shape() != null) {
                    int ai = p.swap() ? 1 : 0, bi = 1 - ai;
                    if (ints) {
                        dev.isthmus.engine.kernels.reference.Elementwise.binary(op, f.ints, f.in[ai], f.ints, f.in[bi], f.ints, f.out[0], p.shape());
                    } else {
                        k.binary(op, f.buf, f.in[ai], f.buf, f.in[bi], f.buf, f.out[0], p.shape(), act, f.pool);
                    }
                    return;
                }
                int t = f.in[0] >= 0 ? 0 : 1;
                int size = f.outSize(0);
                if (ints) {
                    long s = (long) p.p(), scale = (long) p.scale();
                    int x = f.in[t], y = f.out[0];
                    for (int i = 0; i < size; i++) f.ints[y + i] = intOp(p.unary(), f.ints[x + i] * scale, s);
                    return;
                }
                int x = f.in[t];
                if (p.scale() != 1.0) {
                    k.unary(Unary.MUL, p.scale(), Double.NaN, f.buf, x, f.buf, f.out[0], size, f.pool);
                    x = f.out[0];
                }
                k.unary(p.unary(), p.p(), Double.NaN, f.buf, x, f.buf, f.out[0], size, f.pool);
                if (act != Activation.NONE) k.activation(act, f.buf, f.out[0], f.buf, f.out[0], size, f.pool);
            }
        };
    }

    /** The unary form of tensor ∘ number (or number ∘ tensor when {@code numberFirst}). */
    private Prepared unaryFor(double s, boolean numberFirst) {
        if (op == null) return new Prepared(null, false, Unary.POW, other);
        return switch (op) {
            case ADD -> numberFirst ? new Prepared(null, false, Unary.ADD, s, alpha) : new Prepared(null, false, Unary.ADD, alpha * s);
            case SUB -> numberFirst ? new Prepared(null, false, Unary.RSUB, s, alpha) : new Prepared(null, false, Unary.ADD, -alpha * s);
            case MUL -> new Prepared(null, false, Unary.MUL, s);
            case DIV -> numberFirst ? new Prepared(null, false, Unary.RDIV, s) : new Prepared(null, false, Unary.DIV, s);
        };
    }

    private static long intOp(Unary u, long x, long s) {
        return switch (u) {
            case ADD -> x + s;
            case RSUB -> s - x;
            case MUL -> x * s;
            default -> throw new IllegalStateException(u.name());
        };
    }
}
