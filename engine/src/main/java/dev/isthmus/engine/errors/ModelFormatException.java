package dev.isthmus.engine.errors;

/** A model or data file that is malformed: names the file, the tensor (when there is one) and the rule broken. */
public class ModelFormatException extends IsthmusException {
    private final String file;
    private final String tensor;
    private final String rule;

    public ModelFormatException(String file, String tensor, String rule, String detail) {
        super(compose(file, tensor, rule, detail));
        this.file = file;
        this.tensor = tensor;
        this.rule = rule;
    }

    public ModelFormatException(String file, String tensor, String rule, String detail, Throwable cause) {
        super(compose(file, tensor, rule, detail), cause);
        this.file = file;
        this.tensor = tensor;
        this.rule = rule;
    }

    private static String compose(String file, String tensor, String rule, String detail) {
        StringBuilder b = new StringBuilder();
        if (file != null) b.append(file).append(": ");
        if (tensor != null) b.append("tensor '").append(tensor).append("': ");
        b.append(detail);
        if (rule != null) b.append(" [rule: ").append(rule).append(']');
        return b.toString();
    }

    /** The file, or null. */
    public String file() {
        return file;
    }

    /** The tensor, or null when the problem is not about one tensor. */
    public String tensor() {
        return tensor;
    }

    /** A short identifier of the rule that was broken, e.g. {@code offsets-contiguous}. */
    public String rule() {
        return rule;
    }
}
