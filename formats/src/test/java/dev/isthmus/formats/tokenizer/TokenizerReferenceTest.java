package dev.isthmus.formats.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Java tokenizer against the Hugging Face tokenizers library itself (its native build, through DJL): the same
 * {@code tokenizer.json}, the same texts, the same ids. The pipelines cover every supported normalizer,
 * pre-tokenizer, model, post-processor and added-token option; the texts are the bundled example's sentences, hand
 * picked hard cases (accents, CJK, final sigma, dotted capital I, emoji, control and format characters, no-break and
 * ideographic spaces, combining marks, astral letters, words over the WordPiece length limit, special tokens inside
 * the text) and 1,500 random texts mixing vocabulary words with code points from many scripts; at two truncation
 * lengths.
 */
class TokenizerReferenceTest {
    /**
     * U+061D ARABIC END OF TEXT MARK, punctuation since Unicode 14: the library's tables predate it (and about 600
     * other characters assigned since Unicode 10, found by comparing every code point: 142 punctuation, 20 format,
     * about 400 marks, 13 digits), so it is no punctuation there and is one here. It is the one such character in
     * the ranges below.
     */
    static final int NEWER_THAN_THE_LIBRARY = 0x061D;

    static final Path EXAMPLE = Path.of("..", "examples", "text", "tokenizer.json");

    @TempDir
    Path tmp;

    static Stream<String> pipelines() {
        return Stream.of("example", "bert-cased-no-clean", "sequence-normalizers", "split-patterns", "word-level",
                "added-token-options", "contiguous-and-merged");
    }

    @ParameterizedTest
    @MethodSource("pipelines")
    void sameIdsAsTheTokenizersLibrary(String name) throws IOException {
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, Json.write(pipeline(name)));
        assertSameIds(file, name);
    }

    /** Every text of {@link #texts()}, at two truncation lengths: the ids of the library and ours are the same. */
    static void assertSameIds(Path file, String name) throws IOException {
        Tokenizer ours = Tokenizer.read(file);
        List<String> differences = new ArrayList<>();
        for (int maxLength : new int[]{512, 9}) {
            try (HuggingFaceTokenizer theirs = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                    .optAddSpecialTokens(true).optTruncation(true).optMaxLength(maxLength).optPadding(false).build()) {
                for (String text : texts()) {
                    long[] expected = theirs.encode(text, true, false).getIds();
                    long[] actual = ours.encode(text, maxLength);
                    if (!Arrays.equals(expected, actual)) {
                        differences.add("max " + maxLength + ": " + Json.quote(text) + " " + text.codePoints()
                                .mapToObj(Integer::toHexString).toList() + "\n  library " + Arrays.toString(expected)
                                + "\n  ours    " + Arrays.toString(actual));
                    }
                }
            }
        }
        assertEquals(List.of(), differences.subList(0, Math.min(5, differences.size())),
                name + ": " + differences.size() + " texts differ");
    }

    /** The example's tokenizer.json, its vocabulary widened with continuations and non-ASCII pieces, then varied. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> pipeline(String name) throws IOException {
        Map<String, Object> t = Json.parseObject(Files.readString(EXAMPLE));
        Map<String, Object> model = (Map<String, Object>) t.get("model");
        Map<String, Object> vocab = new LinkedHashMap<>((Map<String, Object>) model.get("vocab"));
        List<String> extra = new ArrayList<>();
        for (String k : List.copyOf(vocab.keySet())) if (k.length() == 1) extra.add("##" + k);
        extra.addAll(List.of("##ing", "##ed", "##ly", "un", "##able", "re", "é", "##é", "ü", "##ü", "σ", "##σ", "ς",
                "##ς", "北", "京", "i̇", "##i̇", "😀", "ß", "##ß", "ω", "##ω", "1", "##23", "٣", "##٤", "-", "##-",
                "▁", "▁the", "▁movie", "hello", "##world", "Great", "##Movie", "The", "Café", "[mask]"));
        for (String e : extra) vocab.putIfAbsent(e, (long) vocab.size());
        model.put("vocab", vocab);
        switch (name) {
            case "example" -> { }
            case "bert-cased-no-clean" -> {
                t.put("normalizer", Map.of("type", "BertNormalizer", "clean_text", false, "handle_chinese_chars", false,
                        "strip_accents", true, "lowercase", false));
                t.put("pre_tokenizer", Map.of("type", "Whitespace"));
                t.put("post_processor", Map.of("type", "BertProcessing", "sep", List.of("[SEP]", 3L), "cls", List.of("[CLS]", 2L)));
                model.put("max_input_chars_per_word", 12L);
            }
            case "sequence-normalizers" -> {
                t.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                        Map.of("type", "NFD"), Map.of("type", "StripAccents"), Map.of("type", "Lowercase"),
                        Map.of("type", "Replace", "pattern", Map.of("Regex", "\\s+"), "content", " "),
                        Map.of("type", "Strip", "strip_left", true, "strip_right", true),
                        Map.of("type", "Replace", "pattern", Map.of("String", "movie"), "content", "film"),
                        Map.of("type", "NFC"))));
                t.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                        Map.of("type", "WhitespaceSplit"), Map.of("type", "Punctuation", "behavior", "MergedWithPrevious"),
                        Map.of("type", "Digits", "individual_digits", true))));
                t.remove("post_processor");
            }
            case "split-patterns" -> {
                t.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(Map.of("type", "NFKC"),
                        Map.of("type", "Prepend", "prepend", "▁"),
                        Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "▁"))));
                t.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                        Map.of("type", "Split", "pattern", Map.of("Regex", "▁?\\p{L}+|▁?\\p{N}+|▁?[^\\s\\p{L}\\p{N}]+"),
                                "behavior", "Isolated", "invert", false),
                        Map.of("type", "Split", "pattern", Map.of("String", "-"), "behavior", "MergedWithNext", "invert", false),
                        Map.of("type", "CharDelimiterSplit", "delimiter", "!"))));
                t.put("post_processor", Map.of("type", "Sequence", "processors", List.of(
                        Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", false, "use_regex", false),
                        Map.of("type", "RobertaProcessing", "sep", List.of("[SEP]", 3L), "cls", List.of("[CLS]", 2L),
                                "trim_offsets", true, "add_prefix_space", false))));
            }
            case "word-level" -> {
                model.clear();
                model.putAll(Map.of("type", "WordLevel", "vocab", vocab, "unk_token", "[UNK]"));
                t.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                        Map.of("type", "WhitespaceSplit"), Map.of("type", "Digits", "individual_digits", false))));
            }
            case "added-token-options" -> {
                List<Object> added = new ArrayList<>((List<Object>) t.get("added_tokens"));
                long id = vocab.size();
                added.add(token(id++, "<lstrip>", false, true, false, false));
                added.add(token(id++, "<rstrip>", false, false, true, false));
                added.add(token(id++, "word", true, false, false, false));
                added.add(token(id++, "HELLO", false, false, false, true));
                added.add(token(id++, "great movie", false, false, false, false));
                added.add(token(id, "great", false, false, false, false));
                t.put("added_tokens", added);
            }
            case "contiguous-and-merged" -> {
                t.put("normalizer", Map.of("type", "Lowercase"));
                t.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                        Map.of("type", "Split", "pattern", Map.of("Regex", "\\s+"), "behavior", "Removed", "invert", false),
                        Map.of("type", "Split", "pattern", Map.of("Regex", "[aeiou]"), "behavior", "Contiguous", "invert", false),
                        Map.of("type", "Split", "pattern", Map.of("Regex", "[a-z]+"), "behavior", "MergedWithPrevious", "invert", true))));
            }
            default -> throw new IllegalArgumentException(name);
        }
        return t;
    }

    static Map<String, Object> token(long id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("content", content);
        m.put("single_word", singleWord);
        m.put("lstrip", lstrip);
        m.put("rstrip", rstrip);
        m.put("normalized", normalized);
        m.put("special", false);
        return m;
    }

    static List<String> texts() throws IOException {
        List<String> texts = new ArrayList<>(Files.readAllLines(EXAMPLE.resolveSibling("sentences.txt")));
        texts.addAll(List.of("", " ", "   \t\n ", "Hello", "Café naïve Ångström façade", "我爱北京天安门, 北京!",
                "ΣΊΣΥΦΟΣ Σ σ ς", "İstanbul DİYARBAKIR", "😀 great 😀😀movie🥰", "a\u0000b\u0007c\u200bd\u00ade\ufffdf",
                "no\u00a0break\u3000ideographic\u2003em", "e\u0301 u\u0308 n\u0303", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛", "x".repeat(150),
                "supercalifragilistic unbelievable rewritten", "[MASK] the [CLS]movie[SEP] [mask]", "great movie! great-movie",
                "12345 ٣٤٥ ½ Ⅻ 1st", "?!?.. --- ,,,", "ﬁne ﬀ ｆｕｌｌｗｉｄｔｈ ＡＢＣ", "word words sword word.", "HELLO hello Hello",
                "  <lstrip>  x  <rstrip>  y", "don't won't it's", "tab\there\nnew\r\nline", "\u0085next\u2028line\u2029para",
                "ǅ ǈ ǋ Ǆ", "ﬃ ẞ ß", "ŉ ǰ ΐ", "a-b-c -d e-", "great movie great movies"));
        Random r = new Random(42);
        List<String> words = List.of("the", "movie", "was", "great", "Café", "hello", "world", "unable", "word",
                "HELLO", "<lstrip>", "<rstrip>", "[MASK]", "[SEP]", "-", "!", "12", "北京", "σς", "ing", "ed");
        int[][] ranges = {{0x20, 0x7E}, {0xA0, 0x24F}, {0x300, 0x36F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x600, 0x6FF},
                {0x900, 0x97F}, {0x2000, 0x206F}, {0x3000, 0x30FF}, {0x4E00, 0x4E80}, {0xFF00, 0xFFEF}, {0x1F600, 0x1F64F},
                {0x1D400, 0x1D4FF}, {0x0, 0x1F}};
        for (int i = 0; i < 1500; i++) {
            StringBuilder b = new StringBuilder();
            int parts = 1 + r.nextInt(12);
            for (int p = 0; p < parts; p++) {
                if (r.nextInt(3) > 0) b.append(words.get(r.nextInt(words.size())));
                else {
                    int[] range = ranges[r.nextInt(ranges.length)];
                    for (int k = 1 + r.nextInt(4); k > 0; k--) {
                        int c = range[0] + r.nextInt(range[1] - range[0] + 1);
                        if (c != NEWER_THAN_THE_LIBRARY) b.appendCodePoint(c);
                    }
                }
                b.append(switch (r.nextInt(6)) {
                    case 0 -> "";
                    case 1 -> "  ";
                    case 2 -> "\t";
                    default -> " ";
                });
            }
            texts.add(b.toString());
        }
        return texts;
    }
}
