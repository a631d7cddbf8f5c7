package dev.isthmus.cli;

import dev.isthmus.engine.errors.IsthmusException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The {@code isthmus} command. */
@Command(name = "isthmus", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"CPU inference for convolutional, recurrent (GRU) and Transformer networks from safetensors weights.", ""},
        subcommands = {RunCommand.class, PredictCommand.class, EmbedCommand.class, InspectCommand.class, BenchCommand.class, QuantizeCommand.class, BackendsCommand.class,
                CompletionCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  isthmus predict examples/mnist examples/mnist/digits",
                "  isthmus run model.safetensors -i x=input.npy -o out.npy",
                "  isthmus inspect model.safetensors",
                "  isthmus quantize model.safetensors model-int8.safetensors --dtype int8",
                "",
                "A MODEL is a .safetensors file whose metadata holds the isthmus/1 spec, or a directory with model.json "
                        + "and model.safetensors. Exit codes: 0 ok, 1 a model or data error, 2 a usage error.",
                "Run 'isthmus help COMMAND' for a command's options and examples."})
public final class Main implements Runnable {
    /** Exit code for model and data errors. */
    static final int EXIT_DATA = 1;
    /** Exit code for usage errors. */
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (run, predict, inspect, backends)");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        int code = run(args, out, Terminal.stderr());
        out.flush();
        System.exit(code);
    }

    /** Runs the CLI with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = commandLine(out, err);
        return cmd.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setUsageHelpAutoWidth(true);
        // Path.of("") is the working directory: an empty MODEL, FILE or -o would name it without the user saying so
        cmd.registerConverter(java.nio.file.Path.class, s -> {
            if (s.isEmpty()) throw new CommandLine.TypeConversionException("empty path");
            return java.nio.file.Path.of(s);
        });
        cmd.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String path = c.getCommandSpec().qualifiedName();
            Terminal.message(c.getErr(), ex.getMessage() + " (see '" + path + " --help')");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean verbose = parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"))
                    || parsed.hasMatchedOption("--verbose");
            PrintWriter e = c.getErr();
            if (ex instanceof UsageException) {
                Terminal.message(e, ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
                return EXIT_USAGE;
            }
            Terminal.message(e, describe(ex) + (verbose || known(ex) ? "" : " (--verbose shows the stack trace)"));
            if (verbose) printStackTrace(ex, e);
            e.flush();
            return EXIT_DATA;
        });
        return cmd;
    }

    /**
     * The stack trace, each of its lines escaped as messages are: an exception's message may quote a name from a file,
     * newlines included (the trace is written line by line, so a newline inside a message is escaped, not followed).
     */
    static void printStackTrace(Throwable ex, PrintWriter err) {
        PrintWriter escaping = new PrintWriter(err) {
            @Override
            public void println(Object x) {
                println(String.valueOf(x));
            }

            @Override
            public void println(String x) {
                int tabs = 0;
                while (tabs < x.length() && x.charAt(tabs) == '\t') tabs++;
                super.println(x.substring(0, tabs) + Terminal.printable(x.substring(tabs)));
            }
        };
        ex.printStackTrace(escaping);
        escaping.flush();
    }

    private static boolean known(Throwable ex) {
        return ex instanceof IsthmusException || ex instanceof UncheckedIOException;
    }

    /** One line for an error: its message, or for an unexpected failure its type and message. */
    static String describe(Throwable ex) {
        if (ex instanceof IsthmusException) return ex.getMessage();
        if (ex instanceof UncheckedIOException u && u.getCause() != null) return u.getMessage();
        String m = ex.getMessage();
        return "internal error: " + ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"isthmus " + (v == null ? "0.1.0-SNAPSHOT" : v), "Java " + Runtime.version()
                    + " (" + System.getProperty("java.vm.name") + ")", "OS " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch")};
        }
    }
}
