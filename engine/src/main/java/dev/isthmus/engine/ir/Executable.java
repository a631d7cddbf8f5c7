package dev.isthmus.engine.ir;

/**
 * An op compiled for one model: its weights prepared (packed) once. {@link #run} computes the node on the slices of
 * a plan's buffers that a {@link Frame} describes and must not allocate. Executables are shared by all sessions of a
 * model and must be safe to run from many threads at once (per-plan state goes in {@link Frame#state}).
 */
public interface Executable {
    /** Computes the node. */
    void run(Frame f);

    /** Floats of scratch memory {@link #run} needs for inputs and results of these concrete shapes. */
    default long scratchFloats(long[][] in, long[][] out) {
        return 0;
    }

    /** Called once when a plan is made, with the frame's shapes and offsets set: may precompute into {@link Frame#state}. */
    default void prepare(Frame f) {
    }

    /** Bytes the executable holds beyond the op's parameters: packed copies of weights, kernel tables. */
    default long heldBytes() {
        return 0;
    }

    /** For nodes whose results are size values (worked out while planning) or views: nothing to run. */
    Executable NOTHING = f -> {
    };
}
