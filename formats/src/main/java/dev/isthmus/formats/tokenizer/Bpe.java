package dev.isthmus.formats.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.IntConsumer;

/**
 * Byte-pair encoding, as the tokenizers library's {@code BPE} model does it: a piece starts as its characters (the
 * continuation prefix on all but the first, the end-of-word suffix on the last; a character outside the vocabulary
 * becomes its UTF-8 bytes' {@code <0xXX>} tokens with {@code byte_fallback}, else the unknown token, runs of them fused
 * with {@code fuse_unk}, else nothing), then the adjacent pair with the lowest merge rank is merged, the leftmost
 * first, until no pair of the merge list is left. With {@code ignore_merges} a piece that is itself in the vocabulary
 * is one token. Dropout (a training-time option) is refused.
 */
final class Bpe extends SubwordModel {
    /** A merge: the pair's rank in the list and the id of the merged token. */
    private record Merge(int rank, int id) {
    }

    private final Map<Long, Merge> merges;
    private final String prefix, suffix;
    private final boolean fuseUnk, byteFallback, ignoreMerges;

    private Bpe(Map<String, Integer> vocab, String unk, Map<Long, Merge> merges, String prefix, String suffix,
                boolean fuseUnk, boolean byteFallback, boolean ignoreMerges, String file) {
        super(vocab, unk, file);
        this.merges = merges;
        this.prefix = prefix;
        this.suffix = suffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
    }

    static Bpe parse(Map<String, Object> m, Map<String, Integer> vocab, Fields f, String path) {
        Object dropout = m.get("dropout");
        if (dropout instanceof Number d && d.doubleValue() != 0) {
            throw f.error(path + ".dropout", "tokenizer-unsupported", "dropout " + d + " is not supported (it samples"
                    + " different ids on each call; it is a training option)");
        }
        String prefix = m.get("continuing_subword_prefix") == null ? "" : f.string(m, "continuing_subword_prefix", path, null);
        String suffix = m.get("end_of_word_suffix") == null ? "" : f.string(m, "end_of_word_suffix", path, null);
        Map<Long, Merge> merges = new HashMap<>();
        List<Object> list = m.get("merges") == null ? List.of() : f.list(m.get("merges"), path + ".merges");
        for (int i = 0; i < list.size(); i++) {
            String p = path + ".merges[" + i + "]";
            String a, b;
            if (list.get(i) instanceof String s) {
                int space = s.indexOf(' ');
                if (space < 0) throw f.error(p, "expected two tokens separated by a space, found '" + s + "'");
                a = s.substring(0, space);
                b = s.substring(space + 1);
            } else {
                List<Object> pair = f.list(list.get(i), p);
                if (pair.size() != 2) throw f.error(p, "expected a pair of tokens");
                a = f.string(pair.get(0), p + "[0]");
                b = f.string(pair.get(1), p + "[1]");
            }
            if (b.length() < prefix.length()) throw f.error(p, "'" + b + "' is shorter than the continuation prefix");
            String merged = a + b.substring(prefix.length());
            merges.put(pair(inVocab(vocab, a, f, p), inVocab(vocab, b, f, p)), new Merge(i, inVocab(vocab, merged, f, p)));
        }
        String unk = m.get("unk_token") == null ? null : f.string(m, "unk_token", path, null);
        return new Bpe(vocab, unk, merges, prefix, suffix, f.bool(m, "fuse_unk", path, false),
                f.bool(m, "byte_fallback", path, false), f.bool(m, "ignore_merges", path, false), f.file);
    }

    private static int inVocab(Map<String, Integer> vocab, String token, Fields f, String path) {
        Integer id = vocab.get(token);
        if (id == null) throw f.error(path, "tokenizer-merge", "'" + token + "' is not in the vocabulary");
        return id;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    @Override
    void tokenize(String piece, WorkBudget budget, IntConsumer out) {
        if (piece.isEmpty()) return;
        if (ignoreMerges) {
            Integer id = vocab.get(piece);
            if (id != null) {
                out.accept(id);
                return;
            }
        }
        List<Integer> symbols = new ArrayList<>();
        int unkRun = 0; // 1 when an unknown token waits to be added (fused or not)
        for (int i = 0; i < piece.length(); ) {
            int n = i + Character.charCount(piece.codePointAt(i));
            String s = (i > 0 ? prefix : "") + piece.substring(i, n) + (n == piece.length() ? suffix : "");
            budget.spend(1, "model");
            Integer id = vocab.get(s);
            if (id != null) {
                if (unkRun > 0) symbols.add(unkId());
                unkRun = 0;
                symbols.add(id);
            } else if (byteFallback && addBytes(s, symbols)) {
                // the bytes' tokens were added (a waiting unknown token stays waiting, as in the library)
            } else if (unk != null) {
                if (unkRun > 0 && !fuseUnk) symbols.add(unkId());
                unkRun = 1;
            }
            i = n;
        }
        if (unkRun > 0) symbols.add(unkId());
        for (int id : merge(symbols, budget)) out.accept(id);
    }

    /** The {@code <0xXX>} tokens of {@code s}'s UTF-8 bytes, when the vocabulary has every one. */
    private boolean addBytes(String s, List<Integer> symbols) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            Integer id = vocab.get(String.format("<0x%02X>", bytes[i] & 0xFF));
            if (id == null) return false;
            ids[i] = id;
        }
        for (int id : ids) symbols.add(id);
        return true;
    }

    /** Merges the lowest-ranked adjacent pair, leftmost first, while any pair is in the merge list. */
    private int[] merge(List<Integer> symbols, WorkBudget budget) {
        int n = symbols.size();
        int[] id = new int[n], prev = new int[n], next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            id[i] = symbols.get(i);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // queue entries: {rank, position, merged id}, lowest rank then lowest position first
        PriorityQueue<int[]> queue = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
        for (int i = 0; i + 1 < n; i++) offer(queue, i, id[i], id[i + 1]);
        while (!queue.isEmpty()) {
            budget.spend(1, "model");
            int[] top = queue.poll();
            int pos = top[1];
            if (gone[pos] || next[pos] < 0) continue;
            int right = next[pos];
            Merge m = merges.get(pair(id[pos], id[right]));
            if (m == null || m.id() != top[2]) continue; // stale: a neighbour changed since it was queued
            id[pos] = m.id();
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) offer(queue, prev[pos], id[prev[pos]], id[pos]);
            if (next[pos] >= 0) offer(queue, pos, id[pos], id[next[pos]]);
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) if (!gone[i]) out[k++] = id[i];
        return java.util.Arrays.copyOf(out, k);
    }

    private void offer(PriorityQueue<int[]> queue, int pos, int left, int right) {
        Merge m = merges.get(pair(left, right));
        if (m != null) queue.add(new int[]{m.rank(), pos, m.id()});
    }
}
