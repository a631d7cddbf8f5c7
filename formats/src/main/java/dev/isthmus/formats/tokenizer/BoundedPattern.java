package dev.isthmus.formats.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression from a tokenizer file, run under the text's {@link WorkBudget}: every character the matcher
 * reads is a step, so a pattern that backtracks exponentially ends as an error for that text instead of running
 * forever (or, in the native tokenizers library, aborting the process). Patterns use Unicode classes ({@code \w},
 * {@code \s}, {@code \d} match beyond ASCII), as in the library's Oniguruma expressions.
 */
final class BoundedPattern {
    private final Pattern pattern;
    private final String step;

    private BoundedPattern(Pattern pattern, String step) {
        this.pattern = pattern;
        this.step = step;
    }

    /** A regular expression, or a literal string when {@code literal}; a syntax error names the file and JSON path. */
    static BoundedPattern compile(String source, boolean literal, Fields f, String path) {
        try {
            Pattern p = literal ? Pattern.compile(Pattern.quote(source))
                    : Pattern.compile(source, Pattern.UNICODE_CHARACTER_CLASS);
            return new BoundedPattern(p, path + " /" + abbreviate(source) + "/");
        } catch (PatternSyntaxException e) {
            throw f.error(path, "tokenizer-regex", "not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex());
        } catch (StackOverflowError e) {
            throw f.error(path, "tokenizer-regex", "the regular expression is nested too deeply to compile");
        }
    }

    /** The matches' [start, end) char offsets in {@code s}, left to right, as {@link Matcher#find()} finds them. */
    List<int[]> matches(String s, WorkBudget budget) {
        List<int[]> out = new ArrayList<>();
        Matcher m = pattern.matcher(new Metered(s, budget, step));
        try {
            while (m.find()) {
                out.add(new int[]{m.start(), m.end()});
                budget.spend(1, step);
            }
        } catch (StackOverflowError e) {
            throw budget.tooDeep(step);
        }
        return out;
    }

    String step() {
        return step;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** The text as the matcher sees it: each character read is charged to the budget. */
    private record Metered(String s, WorkBudget budget, String step) implements CharSequence {
        @Override
        public int length() {
            return s.length();
        }

        @Override
        public char charAt(int index) {
            budget.spend(1, step);
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
