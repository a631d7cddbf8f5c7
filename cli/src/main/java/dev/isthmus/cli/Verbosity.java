package dev.isthmus.cli;

import picocli.CommandLine.Option;

/** The {@code --verbose} option every subcommand has. */
final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "Say more: what was loaded, timings, and stack traces of errors.")
    boolean verbose;
}
