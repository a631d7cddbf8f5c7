package dev.isthmus.engine.backend;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Node;

/**
 * Native or alternative implementations of some ops, opened for one model. After the fusion passes, each node of the
 * graph is offered to the backend ({@link #compile}); the nodes it claims run on it, the others on the Java kernels.
 * The model closes the backend with itself, which frees everything the backend holds for it.
 */
public interface Backend extends AutoCloseable {
    /** The backend's name, e.g. {@code onednn}. */
    String name();

    /**
     * The node compiled for this backend, or null to leave it to the Java kernels (an op it does not implement, or an
     * argument combination or fused epilogue it does not handle). The executable reads and writes the plan's buffers
     * through its {@link dev.isthmus.engine.ir.Frame} as the Java ones do.
     */
    Executable compile(Node node);

    /**
     * Where a node this backend compiled runs, for {@code --verbose} and {@code inspect}: its name unless the
     * executable chooses per input shape (e.g. {@code onednn at batch ≥ 8, else java}).
     */
    default String placement(Executable compiled) {
        return name();
    }

    /**
     * One line for {@code --verbose} and {@code isthmus backends}: which nodes this backend claims, and why (for
     * {@code auto}, the measurements behind the choice).
     */
    default String policy() {
        return "every node it implements";
    }

    /** Frees what the backend holds for its model. */
    @Override
    void close();
}
