package dev.isthmus.engine.ir;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The spec frontend's name table: every op a spec may name, a {@code torch.nn} module by its class name or a PyTorch
 * function / tensor method by its own name, mapped to the factory that reads its arguments and binds its parameters.
 * Adding an op is one line here (in {@link dev.isthmus.engine.ir.ops.OpTable}).
 */
public final class OpRegistry {
    /** Builds an op from a node's arguments, binding its parameters from {@code weights}. */
    @FunctionalInterface
    public interface Factory {
        Op create(OpArgs args, Weights weights);
    }

    private static final Map<String, Factory> MODULES = new TreeMap<>();
    private static final Map<String, Factory> FUNCTIONS = new TreeMap<>();

    static {
        dev.isthmus.engine.ir.ops.OpTable.register();
    }

    private OpRegistry() {
    }

    /** Registers a {@code torch.nn} module. */
    public static void module(String name, Factory f) {
        MODULES.put(name, f);
    }

    /** Registers a function or tensor method. */
    public static void function(String name, Factory f) {
        FUNCTIONS.put(name, f);
    }

    /** The factory for {@code op}, or null. */
    public static Factory factory(String op) {
        Factory f = MODULES.get(op);
        return f != null ? f : FUNCTIONS.get(op);
    }

    /** True when {@code op} names a module (not a function). */
    public static boolean isModule(String op) {
        return MODULES.containsKey(op);
    }

    public static Set<String> modules() {
        return new TreeSet<>(MODULES.keySet());
    }

    public static Set<String> functions() {
        return new TreeSet<>(FUNCTIONS.keySet());
    }
}
