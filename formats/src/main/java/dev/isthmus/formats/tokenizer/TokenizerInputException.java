package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.errors.InvalidInputException;

/**
 * One text that the tokenizer will not finish: it would take more work or memory than its length allows (a pattern
 * that backtracks without end, a replacement that multiplies the text). Only that text fails; the tokenizer stays
 * usable. The message names the tokenizer file, the step of the pipeline and the rule.
 */
public final class TokenizerInputException extends InvalidInputException {
    private final String rule;

    TokenizerInputException(String file, String step, String rule, String detail) {
        super(file + ": " + step + ": " + detail + " [rule: " + rule + "]");
        this.rule = rule;
    }

    /** A short identifier of the bound that was hit: {@code tokenizer-work} or {@code tokenizer-growth}. */
    public String rule() {
        return rule;
    }
}
