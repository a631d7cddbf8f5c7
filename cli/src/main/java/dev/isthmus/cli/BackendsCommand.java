package dev.isthmus.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code isthmus backends}: which compute backends this installation can use. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = {"List the compute backends: available or not, version, or why not."})
final class BackendsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("java     available  scalar reference kernels (Java " + Runtime.version().feature() + ")");
        out.println("onednn   unavailable  not built into this version");
        return 0;
    }
}
