package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * {@code get_attr}: a parameter or buffer used directly as a value (ConvNeXt's {@code layer_scale}, a registered
 * mask), read from the weights by its state-dict name (the node's {@code name}). Floating tensors become F32,
 * integer and BOOL tensors I64. A plan copies it into memory of its own once.
 */
public final class GetAttr implements Op {
    final String key;
    final Tensor value;

    private GetAttr(String key, Tensor value) {
        this.key = key;
        this.value = value;
    }

    public static GetAttr create(OpArgs a, Weights w) {
        String key = a.node().name();
        a.ignore("target");
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("get_attr needs \"name\": the tensor's state-dict name");
        Tensor t = w.constant(key); // claimed before any other problem, so that it is not also reported as unexpected
        if (a.explicitInputs() != 0) throw new IllegalArgumentException("get_attr takes no inputs");
        if (t == null) throw new IllegalArgumentException("no tensor '" + key + "' in the weights");
        return new GetAttr(key, t);
    }

    /** A constant over a given tensor (frontends). */
    public static GetAttr of(String key, Tensor value) {
        return new GetAttr(key, value);
    }

    @Override
    public String name() {
        return "get_attr";
    }

    @Override
    public Tensor constant() {
        return value;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 0, 0);
        if (value == null) throw new IllegalArgumentException("no tensor '" + key + "'");
        return List.of(ValueType.tensor(value.dtype().isFloating() ? DType.F32 : DType.I64, value.shape()));
    }

    @Override
    public long paramBytes() {
        return Params.bytes(value);
    }

    @Override
    public String summary() {
        return key;
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return Executable.NOTHING;
    }
}
