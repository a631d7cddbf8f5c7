package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A primitive descriptor and the primitive made from it; owns both. */
final class Primitive implements AutoCloseable {
    final String name;
    private final MemorySegment pd;
    final MemorySegment handle;

    /** Creates the primitive of {@code pd}, taking ownership of {@code pd} (destroyed here if creation fails). */
    Primitive(String name, MemorySegment pd) {
        this.name = name;
        this.pd = pd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
            int st = dnnl_h.dnnl_primitive_create(slot, pd);
            if (st != dnnl_h.dnnl_success()) {
                dnnl_h.dnnl_primitive_desc_destroy(pd);
                Dnnl.check(st, "dnnl_primitive_create(" + name + ")");
            }
            handle = Dnnl.out(slot);
        }
    }

    /** The memory descriptor of execution argument {@code arg} (owned by the descriptor), or NULL when it has none. */
    MemorySegment md(int arg) {
        return dnnl_h.dnnl_primitive_desc_query_md(pd, dnnl_h.dnnl_query_exec_arg_md(), arg);
    }

    /** Bytes of argument {@code arg}, 0 when it has none. */
    long bytes(int arg) {
        MemorySegment md = md(arg);
        return md.equals(MemorySegment.NULL) ? 0 : dnnl_h.dnnl_memory_desc_get_size(md);
    }

    /** oneDNN's name of the implementation it chose, e.g. {@code brg_conv_fwd:avx2} or {@code gemm:jit}. */
    String implementation() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
            int st = dnnl_h.dnnl_primitive_desc_query(pd, dnnl_h.dnnl_query_impl_info_str(), 0, slot);
            if (st != dnnl_h.dnnl_success()) return "?";
            return Dnnl.out(slot).reinterpret(256).getString(0);
        }
    }

    @Override
    public void close() {
        dnnl_h.dnnl_primitive_destroy(handle);
        dnnl_h.dnnl_primitive_desc_destroy(pd);
    }
}
