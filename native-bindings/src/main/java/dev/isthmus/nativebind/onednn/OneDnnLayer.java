package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Executable;

/**
 * A graph node compiled for oneDNN. Like every {@link Executable} it runs on the slices of a plan's buffer its
 * {@link dev.isthmus.engine.ir.Frame} names and is safe to run from many threads at once; it also owns native memory,
 * freed by {@link #close()} (or by closing the {@link OneDnnBackend} that compiled it, which the model does).
 */
public interface OneDnnLayer extends Executable, AutoCloseable {
    /** The name oneDNN gives the implementation it chose for the last shape prepared or run, e.g. {@code brg_conv_fwd:avx2}. */
    String implementation();

    /** Frees the layer's native memory; a run still going on another thread finishes first. Idempotent. */
    @Override
    void close();
}
