package dev.isthmus.formats.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Splitting a piece of text at the matches of a pattern, as the tokenizers library's {@code NormalizedString::split}
 * does: the text is cut into segments that alternate between matches and the text between them, and a
 * {@link Behavior} says what becomes of the matches. Empty pieces are dropped.
 */
final class Splitter {
    private Splitter() {
    }

    /** What happens to a match (the library's {@code SplitDelimiterBehavior}). */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static final Map<String, Behavior> BY_NAME = Map.of("Removed", REMOVED, "Isolated", ISOLATED,
                "MergedWithPrevious", MERGED_WITH_PREVIOUS, "MergedWithNext", MERGED_WITH_NEXT, "Contiguous", CONTIGUOUS);
    }

    /** A [start, end) char range of the text and whether it is a match. */
    record Segment(int start, int end, boolean match) {
        Segment inverted() {
            return new Segment(start, end, !match);
        }
    }

    /** Every code point for which {@code p} holds is a match of its own. */
    static List<Segment> byChar(String s, IntPredicate p) {
        List<Segment> out = new ArrayList<>();
        int last = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i), n = i + Character.charCount(c);
            if (p.test(c)) {
                if (last < i) out.add(new Segment(last, i, false));
                out.add(new Segment(i, n, true));
                last = n;
            }
            i = n;
        }
        if (last < s.length()) out.add(new Segment(last, s.length(), false));
        return out;
    }

    /** The matches of {@code p} and the text between them. */
    static List<Segment> byPattern(String s, BoundedPattern p, WorkBudget budget) {
        List<Segment> out = new ArrayList<>();
        int prev = 0;
        for (int[] m : p.matches(s, budget)) {
            if (prev != m[0]) out.add(new Segment(prev, m[0], false));
            out.add(new Segment(m[0], m[1], true));
            prev = m[1];
        }
        if (prev != s.length()) out.add(new Segment(prev, s.length(), false));
        return out;
    }

    static List<Segment> invert(List<Segment> segments) {
        return segments.stream().map(Segment::inverted).toList();
    }

    /** Appends the non-empty pieces of {@code s} that {@code behavior} makes of {@code segments} to {@code out}. */
    static void split(String s, List<Segment> segments, Behavior behavior, List<String> out) {
        List<int[]> kept = new ArrayList<>();
        switch (behavior) {
            case REMOVED -> {
                for (Segment g : segments) if (!g.match()) kept.add(new int[]{g.start(), g.end()});
            }
            case ISOLATED -> {
                for (Segment g : segments) kept.add(new int[]{g.start(), g.end()});
            }
            case CONTIGUOUS -> {
                boolean previous = false;
                for (Segment g : segments) {
                    if (g.match() == previous && !kept.isEmpty()) kept.getLast()[1] = g.end();
                    else kept.add(new int[]{g.start(), g.end()});
                    previous = g.match();
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previous = false;
                for (Segment g : segments) {
                    if (g.match() && !previous && !kept.isEmpty()) kept.getLast()[1] = g.end();
                    else kept.add(new int[]{g.start(), g.end()});
                    previous = g.match();
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previous = false;
                for (Segment g : segments.reversed()) {
                    if (g.match() && !previous && !kept.isEmpty()) kept.getLast()[0] = g.start();
                    else kept.add(new int[]{g.start(), g.end()});
                    previous = g.match();
                }
                java.util.Collections.reverse(kept);
            }
        }
        for (int[] k : kept) if (k[1] > k[0]) out.add(s.substring(k[0], k[1]));
    }
}
