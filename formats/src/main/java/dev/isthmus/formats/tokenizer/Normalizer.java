package dev.isthmus.formats.tokenizer;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The first step of the pipeline: the text rewritten before it is split ({@code tokenizer.json}'s
 * {@code normalizer}), with the tokenizers library's semantics. Supported types: {@code BertNormalizer},
 * {@code Lowercase}, {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}, {@code StripAccents}, {@code Strip},
 * {@code Replace}, {@code Prepend} and {@code Sequence}.
 */
interface Normalizer {
    String normalize(String s, WorkBudget budget);

    Normalizer IDENTITY = (s, budget) -> s;

    /** The normalizer that {@code json} describes ({@code null} = none). */
    static Normalizer parse(Object json, Fields f, String path) {
        if (json == null) return IDENTITY;
        Map<String, Object> m = f.object(json, path);
        String type = f.string(m, "type", path, null);
        return switch (type) {
            case "BertNormalizer" -> bert(f.bool(m, "clean_text", path, true), f.bool(m, "handle_chinese_chars", path, true),
                    m.get("strip_accents") == null ? f.bool(m, "lowercase", path, true) : f.bool(m, "strip_accents", path, false),
                    f.bool(m, "lowercase", path, true));
            case "Lowercase" -> (s, b) -> lowercase(s);
            case "NFC" -> unicode(Form.NFC);
            case "NFD" -> unicode(Form.NFD);
            case "NFKC" -> unicode(Form.NFKC);
            case "NFKD" -> unicode(Form.NFKD);
            case "StripAccents" -> (s, b) -> filter(s, c -> !CharClasses.isMark(c));
            case "Strip" -> strip(f.bool(m, "strip_left", path, false), f.bool(m, "strip_right", path, false));
            case "Replace" -> replace(m, f, path);
            case "Prepend" -> {
                String prefix = f.string(m, "prepend", path, null);
                yield (s, b) -> s.isEmpty() ? s : b.checkLength(prefix + s, path + " (Prepend)");
            }
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                List<Object> items = f.list(m.get("normalizers"), path + ".normalizers");
                for (int i = 0; i < items.size(); i++) steps.add(parse(items.get(i), f, path + ".normalizers[" + i + "]"));
                yield (s, b) -> {
                    for (Normalizer n : steps) s = n.normalize(s, b);
                    return s;
                };
            }
            default -> throw f.error(path + ".type", "tokenizer-unsupported", "normalizer '" + type + "' is not supported"
                    + " (supported: BertNormalizer, Lowercase, NFC, NFD, NFKC, NFKD, StripAccents, Strip, Replace,"
                    + " Prepend, Sequence)");
        };
    }

    private static Normalizer bert(boolean cleanText, boolean chinese, boolean stripAccents, boolean lowercase) {
        return (s, b) -> {
            if (cleanText) {
                StringBuilder out = new StringBuilder(s.length());
                s.codePoints().forEach(c -> {
                    if (c == 0 || c == 0xFFFD || (c != '\t' && c != '\n' && c != '\r' && CharClasses.isOther(c))) return;
                    out.appendCodePoint(CharClasses.isWhitespace(c) ? ' ' : c);
                });
                s = out.toString();
            }
            if (chinese) {
                StringBuilder out = new StringBuilder(s.length());
                s.codePoints().forEach(c -> {
                    if (CharClasses.isChinese(c)) out.append(' ').appendCodePoint(c).append(' ');
                    else out.appendCodePoint(c);
                });
                s = out.toString();
            }
            if (stripAccents) s = filter(java.text.Normalizer.normalize(s, Form.NFD), c -> !CharClasses.isNonspacingMark(c));
            if (lowercase) s = lowercase(s);
            return s;
        };
    }

    /** Each code point lowercased on its own (full mappings, e.g. İ → i̇; no context, so Σ → σ everywhere). */
    private static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int n = Character.charCount(c);
            if (c < 0x80) out.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
            else out.append(s.substring(i, i + n).toLowerCase(Locale.ROOT));
            i += n;
        }
        return out.toString();
    }

    private static Normalizer unicode(Form form) {
        return (s, b) -> java.text.Normalizer.normalize(s, form);
    }

    private static String filter(String s, java.util.function.IntPredicate keep) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().filter(keep).forEach(out::appendCodePoint);
        return out.toString();
    }

    private static Normalizer strip(boolean left, boolean right) {
        return (s, b) -> {
            int start = 0, end = s.length();
            while (left && start < end && CharClasses.isWhitespace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            while (right && end > start && CharClasses.isWhitespace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        };
    }

    private static Normalizer replace(Map<String, Object> m, Fields f, String path) {
        Map<String, Object> pattern = f.object(m.get("pattern"), path + ".pattern");
        String content = f.string(m, "content", path, null);
        BoundedPattern p;
        if (pattern.get("String") != null) p = BoundedPattern.compile(f.string(pattern.get("String"), path + ".pattern.String"), true, f, path + ".pattern");
        else p = BoundedPattern.compile(f.string(pattern.get("Regex"), path + ".pattern.Regex"), false, f, path + ".pattern");
        return (s, b) -> {
            StringBuilder out = new StringBuilder(s.length());
            int last = 0;
            for (int[] match : p.matches(s, b)) {
                out.append(s, last, match[0]).append(content);
                last = match[1];
                b.checkLength(out.length(), p.step());
            }
            return b.checkLength(out.append(s, last, s.length()).toString(), p.step());
        };
    }
}
