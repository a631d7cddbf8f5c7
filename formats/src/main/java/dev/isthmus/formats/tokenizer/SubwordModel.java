package dev.isthmus.formats.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The third step: one piece of text to token ids ({@code tokenizer.json}'s {@code model}). Supported types:
 * {@code WordPiece} (BERT's greedy longest-match-first subwords), {@code BPE} (byte-pair merges, as RoBERTa and GPT-2
 * use them) and {@code WordLevel} (one id per piece).
 */
abstract class SubwordModel {
    final Map<String, Integer> vocab;
    final String unk;
    private final String file;

    SubwordModel(Map<String, Integer> vocab, String unk, String file) {
        this.vocab = vocab;
        this.unk = unk;
        this.file = file;
    }

    /** Appends the ids of {@code piece} to {@code out}. */
    abstract void tokenize(String piece, WorkBudget budget, IntConsumer out);

    /** The unknown token's id; a text that needs it when the vocabulary lacks it fails on its own. */
    final int unkId() {
        Integer id = vocab.get(unk);
        if (id == null) throw new TokenizerInputException(file, "model", "tokenizer-unk",
                "this text has a word outside the vocabulary, and the vocabulary has no unknown token '" + unk + "'");
        return id;
    }

    static SubwordModel parse(Object json, Fields f, String path) {
        Map<String, Object> m = f.object(json, path);
        String type = f.string(m, "type", path, null);
        Map<String, Integer> vocab = switch (type) {
            case "WordPiece", "WordLevel", "BPE" -> vocab(f.object(m.get("vocab"), path + ".vocab"), f, path + ".vocab");
            default -> throw f.error(path + ".type", "tokenizer-unsupported", "model '" + type
                    + "' is not supported (supported: WordPiece, BPE, WordLevel)");
        };
        if (type.equals("WordLevel")) return new WordLevel(vocab, f.string(m, "unk_token", path, "<unk>"), f.file);
        if (type.equals("BPE")) return Bpe.parse(m, vocab, f, path);
        return new WordPiece(vocab, f.string(m, "unk_token", path, "[UNK]"),
                f.string(m, "continuing_subword_prefix", path, "##"),
                (int) f.integer(m, "max_input_chars_per_word", path, 100, 0, Integer.MAX_VALUE), f.file);
    }

    private static Map<String, Integer> vocab(Map<String, Object> json, Fields f, String path) {
        Map<String, Integer> vocab = new HashMap<>(json.size() * 2);
        for (Map.Entry<String, Object> e : json.entrySet()) vocab.put(e.getKey(), f.id(e.getValue(), path + "['" + e.getKey() + "']"));
        return vocab;
    }

    /** One id per piece, the unknown token's for a piece outside the vocabulary. */
    static final class WordLevel extends SubwordModel {
        WordLevel(Map<String, Integer> vocab, String unk, String file) {
            super(vocab, unk, file);
        }

        @Override
        void tokenize(String piece, WorkBudget budget, IntConsumer out) {
            budget.spend(1, "model");
            Integer id = vocab.get(piece);
            out.accept(id != null ? id : unkId());
        }
    }

    /**
     * Greedy longest-match-first: the longest prefix of the piece that is in the vocabulary, then the longest
     * continuation (spelled with the prefix, {@code ##}) from where it ended, and so on; the whole piece is the unknown
     * token when some rest has no match or when it is longer than {@code max_input_chars_per_word} characters.
     * Candidates longer than the vocabulary's longest entry are skipped, which changes no result.
     */
    static final class WordPiece extends SubwordModel {
        private final String prefix;
        private final int maxChars;
        private final int longest;

        WordPiece(Map<String, Integer> vocab, String unk, String prefix, int maxChars, String file) {
            super(vocab, unk, file);
            this.prefix = prefix;
            this.maxChars = maxChars;
            this.longest = vocab.keySet().stream().mapToInt(String::length).max().orElse(0);
        }

        @Override
        void tokenize(String piece, WorkBudget budget, IntConsumer out) {
            if (piece.codePointCount(0, piece.length()) > maxChars) {
                out.accept(unkId());
                return;
            }
            int[] ids = new int[piece.length()];
            int n = 0;
            for (int start = 0; start < piece.length(); ) {
                int room = longest - (start > 0 ? prefix.length() : 0);
                int end = Math.min(piece.length(), start + Math.max(room, 0));
                if (end < piece.length() && end > start && Character.isLowSurrogate(piece.charAt(end))) end--;
                int found = -1;
                while (end > start) {
                    budget.spend(1, "model");
                    String sub = piece.substring(start, end);
                    Integer id = vocab.get(start > 0 ? prefix + sub : sub);
                    if (id != null) {
                        found = id;
                        break;
                    }
                    end -= Character.charCount(piece.codePointBefore(end));
                }
                if (found < 0) {
                    out.accept(unkId());
                    return;
                }
                ids[n++] = found;
                start = end;
            }
            for (int i = 0; i < n; i++) out.accept(ids[i]);
        }
    }
}
