package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.OpRegistry;
import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.Binary;
import dev.isthmus.engine.kernels.Unary;

/** The name table of the spec: every module and function, one line each. */
public final class OpTable {
    private OpTable() {
    }

    /** Registers every op with {@link OpRegistry}. */
    public static void register() {
        // ---- torch.nn modules (constructor arguments) ----
        OpRegistry.module("Conv1d", (a, w) -> Conv.create(1, a, w));
        OpRegistry.module("Conv2d", (a, w) -> Conv.create(2, a, w));
        OpRegistry.module("MaxPool1d", (a, w) -> Pool.create(true, 1, a));
        OpRegistry.module("MaxPool2d", (a, w) -> Pool.create(true, 2, a));
        OpRegistry.module("AvgPool1d", (a, w) -> Pool.create(false, 1, a));
        OpRegistry.module("AvgPool2d", (a, w) -> Pool.create(false, 2, a));
        OpRegistry.module("AdaptiveAvgPool1d", (a, w) -> AdaptiveAvgPool.create(1, a));
        OpRegistry.module("AdaptiveAvgPool2d", (a, w) -> AdaptiveAvgPool.create(2, a));
        OpRegistry.module("BatchNorm1d", (a, w) -> BatchNorm.create(1, a, w));
        OpRegistry.module("BatchNorm2d", (a, w) -> BatchNorm.create(2, a, w));
        OpRegistry.module("GroupNorm", GroupNorm::create);
        OpRegistry.module("LayerNorm", LayerNorm::create);
        OpRegistry.module("Linear", Linear::create);
        OpRegistry.module("Embedding", Embedding::create);
        OpRegistry.module("Flatten", (a, w) -> Reshape.flatten("Flatten", a.integer("start_dim", 1), a.integer("end_dim", -1)));
        OpRegistry.module("Dropout", (a, w) -> identity("Dropout", a, "p", "inplace"));
        OpRegistry.module("Identity", (a, w) -> identity("Identity", a));
        OpRegistry.module("Softmax", (a, w) -> new Softmax(a.has("dim") ? a.integer("dim", 0) : null, false));
        OpRegistry.module("LogSoftmax", (a, w) -> new Softmax(a.has("dim") ? a.integer("dim", 0) : null, true));
        OpRegistry.module("ReLU", (a, w) -> activation("ReLU", Activation.RELU, a));
        OpRegistry.module("ReLU6", (a, w) -> activation("ReLU6", Activation.RELU6, a));
        OpRegistry.module("SiLU", (a, w) -> activation("SiLU", Activation.SILU, a));
        OpRegistry.module("Sigmoid", (a, w) -> activation("Sigmoid", Activation.SIGMOID, a));
        OpRegistry.module("Tanh", (a, w) -> activation("Tanh", Activation.TANH, a));
        OpRegistry.module("Hardswish", (a, w) -> activation("Hardswish", Activation.HARDSWISH, a));
        OpRegistry.module("Hardsigmoid", (a, w) -> activation("Hardsigmoid", Activation.HARDSIGMOID, a));
        OpRegistry.module("GELU", (a, w) -> gelu("GELU", a));
        OpRegistry.module("LeakyReLU", (a, w) -> leakyRelu("LeakyReLU", a));
        OpRegistry.module("ELU", (a, w) -> elu("ELU", a));
        OpRegistry.module("Hardtanh", (a, w) -> hardtanh("Hardtanh", a));
        OpRegistry.module("GRU", (a, w) -> Recurrent.create("GRU", a, w));
        OpRegistry.module("LSTM", (a, w) -> Recurrent.create("LSTM", a, w));
        OpRegistry.module("RNN", (a, w) -> Recurrent.create("RNN", a, w));
        OpRegistry.module("TransformerEncoderLayer", TransformerEncoder::layer);
        OpRegistry.module("TransformerEncoder", TransformerEncoder::stack);

        // ---- functions and tensor methods (PyTorch's argument names) ----
        for (String n : new String[]{"add", "sub", "mul", "div", "rsub", "rdiv", "floordiv", "pow"}) {
            OpRegistry.function(n, (a, w) -> BinaryOp.create(n, a));
        }
        OpRegistry.function("neg", (a, w) -> BinaryOp.constant("neg", Binary.MUL, -1));
        OpRegistry.function("sqrt", (a, w) -> new UnaryOp("sqrt", Unary.SQRT));
        OpRegistry.function("rsqrt", (a, w) -> new UnaryOp("rsqrt", Unary.RSQRT));
        OpRegistry.function("exp", (a, w) -> new UnaryOp("exp", Unary.EXP));
        OpRegistry.function("log", (a, w) -> new UnaryOp("log", Unary.LOG));
        OpRegistry.function("abs", (a, w) -> new UnaryOp("abs", Unary.ABS));
        OpRegistry.function("reciprocal", (a, w) -> new UnaryOp("reciprocal", Unary.RECIPROCAL));
        OpRegistry.function("clamp", (a, w) -> clamp("clamp", a));
        OpRegistry.function("clip", (a, w) -> clamp("clip", a));
        OpRegistry.function("relu", (a, w) -> activation("relu", Activation.RELU, a));
        OpRegistry.function("relu6", (a, w) -> activation("relu6", Activation.RELU6, a));
        OpRegistry.function("sigmoid", (a, w) -> activation("sigmoid", Activation.SIGMOID, a));
        OpRegistry.function("tanh", (a, w) -> activation("tanh", Activation.TANH, a));
        OpRegistry.function("silu", (a, w) -> activation("silu", Activation.SILU, a));
        OpRegistry.function("hardswish", (a, w) -> activation("hardswish", Activation.HARDSWISH, a));
        OpRegistry.function("hardsigmoid", (a, w) -> activation("hardsigmoid", Activation.HARDSIGMOID, a));
        OpRegistry.function("gelu", (a, w) -> gelu("gelu", a));
        OpRegistry.function("leaky_relu", (a, w) -> leakyRelu("leaky_relu", a));
        OpRegistry.function("elu", (a, w) -> elu("elu", a));
        OpRegistry.function("hardtanh", (a, w) -> hardtanh("hardtanh", a));
        OpRegistry.function("softmax", (a, w) -> softmax(a, false));
        OpRegistry.function("log_softmax", (a, w) -> softmax(a, true));
        OpRegistry.function("linear", (a, w) -> LinearFunction.create(a));
        OpRegistry.function("matmul", (a, w) -> new MatMul(false, false));
        OpRegistry.function("bmm", (a, w) -> new MatMul(true, false));
        OpRegistry.function("cat", (a, w) -> new Concat(a.integer("dim", 0), false));
        OpRegistry.function("concat", (a, w) -> new Concat(a.integer("dim", 0), false));
        OpRegistry.function("stack", (a, w) -> new Concat(a.integer("dim", 0), true));
        OpRegistry.function("flatten", (a, w) -> Reshape.flatten("flatten", a.integer("start_dim", 0), a.integer("end_dim", -1)));
        OpRegistry.function("reshape", (a, w) -> Reshape.view("reshape", a));
        OpRegistry.function("view", (a, w) -> Reshape.view("view", a));
        OpRegistry.function("permute", (a, w) -> Permute.permute(a));
        OpRegistry.function("transpose", (a, w) -> Permute.transpose(a));
        OpRegistry.function("contiguous", (a, w) -> identity("contiguous", a, "memory_format"));
        OpRegistry.function("clone", (a, w) -> identity("clone", a, "memory_format"));
        OpRegistry.function("detach", (a, w) -> identity("detach", a));
        OpRegistry.function("dropout", (a, w) -> identity("dropout", a, "p", "training", "inplace"));
        OpRegistry.function("stochastic_depth", (a, w) -> identity("stochastic_depth", a, "p", "mode", "training"));
        OpRegistry.function("squeeze", (a, w) -> Reshape.squeeze(a.has("dim") ? a.integer("dim", 0) : null));
        OpRegistry.function("unsqueeze", (a, w) -> Reshape.unsqueeze(a.requiredInt("dim")));
        OpRegistry.function("chunk", (a, w) -> Split.chunk(a));
        OpRegistry.function("split", (a, w) -> Split.split(a));
        OpRegistry.function("getitem", (a, w) -> GetItem.create(a));
        OpRegistry.function("pad", (a, w) -> Pad.create(a));
        OpRegistry.function("size", (a, w) -> SizeOp.create(a));
        OpRegistry.function("mean", (a, w) -> Reduce.create("mean", a));
        OpRegistry.function("sum", (a, w) -> Reduce.create("sum", a));
        OpRegistry.function("amax", (a, w) -> Reduce.create("amax", a));
        OpRegistry.function("cumsum", (a, w) -> CumSum.create(a));
        OpRegistry.function("ne", (a, w) -> Compare.create("ne", a));
        OpRegistry.function("layer_norm", (a, w) -> LayerNorm.function(a));
        OpRegistry.function("adaptive_avg_pool1d", (a, w) -> AdaptiveAvgPool.create(1, a));
        OpRegistry.function("adaptive_avg_pool2d", (a, w) -> AdaptiveAvgPool.create(2, a));
        OpRegistry.function("avg_pool1d", (a, w) -> Pool.create(false, 1, a));
        OpRegistry.function("avg_pool2d", (a, w) -> Pool.create(false, 2, a));
        OpRegistry.function("max_pool1d", (a, w) -> Pool.create(true, 1, a));
        OpRegistry.function("max_pool2d", (a, w) -> Pool.create(true, 2, a));
        for (String n : new String[]{"to", "float", "long", "int", "bool", "type_as"}) {
            OpRegistry.function(n, (a, w) -> Cast.create(n, a));
        }
        OpRegistry.function("get_attr", GetAttr::create);
        OpRegistry.function("scaled_dot_product_attention", (a, w) -> Attention.create(a));
    }

    private static Reshape identity(String name, OpArgs a, String... ignored) {
        a.ignore(ignored);
        return Reshape.identity(name);
    }

    private static ActivationOp activation(String name, Activation act, OpArgs a) {
        a.ignore("inplace");
        return new ActivationOp(name, act);
    }

    private static ActivationOp gelu(String name, OpArgs a) {
        return new ActivationOp(name, a.choice("approximate", "none", "none", "tanh").equals("tanh") ? Activation.GELU_TANH : Activation.GELU);
    }

    private static UnaryOp leakyRelu(String name, OpArgs a) {
        a.ignore("inplace");
        return new UnaryOp(name, Unary.LEAKY_RELU, a.number("negative_slope", 0.01), Double.NaN);
    }

    private static UnaryOp elu(String name, OpArgs a) {
        a.ignore("inplace");
        return new UnaryOp(name, Unary.ELU, a.number("alpha", 1.0), Double.NaN);
    }

    private static UnaryOp hardtanh(String name, OpArgs a) {
        a.ignore("inplace");
        return new UnaryOp(name, Unary.CLAMP, a.number("min_val", -1.0), a.number("max_val", 1.0));
    }

    private static UnaryOp clamp(String name, OpArgs a) {
        double min = a.has("min") ? a.number("min", 0) : Double.NaN, max = a.has("max") ? a.number("max", 0) : Double.NaN;
        return new UnaryOp(name, Unary.CLAMP, min, max);
    }

    private static Softmax softmax(OpArgs a, boolean log) {
        a.ignore("dtype", "_stacklevel");
        if (!a.has("dim")) throw new IllegalArgumentException("missing required argument 'dim'");
        return new Softmax(a.integer("dim", 0), log);
    }
}
