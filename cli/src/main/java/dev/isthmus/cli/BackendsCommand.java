package dev.isthmus.cli;

import dev.isthmus.engine.backend.BackendProvider;
import dev.isthmus.engine.backend.BackendStatus;
import dev.isthmus.engine.backend.Backends;
import dev.isthmus.engine.kernels.Simd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code isthmus backends}: which compute backends this installation can use. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = {"List the compute backends: available or not, version, or why not.", "",
                "java is always there (Vector API kernels, or the scalar reference when SIMD is off). Native backends "
                        + "are found on the class path and loaded on demand. --backend auto (the default) runs each "
                        + "layer on the backend measured faster for it; the last line says what that is here."})
final class BackendsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<BackendStatus> rows = new ArrayList<>();
        rows.add(new BackendStatus("java", true, "Java " + Runtime.version().feature(), Simd.status()));
        List<String> names = new ArrayList<>();
        for (BackendProvider p : Backends.providers()) {
            rows.add(p.probe());
            names.add(p.name());
        }
        if (!names.contains("onednn")) {
            rows.add(new BackendStatus("onednn", false, "", "not in this build (the native-bindings module is missing from the class path)"));
        }
        for (BackendStatus s : rows) {
            out.printf("%-8s %-12s %s%s%n", s.name(), s.available() ? "available" : "unavailable",
                    s.version().isEmpty() ? "" : s.version() + "  ", s.detail());
        }
        String auto = "the Java kernels for every layer (no native backend available)";
        for (BackendProvider p : Backends.providers()) {
            if (p.probe().available()) {
                auto = p.autoPolicy();
                break;
            }
        }
        out.printf("%-8s %-12s %s%n", "auto", "(default)", auto);
        return 0;
    }
}
