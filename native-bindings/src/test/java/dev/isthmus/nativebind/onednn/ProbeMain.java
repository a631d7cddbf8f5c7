package dev.isthmus.nativebind.onednn;

/** Run in a child JVM by the loading tests: prints what the probe says, what opening a backend says, and what {@code --backend auto} picks. */
public final class ProbeMain {
    private ProbeMain() {
    }

    public static void main(String[] args) {
        OneDnnStatus s = OneDnn.probe();
        System.out.println((s.available() ? "available: " : "unavailable: ") + s.describe());
        try (OneDnnBackend b = OneDnnBackend.open(1)) {
            System.out.println("open: ok, " + b.threads() + " thread");
        } catch (OneDnnUnavailableException e) {
            System.out.println("open: " + e.getMessage());
        }
        // what --backend auto does with this answer when it has a layer to give oneDNN: the Java kernels when oneDNN
        // is unavailable
        try (var b = dev.isthmus.engine.backend.Backends.open("auto", 1)) {
            boolean native_ = b instanceof OneDnnAutoBackend a && a.loads();
            System.out.println("auto: " + (native_ ? b.name() : "java"));
        }
    }
}
