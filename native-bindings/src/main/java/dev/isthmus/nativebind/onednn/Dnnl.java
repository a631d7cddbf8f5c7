package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Small typed helpers over the generated bindings: status checks, dims arrays, memory descriptors, attributes. */
final class Dnnl {
    private Dnnl() {
    }

    /** Alignment of every buffer handed to oneDNN (a cache line; oneDNN's own allocations use 64). */
    static final long ALIGN = 64;

    static void check(int status, String call) {
        if (status != dnnl_h.dnnl_success()) throw new OneDnnException(call + " failed: " + statusName(status));
    }

    static String statusName(int s) {
        if (s == dnnl_h.dnnl_out_of_memory()) return "out of memory (dnnl_out_of_memory)";
        if (s == dnnl_h.dnnl_invalid_arguments()) return "invalid arguments (dnnl_invalid_arguments)";
        if (s == dnnl_h.dnnl_unimplemented()) return "no implementation for these shapes and settings (dnnl_unimplemented)";
        if (s == dnnl_h.dnnl_last_impl_reached()) return "no more implementations (dnnl_last_impl_reached)";
        if (s == dnnl_h.dnnl_runtime_error()) return "runtime error (dnnl_runtime_error)";
        if (s == dnnl_h.dnnl_not_required()) return "not required (dnnl_not_required)";
        return "status " + s;
    }

    /** A {@code dnnl_dims_t} (an array of DNNL_MAX_NDIMS int64) holding {@code d}. */
    static MemorySegment dims(Arena a, long... d) {
        MemorySegment s = a.allocate(ValueLayout.JAVA_LONG, dnnl_h.DNNL_MAX_NDIMS());
        for (int i = 0; i < d.length; i++) s.setAtIndex(ValueLayout.JAVA_LONG, i, d[i]);
        return s;
    }

    /** Reads the pointer a {@code dnnl_xxx_create(&out, ...)} call wrote. */
    static MemorySegment out(MemorySegment slot) {
        return slot.get(ValueLayout.ADDRESS, 0);
    }

    /**
     * Temporary native objects of one setup step (memory descriptors, attributes, dims arrays): destroyed together
     * when the step ends, in reverse order, whatever happened.
     */
    static final class Scope implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        private final List<Runnable> cleanups = new ArrayList<>();

        /** A memory descriptor with dims and a format tag ({@code dnnl_format_tag_any} lets the primitive choose). */
        MemorySegment md(int tag, long... dims) {
            return typedMd(dnnl_h.dnnl_f32(), tag, dims);
        }

        /** {@link #md(int, long...)} for elements of oneDNN type {@code dataType} ({@code dnnl_s8}, {@code dnnl_f32}, ...). */
        MemorySegment typedMd(int dataType, int tag, long... dims) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            check(dnnl_h.dnnl_memory_desc_create_with_tag(slot, dims.length, dims(arena, dims), dataType, tag),
                    "dnnl_memory_desc_create_with_tag" + java.util.Arrays.toString(dims));
            MemorySegment md = out(slot);
            cleanups.add(() -> dnnl_h.dnnl_memory_desc_destroy(md));
            return md;
        }

        /**
         * Primitive attributes: user-managed scratchpad (each caller passes its own, so one primitive runs from many
         * threads at once) and the given eltwise post-ops, each {@code {alg, alpha, beta}}.
         */
        MemorySegment attr(float[]... eltwise) {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            check(dnnl_h.dnnl_primitive_attr_create(slot), "dnnl_primitive_attr_create");
            MemorySegment attr = out(slot);
            cleanups.add(() -> dnnl_h.dnnl_primitive_attr_destroy(attr));
            check(dnnl_h.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_h.dnnl_scratchpad_mode_user()),
                    "dnnl_primitive_attr_set_scratchpad_mode");
            if (eltwise.length > 0) {
                MemorySegment ps = arena.allocate(ValueLayout.ADDRESS);
                check(dnnl_h.dnnl_post_ops_create(ps), "dnnl_post_ops_create");
                MemorySegment po = out(ps);
                cleanups.add(() -> dnnl_h.dnnl_post_ops_destroy(po));
                for (float[] e : eltwise) {
                    check(dnnl_h.dnnl_post_ops_append_eltwise(po, (int) e[0], e[1], e[2]), "dnnl_post_ops_append_eltwise");
                }
                check(dnnl_h.dnnl_primitive_attr_set_post_ops(attr, po), "dnnl_primitive_attr_set_post_ops");
            }
            return attr;
        }

        /** A slot a {@code *_primitive_desc_create} call writes its result into. */
        MemorySegment slot() {
            return arena.allocate(ValueLayout.ADDRESS);
        }

        @Override
        public void close() {
            for (int i = cleanups.size() - 1; i >= 0; i--) cleanups.get(i).run();
            arena.close();
        }
    }

    static float[] relu() {
        return new float[]{dnnl_h.dnnl_eltwise_relu(), 0f, 0f};
    }

    static float[] scale(float alpha) {
        return new float[]{dnnl_h.dnnl_eltwise_linear(), alpha, 0f};
    }
}
