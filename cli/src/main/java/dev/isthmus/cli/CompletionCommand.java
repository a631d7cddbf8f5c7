package dev.isthmus.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code isthmus completion}: a bash/zsh completion script generated from the command definitions. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash/zsh completion script for isthmus.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  source <(isthmus completion)", "  isthmus completion > /etc/bash_completion.d/isthmus"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(AutoComplete.bash("isthmus", root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
