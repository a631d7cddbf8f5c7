package dev.isthmus.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder replaced below. */
@Command(name = "predict", hidden = true)
final class PredictCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
