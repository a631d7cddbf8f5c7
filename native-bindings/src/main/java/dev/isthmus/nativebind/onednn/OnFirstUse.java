package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;

import java.util.function.Supplier;

/**
 * A layer compiled when a plan first prepares or runs it (thread-safe; compiled once), holding nothing until then.
 */
final class OnFirstUse implements Executable {
    private final Supplier<Executable> compile;
    private volatile Executable layer;

    OnFirstUse(Supplier<Executable> compile) {
        this.compile = compile;
    }

    /** The layer, compiled now if it has not been. */
    Executable layer() {
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

    @Override
    public void run(Frame f) {
        layer().run(f);
    }

    @Override
    public long scratchFloats(long[][] in, long[][] out) {
        return layer().scratchFloats(in, out);
    }

    @Override
    public void prepare(Frame f) {
        layer().prepare(f);
    }

    @Override
    public long heldBytes() {
        Executable l = layer;
        return l == null ? 0 : l.heldBytes();
    }
}
