package dev.isthmus.formats.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tokenizer.json}'s {@code added_tokens} (such as {@code [CLS]} or {@code [MASK]}): found in the text before
 * anything else and kept whole, with the library's rules. Tokens marked {@code normalized: false} are found in the
 * raw text; then the rest is normalized and the {@code normalized: true} tokens (themselves normalized) are found in
 * it. Matches are leftmost-longest; {@code single_word} discards a match inside a word, {@code lstrip} and
 * {@code rstrip} take the whitespace beside it into the token.
 */
final class AddedTokens {
    /** A piece of the text: an added token's id, or -1 for text still to be pre-tokenized and tokenized. */
    record Piece(String text, int id) {
    }

    record Token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized) {
    }

    private record Match(int end, Token token) {
    }

    private final Trie raw = new Trie();
    private final Trie normalized = new Trie();
    final int maxId;

    /**
     * The tokens of the file, in order, with the ids the library gives them: a content already added or in the
     * vocabulary keeps that id; a new one gets the next id after the vocabulary and the added tokens (the ids written
     * in the file are only checked to be ids; the library, too, only warns when they differ). A content listed twice
     * takes the later entry's options.
     */
    AddedTokens(List<Token> tokens, Normalizer normalizer, Map<String, Integer> vocab, String file) {
        Map<String, Integer> ids = new HashMap<>();
        int max = -1;
        for (Token t : tokens) {
            if (t.content().isEmpty()) continue;
            Integer id = ids.get(t.content());
            if (id == null) id = vocab.get(t.content());
            if (id == null) id = max >= vocab.size() ? max + 1 : vocab.size();
            ids.put(t.content(), id);
            max = Math.max(max, id);
            Token withId = new Token(id, t.content(), t.singleWord(), t.lstrip(), t.rstrip(), t.normalized());
            if (t.normalized()) {
                normalized.add(normalizer.normalize(t.content(), new WorkBudget(file, t.content().length())), withId);
            } else {
                raw.add(t.content(), withId);
            }
        }
        this.maxId = max;
    }

    static AddedTokens parse(Object json, Normalizer normalizer, Map<String, Integer> vocab, Fields f, String path) {
        List<Token> tokens = new ArrayList<>();
        if (json != null) {
            List<Object> items = f.list(json, path);
            for (int i = 0; i < items.size(); i++) {
                String p = path + "[" + i + "]";
                Map<String, Object> m = f.object(items.get(i), p);
                tokens.add(new Token(f.id(m.get("id"), p + ".id"), f.string(m, "content", p, null),
                        f.bool(m, "single_word", p, false), f.bool(m, "lstrip", p, false), f.bool(m, "rstrip", p, false),
                        f.bool(m, "normalized", p, true)));
            }
        }
        return new AddedTokens(tokens, normalizer, vocab, f.file);
    }

    /** The text as pieces: added tokens and normalized text between them, in order. */
    List<Piece> split(String text, Normalizer normalizer, WorkBudget budget) {
        List<Piece> out = new ArrayList<>();
        for (Piece p : find(text, raw, budget)) {
            if (p.id() >= 0) out.add(p);
            else out.addAll(find(normalizer.normalize(p.text(), budget), normalized, budget));
        }
        return out;
    }

    private static List<Piece> find(String s, Trie trie, WorkBudget budget) {
        List<Piece> out = new ArrayList<>();
        if (trie.isEmpty()) {
            if (!s.isEmpty()) out.add(new Piece(s, -1));
            return out;
        }
        int offset = 0;
        for (int i = 0; i < s.length(); ) {
            Match match = trie.longest(s, i, budget);
            if (match == null) {
                i++;
                continue;
            }
            Token t = match.token();
            int start = i, stop = match.end();
            i = stop;
            if (t.singleWord() && ((start > 0 && CharClasses.isWord(s.codePointBefore(start)))
                    || (stop < s.length() && CharClasses.isWord(s.codePointAt(stop))))) {
                continue;
            }
            if (t.lstrip()) {
                int k = start;
                while (k > 0 && CharClasses.isWhitespace(s.codePointBefore(k))) k -= Character.charCount(s.codePointBefore(k));
                start = Math.max(k, offset);
            }
            if (t.rstrip()) {
                while (stop < s.length() && CharClasses.isWhitespace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
            }
            if (offset < start) out.add(new Piece(s.substring(offset, start), -1));
            out.add(new Piece(s.substring(start, stop), t.id()));
            offset = stop;
        }
        if (offset < s.length()) out.add(new Piece(s.substring(offset), -1));
        return out;
    }

    /** Added tokens by their characters, for the longest one that starts at a position. */
    private static final class Trie {
        private final Map<Character, Trie> next = new HashMap<>();
        private Token token;

        boolean isEmpty() {
            return next.isEmpty();
        }

        void add(String s, Token t) {
            Trie n = this;
            for (int i = 0; i < s.length(); i++) n = n.next.computeIfAbsent(s.charAt(i), c -> new Trie());
            n.token = t;
        }

        /** The longest token at {@code from}, or null. */
        Match longest(String s, int from, WorkBudget budget) {
            Trie n = this;
            Match best = null;
            for (int i = from; i < s.length(); i++) {
                budget.spend(1, "added_tokens");
                n = n.next.get(s.charAt(i));
                if (n == null) break;
                if (n.token != null) best = new Match(i + 1, n.token);
            }
            return best;
        }
    }
}
