package dev.isthmus.engine.backend;

/**
 * Discovered with {@link java.util.ServiceLoader}: a backend that may or may not be usable on this machine. Backends
 * live in other modules (e.g. oneDNN in native-bindings) and register themselves in
 * {@code META-INF/services/dev.isthmus.engine.backend.BackendProvider}.
 */
public interface BackendProvider {
    /** The name users select it by, e.g. {@code onednn}. */
    String name();

    /** Whether it can be used here, its version, or why not. Never throws. */
    BackendStatus probe();

    /**
     * A backend for one model running with {@code threads} threads.
     *
     * @throws dev.isthmus.engine.errors.IsthmusException when it cannot be opened, saying why
     */
    Backend open(int threads);
}
