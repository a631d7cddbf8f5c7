package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;

/** A layer that runs another ({@link #inner()}) as it is: each call goes to it. */
interface Wrapped extends Executable {
    Executable inner();

    @Override
    default void run(Frame f) {
        inner().run(f);
    }

    @Override
    default long scratchFloats(long[][] in, long[][] out) {
        return inner().scratchFloats(in, out);
    }

    @Override
    default void prepare(Frame f) {
        inner().prepare(f);
    }

    @Override
    default long heldBytes() {
        return inner().heldBytes();
    }
}
