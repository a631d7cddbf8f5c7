package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.LinearKernel;
import dev.isthmus.engine.tensor.Tensor;

/**
 * Makes a layer's matrix products where another engine runs them (a backend's int8 matmul, say) while the rest of the
 * layer stays on the kernel provider: y = act(x·Wᵀ + bias + residual) for the weight {@code weight} (out × in as
 * PyTorch stores it), named {@code name} (its state-dict prefix, e.g. {@code layers.0.linear1} or
 * {@code weight_ih_l0}). Used by {@link TransformerEncoder#compile(dev.isthmus.engine.kernels.KernelProvider, Products)}
 * for its four projections and by {@link Recurrent#compile(dev.isthmus.engine.kernels.KernelProvider, Products)} for
 * its input projections.
 */
@FunctionalInterface
public interface Products {
    LinearKernel linear(String name, Tensor weight, float[] bias, Activation act);
}
