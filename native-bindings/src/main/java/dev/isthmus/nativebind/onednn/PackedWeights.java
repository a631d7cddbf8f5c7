package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One weight tensor in the layouts oneDNN's primitives asked for. Primitives are created with weights in format
 * {@code any}; the layout each one picks is looked up here and, the first time it is seen, reordered once into a
 * buffer kept for the life of the layer. Every later plan asking for the same layout (in practice: every plan of the
 * layer) shares that buffer, so no call ever reorders weights. The PyTorch-layout copy is freed after the first
 * reorder; further layouts, if any, are reordered from the first packed copy.
 */
final class PackedWeights implements AutoCloseable {
    private final OneDnnBackend backend;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> mds = new ArrayList<>();
    private final List<MemorySegment> buffers = new ArrayList<>();
    private Arena plainArena;
    private MemorySegment plainMd;
    private MemorySegment plain;

    /** Copies {@code data}, laid out as format {@code tag} over logical {@code dims}, to native memory. */
    PackedWeights(OneDnnBackend backend, String name, float[] data, int tag, long... dims) {
        this(backend, name, MemorySegment.ofArray(data), dnnl_h.dnnl_f32(), tag, dims);
    }

    /**
     * Copies {@code data} (elements of oneDNN type {@code dataType}, e.g. {@code dnnl_s8}), laid out as format
     * {@code tag} over logical {@code dims}, to native memory.
     */
    PackedWeights(OneDnnBackend backend, String name, MemorySegment data, int dataType, int tag, long... dims) {
        this.backend = backend;
        this.name = name;
        plainArena = Arena.ofShared();
        plain = plainArena.allocate(Math.max(1, data.byteSize()), Dnnl.ALIGN);
        MemorySegment.copy(data, 0, plain, 0, data.byteSize());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
            Dnnl.check(dnnl_h.dnnl_memory_desc_create_with_tag(slot, dims.length, Dnnl.dims(a, dims), dataType, tag),
                    "dnnl_memory_desc_create_with_tag(" + name + ")");
            plainMd = Dnnl.out(slot);
        } catch (RuntimeException e) {
            plainArena.close();
            throw e;
        }
    }

    /** The weights in layout {@code want} (a descriptor a primitive reported), reordering on first request. */
    synchronized MemorySegment in(MemorySegment want) {
        for (int i = 0; i < mds.size(); i++) {
            if (dnnl_h.dnnl_memory_desc_equal(mds.get(i), want) != 0) return buffers.get(i);
        }
        MemorySegment srcMd = mds.isEmpty() ? plainMd : mds.getFirst();
        MemorySegment src = mds.isEmpty() ? plain : buffers.getFirst();
        MemorySegment dst = arena.allocate(Math.max(1, dnnl_h.dnnl_memory_desc_get_size(want)), Dnnl.ALIGN);
        backend.reorder(name, srcMd, src, want, dst);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
            Dnnl.check(dnnl_h.dnnl_memory_desc_clone(slot, want), "dnnl_memory_desc_clone");
            mds.add(Dnnl.out(slot));
        }
        buffers.add(dst);
        if (plain != null) freePlain();
        return dst;
    }

    /** Native bytes held now: the packed copies, and the PyTorch-layout copy until the first reorder. */
    synchronized long bytes() {
        long b = plain != null ? plain.byteSize() : 0;
        for (MemorySegment m : buffers) b += m.byteSize();
        return b;
    }

    /** How many layouts are held (1 after the first run, in practice for good). */
    synchronized int layouts() {
        return mds.size();
    }

    private void freePlain() {
        dnnl_h.dnnl_memory_desc_destroy(plainMd);
        plainArena.close();
        plain = null;
        plainMd = null;
        plainArena = null;
    }

    @Override
    public synchronized void close() {
        for (MemorySegment md : mds) dnnl_h.dnnl_memory_desc_destroy(md);
        mds.clear();
        buffers.clear();
        if (plain != null) freePlain();
        arena.close();
    }
}
