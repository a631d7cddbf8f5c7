package dev.isthmus.formats.tokenizer;

/**
 * The character classes of the Hugging Face tokenizers library, by code point: Rust's {@code char::is_whitespace}
 * (the Unicode White_Space property, which counts no-break spaces and not the information separators, unlike
 * {@link Character#isWhitespace}), {@code is_numeric} and the general categories its normalizers and pre-tokenizers
 * test.
 */
final class CharClasses {
    private CharClasses() {
    }

    /** Unicode White_Space. */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /**
     * General category Cc, Cf, Co or Cs: what BERT's normalizer removes as control characters. The library's own
     * rule names Cn too, but its tables hold no unassigned code points, so it keeps them, and so does this.
     */
    static boolean isOther(int c) {
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** A nonspacing mark (Mn): what BERT's normalizer strips as accents. */
    static boolean isNonspacingMark(int c) {
        return Character.getType(c) == Character.NON_SPACING_MARK;
    }

    /** A mark (Mn, Mc or Me), spacing ones such as Devanagari's vowel signs included: what StripAccents removes. */
    static boolean isMark(int c) {
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~) or a Unicode punctuation category. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) return c > 0x20 && c < 0x7F && !Character.isLetterOrDigit(c);
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** General category Nd, Nl or No. */
    static boolean isNumeric(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** A word character of Unicode regular expressions ({@code \w}): alphabetic, a mark, a decimal digit, a connector. */
    static boolean isWord(int c) {
        if (Character.isAlphabetic(c)) return true;
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
    }

    /** The CJK ideograph blocks that BERT's normalizer surrounds with spaces. */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
