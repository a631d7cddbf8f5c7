package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Executable;

import java.util.function.Supplier;

/**
 * A layer compiled when a plan first prepares or runs it (thread-safe; compiled once), holding nothing until then.
 */
final class OnFirstUse implements Wrapped {
    private final Supplier<Executable> compile;
    private volatile Executable layer;

    OnFirstUse(Supplier<Executable> compile) {
        this.compile = compile;
    }

    /** The layer, compiled now if it has not been. */
    @Override
    public Executable inner() {
        Executable l = layer;
        if (l == null) {
            synchronized (this) {
                l = layer;
                if (l == null) {
                    l = compile.get();
                    if (l == null) throw new IllegalStateException("the layer could not be compiled on its backend");
                    layer = l;
                }
            }
        }
        return l;
    }

    /** Nothing until the layer is compiled (asking does not compile it). */
    @Override
    public long heldBytes() {
        Executable l = layer;
        return l == null ? 0 : l.heldBytes();
    }
}
