package dev.isthmus.nativebind.onednn;

/**
 * Entry point of the oneDNN backend. {@link #probe()} finds and loads the library once per process and says whether
 * it can be used; {@link OneDnnBackend#open(int)} then builds layers on it.
 *
 * <p>Where the library comes from (see {@link LibraryLocator}): {@code -Disthmus.onednn.library=PATH} or
 * {@code ISTHMUS_ONEDNN_LIBRARY=PATH} first, else the {@code org.bytedeco:dnnl:…:linux-x86_64} jar on the class path
 * (extracted once to {@code -Disthmus.cache.dir}, {@code $ISTHMUS_CACHE_DIR}, {@code $XDG_CACHE_HOME/isthmus} or
 * {@code ~/.cache/isthmus}), else unavailable. It is always loaded by its exact path and must report version 3.x.
 */
public final class OneDnn {
    private OneDnn() {
    }

    /** The system property naming the library file to load (or a folder holding {@code libdnnl.so.3}). */
    public static final String LIBRARY_PROPERTY = LibraryLocator.PROPERTY;
    /** The environment variable used when the property is not set. */
    public static final String LIBRARY_ENV = LibraryLocator.ENV;
    /** The system property naming the cache folder the bundled library is extracted to. */
    public static final String CACHE_PROPERTY = LibraryLocator.CACHE_PROPERTY;

    /**
     * Loads oneDNN if it is not loaded yet and reports: version, ISA and file, or why it is unavailable. Never
     * throws; the first call decides for the life of the process (a native library cannot be unloaded).
     */
    public static OneDnnStatus probe() {
        return LoadedLibrary.probe();
    }

    /** True when {@link #probe()} found a usable oneDNN. */
    public static boolean isAvailable() {
        return probe().available();
    }

    /** The header version the bindings were generated from, e.g. {@code 3.13.0} (from regenerate-bindings.sh). */
    public static String bindingsVersion() {
        try (var in = OneDnn.class.getResourceAsStream("gen/bindings.properties")) {
            if (in == null) return "unknown";
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("header.version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
