package dev.isthmus.engine.ir;

import dev.isthmus.engine.kernels.KernelProvider;

import java.util.List;

/**
 * What a node computes, with its arguments and parameters bound: a typed descriptor of a PyTorch module or
 * function. An op infers its result types from its input types once at load (with {@code -1} for sizes that depend
 * on the input) and again for the concrete shapes of each plan, and compiles to an {@link Executable} on a
 * {@link KernelProvider}. Ops are immutable; passes replace them.
 */
public interface Op {
    /** The name the spec gives the op: a {@code torch.nn} class ({@code Conv2d}) or a function ({@code add}). */
    String name();

    /**
     * The result types for these input types. Throws {@link IllegalArgumentException} naming the rule the inputs
     * break (wrong count, rank, size, dtype; operands that cannot broadcast).
     */
    List<ValueType> infer(List<ValueType> in);

    /** The op on the Java kernels of {@code kernels}; called once per model after the passes. */
    Executable compile(KernelProvider kernels);

    /** True when result 0 is input 0's memory under another shape (view, flatten, an identity): no copy. */
    default boolean isView() {
        return false;
    }

    /**
     * True when result 0 may be written over input {@code i} (same offset) when that input is read by nothing
     * after this node: elementwise ops whose kernel reads each element before it writes it.
     */
    default boolean mayOverwrite(int i) {
        return false;
    }

    /**
     * For an op whose result is a constant tensor (a parameter or buffer used as a value, {@code get_attr}): that
     * tensor, which a plan copies into memory of its own once; null for every other op.
     */
    default dev.isthmus.engine.tensor.Tensor constant() {
        return null;
    }

    /** Bytes of parameters the op holds (as bound from the weights, before compiling). */
    default long paramBytes() {
        return 0;
    }

    /** The op's arguments in a line for {@code isthmus inspect}, e.g. {@code kernel_size=3, stride=2}; may be empty. */
    default String summary() {
        return "";
    }
}
