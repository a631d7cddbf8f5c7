package dev.isthmus.nativebind.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One caller's workspace for a single-primitive plan (convolution, matmul, pooling): the execution context and
 * the native staging buffers for the source and the destination.
 */
record StagedWorkspace(Exec exec, Arena arena, MemorySegment src, MemorySegment dst) implements AutoCloseable {
    @Override
    public void close() {
        exec.close();
        arena.close();
    }
}
