package dev.isthmus.nativebind.onednn;

/**
 * Reference counting for native resources that several threads may be using when their owner lets go of them (a
 * layer closed while a forward is running, a cached plan evicted while a caller still runs it). The owner holds the
 * first reference; users {@link #retain()} and {@link #release()} around each use; the native memory is freed by
 * whichever release is last, on that thread, exactly once.
 */
abstract class Shared {
    private int refs = 1;

    /** Takes a reference; false when the object is already freed (or being freed). */
    final synchronized boolean retain() {
        if (refs <= 0) return false;
        refs++;
        return true;
    }

    /** Drops a reference; the last one frees. */
    final void release() {
        boolean last;
        synchronized (this) {
            if (refs <= 0) throw new IllegalStateException("released more often than retained");
            last = --refs == 0;
        }
        if (last) free();
    }

    /** Frees the native resources; called once, when no thread uses them any more. */
    protected abstract void free();
}
