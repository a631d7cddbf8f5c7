package dev.isthmus.formats.tokenizer;

import dev.isthmus.formats.tokenizer.Splitter.Behavior;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The second step: the normalized text cut into the pieces the model tokenizes one by one ({@code tokenizer.json}'s
 * {@code pre_tokenizer}), with the tokenizers library's semantics. Supported types: {@code BertPreTokenizer},
 * {@code Whitespace}, {@code WhitespaceSplit}, {@code ByteLevel}, {@code Punctuation}, {@code Digits}, {@code Split},
 * {@code CharDelimiterSplit} and {@code Sequence}.
 */
interface PreTokenizer {
    /** Splits each piece in turn; the result keeps their order. */
    List<String> apply(List<String> pieces, WorkBudget budget);

    PreTokenizer IDENTITY = (pieces, budget) -> pieces;

    /** The pre-tokenizer that {@code json} describes ({@code null} = none). */
    static PreTokenizer parse(Object json, Fields f, String path) {
        if (json == null) return IDENTITY;
        Map<String, Object> m = f.object(json, path);
        String type = f.string(m, "type", path, null);
        return switch (type) {
            case "BertPreTokenizer" -> {
                PreTokenizer whitespace = byChar(CharClasses::isWhitespace, Behavior.REMOVED);
                PreTokenizer punctuation = byChar(CharClasses::isPunctuation, Behavior.ISOLATED);
                yield (pieces, b) -> punctuation.apply(whitespace.apply(pieces, b), b);
            }
            case "Whitespace" -> byPattern(BoundedPattern.compile("\\w+|[^\\w\\s]+", false, f, path + " (Whitespace)"),
                    true, Behavior.REMOVED);
            case "WhitespaceSplit" -> byChar(CharClasses::isWhitespace, Behavior.REMOVED);
            case "ByteLevel" -> byteLevel(f.bool(m, "add_prefix_space", path, true), f.bool(m, "use_regex", path, true), f, path);
            case "Punctuation" -> byChar(CharClasses::isPunctuation, behavior(m, f, path, "Isolated"));
            case "Digits" -> byChar(CharClasses::isNumeric,
                    f.bool(m, "individual_digits", path, false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
            case "CharDelimiterSplit" -> {
                String d = f.string(m, "delimiter", path, null);
                if (d.codePointCount(0, d.length()) != 1) throw f.error(path + ".delimiter", "expected one character");
                int delimiter = d.codePointAt(0);
                yield byChar(c -> c == delimiter, Behavior.REMOVED);
            }
            case "Split" -> {
                Map<String, Object> pattern = f.object(m.get("pattern"), path + ".pattern");
                BoundedPattern p = pattern.get("String") != null
                        ? BoundedPattern.compile(f.string(pattern.get("String"), path + ".pattern.String"), true, f, path + ".pattern")
                        : BoundedPattern.compile(f.string(pattern.get("Regex"), path + ".pattern.Regex"), false, f, path + ".pattern");
                yield byPattern(p, f.bool(m, "invert", path, false), behavior(m, f, path, null));
            }
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                List<Object> items = f.list(m.get("pretokenizers"), path + ".pretokenizers");
                for (int i = 0; i < items.size(); i++) steps.add(parse(items.get(i), f, path + ".pretokenizers[" + i + "]"));
                yield (pieces, b) -> {
                    for (PreTokenizer p : steps) pieces = p.apply(pieces, b);
                    return pieces;
                };
            }
            default -> throw f.error(path + ".type", "tokenizer-unsupported", "pre-tokenizer '" + type + "' is not supported"
                    + " (supported: BertPreTokenizer, Whitespace, WhitespaceSplit, ByteLevel, Punctuation, Digits, Split,"
                    + " CharDelimiterSplit, Sequence)");
        };
    }

    /** GPT-2's split of words, numbers, other symbols and whitespace (a space kept in front of the piece it precedes). */
    String GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /**
     * GPT-2's byte-level step: a space in front of each piece that has none (with {@code add_prefix_space}), the split
     * above (with {@code use_regex}), then every UTF-8 byte of a piece written as one printable character
     * ({@link ByteAlphabet}), so the vocabulary covers any text without an unknown token.
     */
    private static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex, Fields f, String path) {
        BoundedPattern split = BoundedPattern.compile(GPT2_SPLIT, false, f, path + " (ByteLevel)");
        return (pieces, b) -> {
            List<String> out = new ArrayList<>();
            for (String s : pieces) {
                if (addPrefixSpace && !s.startsWith(" ")) s = " " + s;
                List<String> parts = new ArrayList<>();
                if (useRegex) Splitter.split(s, Splitter.byPattern(s, split, b), Behavior.ISOLATED, parts);
                else parts.add(s);
                for (String part : parts) out.add(ByteAlphabet.encode(part));
            }
            return out;
        };
    }

    private static Behavior behavior(Map<String, Object> m, Fields f, String path, String fallback) {
        return f.choice(f.string(m, "behavior", path, fallback), Behavior.BY_NAME, path + ".behavior");
    }

    private static PreTokenizer byChar(IntPredicate p, Behavior behavior) {
        return (pieces, b) -> {
            List<String> out = new ArrayList<>();
            for (String s : pieces) Splitter.split(s, Splitter.byChar(s, p), behavior, out);
            return out;
        };
    }

    private static PreTokenizer byPattern(BoundedPattern p, boolean invert, Behavior behavior) {
        return (pieces, b) -> {
            List<String> out = new ArrayList<>();
            for (String s : pieces) {
                List<Splitter.Segment> segments = Splitter.byPattern(s, p, b);
                Splitter.split(s, invert ? Splitter.invert(segments) : segments, behavior, out);
            }
            return out;
        };
    }
}
