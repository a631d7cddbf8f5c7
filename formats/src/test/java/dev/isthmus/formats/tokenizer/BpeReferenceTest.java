package dev.isthmus.formats.tokenizer;

import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BPE model and the byte-level pre-tokenizer against the tokenizers library (as {@link TokenizerReferenceTest}
 * does for the rest): RoBERTa's layout (byte-level BPE, {@code <s> … </s>}, {@code <mask>} taking the space before
 * it), the same with a prefix space, and a character-level BPE with continuation prefix, end-of-word suffix and fused
 * unknown tokens, one with byte fallback and one ignoring merges for whole-vocabulary words. The merges are learnt
 * here, by counting pairs over the test texts, so every merge of the list is used somewhere.
 */
class BpeReferenceTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"roberta", "roberta-prefix-space", "chars-prefix-suffix-unk", "byte-fallback", "ignore-merges"})
    void sameIdsAsTheTokenizersLibrary(String name) throws IOException {
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, Json.write(pipeline(name)));
        TokenizerReferenceTest.assertSameIds(file, name);
    }

    static Map<String, Object> pipeline(String name) throws IOException {
        boolean byteLevel = name.startsWith("roberta");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("version", "1.0");
        List<Object> added = new ArrayList<>();
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>")) {
            added.add(TokenizerReferenceTest.token(vocab.size(), special, false, false, false, false));
            vocab.put(special, (long) vocab.size());
        }
        String prefix = name.equals("chars-prefix-suffix-unk") ? "##" : "";
        String suffix = name.equals("chars-prefix-suffix-unk") ? "</w>" : "";
        List<List<String>> words = new ArrayList<>();
        for (String text : TokenizerReferenceTest.texts().subList(0, 400)) {
            for (String w : text.split("\\s+")) {
                if (w.isEmpty()) continue;
                String word = byteLevel ? ByteAlphabet.encode(" " + w) : w;
                List<String> symbols = new ArrayList<>();
                int[] cps = word.codePoints().toArray();
                for (int i = 0; i < cps.length; i++) {
                    symbols.add((i > 0 ? prefix : "") + new String(Character.toChars(cps[i])) + (i == cps.length - 1 ? suffix : ""));
                }
                words.add(symbols);
            }
        }
        if (byteLevel) {
            for (int b = 0; b < 256; b++) vocab.putIfAbsent(String.valueOf(ByteAlphabet.of(b)), (long) vocab.size());
        } else {
            // the alphabet of the first 300 texts only: later texts have characters outside it (unknown or bytes)
            for (List<String> w : words.subList(0, Math.min(words.size(), 600))) for (String s : w) vocab.putIfAbsent(s, (long) vocab.size());
        }
        if (name.equals("byte-fallback")) for (int b = 0; b < 256; b++) vocab.put(String.format("<0x%02X>", b), (long) vocab.size());
        List<Object> merges = learnMerges(words, vocab, prefix, 300, name.equals("ignore-merges"), name.endsWith("prefix-space") || name.equals("byte-fallback"));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", byteLevel ? null : "<unk>");
        model.put("continuing_subword_prefix", prefix.isEmpty() ? null : prefix);
        model.put("end_of_word_suffix", suffix.isEmpty() ? null : suffix);
        model.put("fuse_unk", name.equals("chars-prefix-suffix-unk"));
        model.put("byte_fallback", name.equals("byte-fallback"));
        model.put("ignore_merges", name.equals("ignore-merges"));
        model.put("vocab", vocab);
        model.put("merges", merges);
        added.add(TokenizerReferenceTest.token(vocab.size(), "<mask>", false, true, false, false));
        t.put("added_tokens", added);
        t.put("normalizer", null);
        if (byteLevel) {
            t.put("pre_tokenizer", Map.of("type", "ByteLevel", "add_prefix_space", name.endsWith("prefix-space"),
                    "trim_offsets", true, "use_regex", true));
            t.put("post_processor", Map.of("type", "RobertaProcessing", "sep", List.of("</s>", 2L), "cls", List.of("<s>", 0L),
                    "trim_offsets", true, "add_prefix_space", name.endsWith("prefix-space")));
        } else {
            t.put("pre_tokenizer", Map.of("type", "Whitespace"));
            t.put("post_processor", null);
        }
        t.put("model", model);
        return t;
    }

    /**
     * {@code count} merges, each of the pair that occurs most often in {@code words} at that point (as pairs or as
     * strings, the library's two formats); each merged token joins the vocabulary. With
     * {@code wholeWords}, the corpus's words themselves join it too, so ignoring merges for them shows.
     */
    static List<Object> learnMerges(List<List<String>> words, Map<String, Object> vocab, String prefix, int count, boolean wholeWords,
                                    boolean asPairs) {
        List<Object> merges = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            Map<String, Integer> pairs = new HashMap<>();
            for (List<String> w : words) for (int i = 0; i + 1 < w.size(); i++) if (vocab.containsKey(w.get(i)) && vocab.containsKey(w.get(i + 1))) pairs.merge(w.get(i) + "\u0000" + w.get(i + 1), 1, Integer::sum);
            String best = pairs.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(null);
            if (best == null) break;
            String a = best.substring(0, best.indexOf('\u0000')), b = best.substring(best.indexOf('\u0000') + 1);
            if (a.contains(" ") || b.contains(" ")) continue;
            String merged = a + b.substring(prefix.length());
            vocab.putIfAbsent(merged, (long) vocab.size());
            merges.add(asPairs ? List.of(a, b) : a + " " + b);
            for (List<String> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(a) && w.get(i + 1).equals(b)) {
                        w.set(i, merged);
                        w.remove(i + 1);
                    }
                }
            }
        }
        if (wholeWords) for (List<String> w : words) vocab.putIfAbsent(String.join("", w).replace(prefix, ""), (long) vocab.size());
        return merges;
    }
}
