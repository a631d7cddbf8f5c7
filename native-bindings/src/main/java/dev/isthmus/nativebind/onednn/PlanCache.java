package dev.isthmus.nativebind.onednn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A layer's plans by input shape, least recently used first out. oneDNN primitives are specialised to their shapes,
 * so a layer fed many shapes (a GRU on sequences of every length) would otherwise keep a primitive per shape forever;
 * beyond {@code capacity} the least recently used plan is dropped (and freed once no caller is running it).
 */
final class PlanCache<K, P extends Shared> {
    private final int capacity;
    private final LinkedHashMap<K, P> map = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    PlanCache(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    /** The plan for {@code key}, built by {@code factory} when absent; the caller must {@link Shared#release} it. */
    P acquire(K key, Function<K, P> factory) {
        synchronized (this) {
            if (closed) throw new IllegalStateException("closed");
            P p = map.get(key);
            if (p != null && p.retain()) return p;
        }
        P created = factory.apply(key); // outside the lock: building a primitive can take milliseconds
        List<P> dropped = new ArrayList<>();
        P result;
        synchronized (this) {
            P existing = map.get(key);
            if (closed) {
                dropped.add(created);
                result = null;
            } else if (existing != null && existing.retain()) {
                dropped.add(created); // another thread built the same plan first
                result = existing;
            } else {
                map.put(key, created);
                created.retain();
                result = created;
                for (Iterator<Map.Entry<K, P>> it = map.entrySet().iterator(); map.size() > capacity && it.hasNext(); ) {
                    Map.Entry<K, P> e = it.next();
                    if (e.getValue() == created) continue;
                    dropped.add(e.getValue());
                    it.remove();
                }
            }
        }
        for (P p : dropped) p.release();
        if (result == null) throw new IllegalStateException("closed");
        return result;
    }

    synchronized int size() {
        return map.size();
    }

    /** Drops every plan (each is freed when its last caller finishes). */
    void close() {
        List<P> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(map.values());
            map.clear();
        }
        for (P p : all) p.release();
    }
}
