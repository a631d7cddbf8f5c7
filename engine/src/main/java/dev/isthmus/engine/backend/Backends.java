package dev.isthmus.engine.backend;

import dev.isthmus.engine.errors.IsthmusException;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The backends on the class path, and the choice {@code auto | java | NAME}. */
public final class Backends {
    private Backends() {
    }

    /** Every provider found, in class-path order. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> out = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) out.add(p);
        return out;
    }

    /** The names a user may pass: auto, java, and each provider's. */
    public static List<String> names() {
        List<String> n = new ArrayList<>(List.of("auto", "java"));
        for (BackendProvider p : providers()) n.add(p.name());
        return n;
    }

    /**
     * Opens the backend a user asked for: {@code java} → none (the Java kernels); {@code auto} → the first available
     * provider's {@link BackendProvider#openAuto} (only the nodes it runs faster), else none; a provider's name → that
     * one for every node it implements, or an error saying why it can't be used.
     *
     * @return the backend, or null for the Java kernels alone
     */
    public static Backend open(String choice, int threads) {
        String c = choice == null ? "auto" : choice;
        if (c.equals("java")) return null;
        List<BackendProvider> ps = providers();
        if (c.equals("auto")) {
            for (BackendProvider p : ps) {
                try {
                    return p.openAuto(threads);
                } catch (IsthmusException e) {
                    // auto falls back to Java
                }
            }
            return null;
        }
        for (BackendProvider p : ps) {
            if (p.name().equals(c)) {
                BackendStatus s = p.probe();
                if (!s.available()) throw new IsthmusException("backend '" + c + "' is unavailable: " + s.detail());
                return p.open(threads);
            }
        }
        throw new IsthmusException("unknown backend '" + c + "' (available here: " + String.join(", ", names()) + ")");
    }
}
