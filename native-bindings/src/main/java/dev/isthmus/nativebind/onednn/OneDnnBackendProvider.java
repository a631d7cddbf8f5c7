package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.backend.BackendProvider;
import dev.isthmus.engine.backend.BackendStatus;

/**
 * The oneDNN backend as the engine discovers it ({@code META-INF/services/dev.isthmus.engine.backend.BackendProvider}):
 * {@code isthmus backends} shows {@link #probe()}, {@code --backend onednn} calls {@link #open(int)}, {@code --backend auto} {@link #openAuto(int)}.
 */
public final class OneDnnBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return OneDnnBackend.NAME;
    }

    /** {@code oneDNN 3.13.0, avx2} and {@code OpenMP, bundled: <file>}; or the reason it is unavailable. Never throws. */
    @Override
    public BackendStatus probe() {
        OneDnnStatus s = OneDnn.probe();
        if (!s.available()) return new BackendStatus(name(), false, "", s.reason());
        return new BackendStatus(name(), true, "oneDNN " + s.version() + ", " + s.isa(), s.runtime() + ", " + s.source() + ": " + s.library());
    }

    /** @throws OneDnnUnavailableException when oneDNN cannot be loaded, saying why */
    @Override
    public Backend open(int threads) {
        return OneDnnBackend.open(threads);
    }

    /** oneDNN only where it is measured faster than the Java kernels (see {@link OneDnnAutoBackend}); loads lazily. */
    @Override
    public Backend openAuto(int threads) {
        return new OneDnnAutoBackend(threads);
    }

    @Override
    public String autoPolicy() {
        return OneDnnAutoBackend.POLICY;
    }
}
