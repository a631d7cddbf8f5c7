package dev.isthmus.engine.errors;

import java.util.List;

/**
 * A model whose spec and weights disagree, or whose spec is invalid: unknown ops or arguments, missing, unexpected or
 * mis-shaped tensors, shapes that cannot flow through the graph. Each problem names its node; the message lists the
 * first {@value #LISTED} and counts the rest.
 */
public class ModelSpecException extends IsthmusException {
    private final List<String> problems;

    /** The most problems the message lists; the rest are counted ({@link #problems()} has them all). */
    public static final int LISTED = 10;

    public ModelSpecException(String model, List<String> problems) {
        this(model, problems, 0);
    }

    /** With {@code unlisted} more problems found but not kept (a source that stops keeping them past a bound). */
    public ModelSpecException(String model, List<String> problems, long unlisted) {
        super((model == null ? "" : model + ": ") + summary(problems, unlisted));
        this.problems = List.copyOf(problems);
    }

    private static String summary(List<String> problems, long unlisted) {
        long total = problems.size() + unlisted;
        if (total == 1) return problems.get(0);
        String listed = String.join("; ", problems.subList(0, Math.min(LISTED, problems.size())));
        return total + " problems: " + listed + (total > LISTED ? "; … and " + (total - Math.min(LISTED, problems.size())) + " more" : "");
    }

    /** The problems kept, one line each (every one, unless the source bounded them). */
    public List<String> problems() {
        return problems;
    }
}
