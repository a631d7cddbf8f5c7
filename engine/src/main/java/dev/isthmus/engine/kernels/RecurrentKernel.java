package dev.isthmus.engine.kernels;

import dev.isthmus.engine.parallel.ComputePool;

/** One layer of a recurrent network (GRU, LSTM, RNN), all its directions, weights prepared at load. */
public interface RecurrentKernel {
    /**
     * x (steps, batch, in) time-major at xOff → out (steps, batch, dirs·width) at outOff, where width is the hidden size
     * (LSTM with projections: the projection size). h (dirs, batch, width) at hOff holds the initial state on entry
     * and the final one on return; c (dirs, batch, hidden) likewise for an LSTM's cell state (null otherwise).
     */
    void forward(float[] x, int xOff, int steps, int batch, float[] h, int hOff, float[] c, int cOff, float[] out, int outOff,
                 ComputePool pool);

    long heldBytes();
}
