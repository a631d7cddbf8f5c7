package dev.isthmus.formats.tokenizer;

/**
 * What tokenizing one text may cost, set by the text's length: steps (a regular expression's character reads, a
 * vocabulary lookup, a step in the added-token trie) and the length of any intermediate string. A tokenizer file
 * comes from a stranger: a pattern such as {@code (a+)+$} backtracks for longer than the universe on 40 characters,
 * and a replacement can multiply the text; both end here as a {@link TokenizerInputException} for that text alone.
 * The bounds are far above what real tokenizers use (tens of steps per character for the GPT-2 split pattern, at
 * most the word length per character for WordPiece, an 18-fold growth for NFKC's longest expansion).
 */
final class WorkBudget {
    static final long STEPS_PER_CHAR = 2_000;
    static final long BASE_STEPS = 1_000_000;
    static final long GROWTH = 64;
    static final long BASE_CHARS = 4_096;

    private final String file;
    private final long limit;
    private final long maxChars;
    private long left;

    WorkBudget(String file, int inputChars) {
        this.file = file;
        this.limit = BASE_STEPS + STEPS_PER_CHAR * inputChars;
        this.maxChars = BASE_CHARS + GROWTH * inputChars;
        this.left = limit;
    }

    /** Spends {@code steps}; throws when the text's allowance is used up. */
    void spend(long steps, String step) {
        left -= steps;
        if (left < 0) {
            throw new TokenizerInputException(file, step, "tokenizer-work", "this text needs more than " + limit
                    + " steps to tokenize (" + STEPS_PER_CHAR + " per character of the text; a pattern that backtracks"
                    + " without end?)");
        }
    }

    /** {@code s}, when it is no longer than the text's allowance for intermediate strings. */
    String checkLength(String s, String step) {
        checkLength(s.length(), step);
        return s;
    }

    /** Throws when an intermediate string of {@code length} characters is beyond the text's allowance. */
    void checkLength(long length, String step) {
        if (length > maxChars) {
            throw new TokenizerInputException(file, step, "tokenizer-growth", "the text grew to " + length
                    + " characters, more than " + GROWTH + " times its length allows");
        }
    }

    /** A pattern's failure that is no bug of the caller's: recursion too deep for the stack on this text. */
    TokenizerInputException tooDeep(String step) {
        return new TokenizerInputException(file, step, "tokenizer-work", "the pattern recurses too deeply on this text");
    }
}
