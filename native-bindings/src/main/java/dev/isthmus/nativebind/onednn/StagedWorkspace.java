package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One caller's workspace for a single-primitive plan (convolution, matmul, pooling): the execution context and
 * the native staging buffers for the source and the destination.
 */
record StagedWorkspace(Exec exec, Arena arena, MemorySegment src, MemorySegment dst) implements AutoCloseable {
    /**
     * A workspace for a primitive with weights (convolution, matmul): everything but the source — the packed weights,
     * the bias when there is one, the destination — is the same for every call, so it is bound once here.
     */
    static StagedWorkspace withWeights(MemorySegment engine, Primitive prim, MemorySegment packed, MemorySegment bias,
                                       long srcBytes, long dstBytes) {
        Exec e = bias != null
                ? new Exec(engine, prim, dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_BIAS(), dnnl_h.DNNL_ARG_DST())
                : new Exec(engine, prim, dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_DST());
        Arena a = Arena.ofShared();
        StagedWorkspace ws = new StagedWorkspace(e, a, a.allocate(srcBytes, Dnnl.ALIGN), a.allocate(dstBytes, Dnnl.ALIGN));
        e.set(1, packed);
        if (bias != null) e.set(2, bias);
        e.set(bias != null ? 3 : 2, ws.dst());
        return ws;
    }

    @Override
    public void close() {
        exec.close();
        arena.close();
    }
}
