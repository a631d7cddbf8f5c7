package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_exec_arg_t;
import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What one caller needs to run one primitive: a stream, one {@code dnnl_memory} per argument (described as the
 * primitive wants it, pointed at the caller's buffers just before each run), the {@code dnnl_exec_arg_t} array, and
 * a private scratchpad. Never shared between threads at the same time; pooled by the plans and reused.
 */
final class Exec implements AutoCloseable {
    private final Primitive primitive;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stream;
    private final MemorySegment[] memories;
    private final MemorySegment scratchMemory;
    private final MemorySegment argArray;
    private final int nargs;
    /** The address each memory object points at now (0: none yet), so unchanged handles are not set again. */
    private final long[] bound;

    /** @param args the argument ids ({@code DNNL_ARG_*}) {@link #run} is given buffers for, in that order */
    Exec(MemorySegment engine, Primitive p, int... args) {
        this.primitive = p;
        MemorySegment streamOut = MemorySegment.NULL;
        MemorySegment[] mems = new MemorySegment[args.length];
        MemorySegment scratch = MemorySegment.NULL;
        try {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            Dnnl.check(dnnl_h.dnnl_stream_create(slot, engine, dnnl_h.dnnl_stream_default_flags()), "dnnl_stream_create");
            streamOut = Dnnl.out(slot);
            for (int i = 0; i < args.length; i++) {
                MemorySegment md = p.md(args[i]);
                if (md.equals(MemorySegment.NULL)) throw new OneDnnException(p.name + " has no argument " + args[i]);
                Dnnl.check(dnnl_h.dnnl_memory_create(slot, md, engine, dnnl_h.DNNL_MEMORY_NONE()), "dnnl_memory_create(" + p.name + ")");
                mems[i] = Dnnl.out(slot);
            }
            long scratchBytes = p.bytes(dnnl_h.DNNL_ARG_SCRATCHPAD());
            if (scratchBytes > 0) {
                MemorySegment buf = arena.allocate(scratchBytes, Dnnl.ALIGN);
                Dnnl.check(dnnl_h.dnnl_memory_create(slot, p.md(dnnl_h.DNNL_ARG_SCRATCHPAD()), engine, buf), "dnnl_memory_create(scratchpad)");
                scratch = Dnnl.out(slot);
            }
            nargs = args.length + (scratchBytes > 0 ? 1 : 0);
            argArray = dnnl_exec_arg_t.allocateArray(Math.max(nargs, 1), arena);
            for (int i = 0; i < args.length; i++) {
                MemorySegment e = dnnl_exec_arg_t.asSlice(argArray, i);
                dnnl_exec_arg_t.arg(e, args[i]);
                dnnl_exec_arg_t.memory(e, mems[i]);
            }
            if (scratchBytes > 0) {
                MemorySegment e = dnnl_exec_arg_t.asSlice(argArray, args.length);
                dnnl_exec_arg_t.arg(e, dnnl_h.DNNL_ARG_SCRATCHPAD());
                dnnl_exec_arg_t.memory(e, scratch);
            }
        } catch (RuntimeException e) {
            for (MemorySegment m : mems) if (m != null) dnnl_h.dnnl_memory_destroy(m);
            if (!scratch.equals(MemorySegment.NULL)) dnnl_h.dnnl_memory_destroy(scratch);
            if (!streamOut.equals(MemorySegment.NULL)) dnnl_h.dnnl_stream_destroy(streamOut);
            arena.close();
            throw e;
        }
        this.stream = streamOut;
        this.memories = mems;
        this.scratchMemory = scratch;
        this.bound = new long[args.length];
    }

    /** Points argument {@code i} at {@code data} (a native buffer of at least the argument's size). */
    void set(int i, MemorySegment data) {
        long a = data.address();
        if (bound[i] != a) {
            Dnnl.check(dnnl_h.dnnl_memory_set_data_handle(memories[i], data), "dnnl_memory_set_data_handle");
            bound[i] = a;
        }
    }

    /** Runs the primitive on the buffers set, and waits for it. */
    void execute() {
        Dnnl.check(dnnl_h.dnnl_primitive_execute(primitive.handle, stream, nargs, argArray), "dnnl_primitive_execute(" + primitive.name + ")");
        Dnnl.check(dnnl_h.dnnl_stream_wait(stream), "dnnl_stream_wait");
    }

    /** Runs the primitive on {@code data[i]} for argument {@code i}: native buffers of at least the argument's size. */
    void run(MemorySegment... data) {
        for (int i = 0; i < memories.length; i++) set(i, data[i]);
        execute();
    }

    @Override
    public void close() {
        for (MemorySegment m : memories) dnnl_h.dnnl_memory_destroy(m);
        if (!scratchMemory.equals(MemorySegment.NULL)) dnnl_h.dnnl_memory_destroy(scratchMemory);
        dnnl_h.dnnl_stream_destroy(stream);
        arena.close();
    }
}
