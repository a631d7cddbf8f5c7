package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.kernels.Activation;
import dev.isthmus.engine.kernels.NarrowMatrix;

/**
 * One layer of {@code torch.nn.RNN} (one or both directions, tanh or ReLU) with W_ih and W_hh kept int8 or bf16
 * ({@link NarrowMatrix}) and widened in registers by {@link NarrowProducts}: h' = act(W_ih x + b_ih + W_hh h + b_hh),
 * the steps as {@link NarrowRecurrentKernel} runs them, with both biases added to the input projections.
 */
final class NarrowRnnKernel extends NarrowRecurrentKernel {
    private final Activation act;

    NarrowRnnKernel(int in, int hidden, int dirs, boolean relu, NarrowMatrix[] wih, NarrowMatrix[] whh, float[][] bih, float[][] bhh) {
        super("RNN", 1, in, hidden, dirs, wih, whh, stackedBias(dirs, hidden, bih, bhh));
        this.act = relu ? Activation.RELU : Activation.TANH;
    }

    @Override
    void step(int dir, float[] gi, int giOff, float[] gh, int ghOff, float[] h, int ho, float[] c, int co) {
        Elementwise.addInPlace(gh, ghOff, gi, giOff, hidden);
        VectorMath.applyInPlace(act, gh, ghOff, hidden, VectorMath.temp());
        System.arraycopy(gh, ghOff, h, ho, hidden);
    }
}
