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

    /**
     * The backend for {@code --backend auto}: it claims only the nodes it runs faster than the Java kernels (by a rule
     * its benchmarks prove, see {@link Backend#policy()}), and may load nothing native until it claims one. The
     * default claims everything it implements, as {@link #open(int)}.
     *
     * @throws dev.isthmus.engine.errors.IsthmusException when it cannot be opened, saying why
     */
    default Backend openAuto(int threads) {
        return open(threads);
    }

    /** What {@link #openAuto} claims and why, in one line; for {@code isthmus backends}. */
    default String autoPolicy() {
        return "every node it implements";
    }
}
