package dev.isthmus.cli;

import dev.isthmus.engine.backend.Backends;
import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.formats.ModelLoader;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --threads} and {@code --backend}, shared by the commands that run models. */
final class ComputeOptions {
    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "Compute threads, 1 to 256 (default: all cores).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "auto (the faster of Java and a native backend per layer, by measured rules: today oneDNN for "
                    + "GRU layers at batch ≥ 8 and for int8 encoders, Linear layers and recurrent input projections on CPUs "
                    + "with VNNI or AMX, Java for "
                    + "the rest), java, or a backend's name such as onednn (every "
                    + "layer it implements); 'isthmus backends' says why (default: ${DEFAULT-VALUE}).")
    String backend;

    int threads() {
        if (threads != null && threads < 1) throw new UsageException("--threads must be ≥ 1");
        if (threads != null && threads > ComputePool.MAX_THREADS) {
            throw new UsageException("--threads " + threads + " is more than the " + ComputePool.MAX_THREADS + " a model runs on (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores; more threads than cores only wait for each other)");
        }
        return threads != null ? threads : ComputePool.defaultThreads();
    }

    /** Loads the model; with verbose, says which backend runs which ops. */
    Model load(Path model, PrintWriter err, boolean verbose) {
        if (!Backends.names().contains(backend)) {
            throw new UsageException("unknown backend '" + backend + "' (available here: " + String.join(", ", Backends.names()) + ")");
        }
        Model m = ModelLoader.load(model, threads(), backend);
        if (verbose) {
            Map<String, Integer> count = new LinkedHashMap<>();
            for (Model.NodeInfo n : m.nodes()) count.merge(n.backend() + " " + n.op(), 1, Integer::sum);
            StringBuilder b = new StringBuilder();
            count.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(v > 1 ? " ×" + v : ""));
            Terminal.message(err, "loaded " + model + " with " + m.threads() + " thread" + (m.threads() == 1 ? "" : "s")
                    + ", backend " + backend + ": " + b);
            Terminal.message(err, "backend " + backend + " chose " + m.backendPolicy());
        }
        return m;
    }
}
