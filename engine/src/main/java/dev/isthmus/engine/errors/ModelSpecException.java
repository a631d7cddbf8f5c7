package dev.isthmus.engine.errors;

import java.util.List;

/**
 * A model whose spec and weights disagree, or whose spec is invalid: unknown ops or arguments, missing, unexpected or
 * mis-shaped tensors, shapes that cannot flow through the graph. Lists every problem found, each naming its node.
 */
public class ModelSpecException extends IsthmusException {
    private final List<String> problems;

    public ModelSpecException(String model, List<String> problems) {
        super((model == null ? "" : model + ": ") + (problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems: " + String.join("; ", problems)));
        this.problems = List.copyOf(problems);
    }

    /** Every problem, one line each. */
    public List<String> problems() {
        return problems;
    }
}
