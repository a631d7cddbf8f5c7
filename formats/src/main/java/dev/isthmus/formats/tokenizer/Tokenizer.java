package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.TextFiles;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, in Java: text to token ids with the tokenizers library's pipeline (added
 * tokens, normalizer, pre-tokenizer, model, post-processor) and its semantics, so that a model gets the ids it was
 * trained on. No native code runs: a tokenizer file is input from a stranger, and the pieces it configures (regular
 * expressions above all) run under a {@link WorkBudget} set by each text's length, so a hostile file fails that text
 * with a {@link TokenizerInputException} instead of hanging or ending the process.
 *
 * <p>{@code TokenizerReferenceTest} checks the ids against the library's own build on every supported component.
 * Character classes come from Java's Unicode tables; the library's are older, so about 600 characters assigned
 * since Unicode 10 (new punctuation, marks, format characters and digits of rare scripts) can split differently.
 *
 * <p>What is read is checked at load (unknown component types, invalid patterns, ids that are no ids); an
 * instance is immutable and safe to share between threads.
 */
public final class Tokenizer {
    /** The largest tokenizer file read (published ones are under 20 MB; the JSON is held in memory while read). */
    public static final long MAX_FILE_BYTES = 256L << 20;

    private final String file;
    private final AddedTokens added;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final SubwordModel model;
    private final PostProcessor post;

    private Tokenizer(String file, AddedTokens added, Normalizer normalizer, PreTokenizer preTokenizer,
                      SubwordModel model, PostProcessor post) {
        this.file = file;
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.post = post;
    }

    /** Reads a {@code tokenizer.json}; a file it cannot use is a {@link ModelFormatException} naming the JSON path. */
    public static Tokenizer read(Path path) {
        String file = path.toString();
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new ModelFormatException(file, null, "tokenizer-size", "the file has " + size + " bytes; a tokenizer"
                        + " file is read only up to " + MAX_FILE_BYTES + " bytes");
            }
        } catch (IOException e) {
            // missing or unreadable: TextFiles says which
        }
        String text = TextFiles.readUtf8(path);
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new ModelFormatException(file, null, Fields.RULE, "not valid JSON: " + e.getMessage(), e);
        }
        return parse(json, new Fields(file));
    }

    static Tokenizer parse(Map<String, Object> json, Fields f) {
        Normalizer normalizer = Normalizer.parse(json.get("normalizer"), f, "normalizer");
        PreTokenizer preTokenizer = PreTokenizer.parse(json.get("pre_tokenizer"), f, "pre_tokenizer");
        if (json.get("model") == null) throw f.error("model", "missing");
        SubwordModel model = SubwordModel.parse(json.get("model"), f, "model");
        PostProcessor post = PostProcessor.parse(json.get("post_processor"), f, "post_processor");
        AddedTokens added = AddedTokens.parse(json.get("added_tokens"), normalizer, model.vocab, f, "added_tokens");
        return new Tokenizer(f.file, added, normalizer, preTokenizer, model, post);
    }

    /** The file it was read from. */
    public String file() {
        return file;
    }

    /** How many ids the special tokens around a text take ({@code [CLS]} and {@code [SEP]}: 2). */
    public int specialTokens() {
        return post.added();
    }

    /** The largest id this tokenizer can produce (vocabulary, added tokens, special tokens). */
    public int maxId() {
        int max = Math.max(added.maxId, post.maxId());
        for (int id : model.vocab.values()) max = Math.max(max, id);
        return max;
    }

    /** Where {@link #maxId()} comes from, for messages: {@code token 'x'} or {@code a special token of post_processor}. */
    public String maxIdSource() {
        int max = maxId();
        for (Map.Entry<String, Integer> e : model.vocab.entrySet()) if (e.getValue() == max) return "token '" + e.getKey() + "' of model.vocab";
        return added.maxId == max ? "an added token" : "a special token of post_processor";
    }

    /**
     * The ids of {@code text} with the special tokens added, at most {@code maxLength} of them: the text's own ids
     * are cut to {@code maxLength - specialTokens()} (the library's truncation of a single sequence, from the right).
     * A text that exceeds its work allowance throws {@link TokenizerInputException}.
     */
    public long[] encode(String text, int maxLength) {
        int room = maxLength - post.added();
        if (room < 0) throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room beside the "
                + post.added() + " special tokens");
        WorkBudget budget = new WorkBudget(file, text.length());
        IdBuffer buffer = new IdBuffer(room);
        for (AddedTokens.Piece piece : added.split(text, normalizer, budget)) {
            if (buffer.full()) break;
            if (piece.id() >= 0) {
                buffer.add(piece.id());
                continue;
            }
            for (String word : preTokenizer.apply(List.of(piece.text()), budget)) {
                if (buffer.full()) break;
                model.tokenize(word, budget, buffer::add);
            }
        }
        return post.apply(buffer.ids, buffer.size);
    }

    /** The first {@code room} ids of a text; the rest would be cut off, so the text's remaining pieces are skipped. */
    private static final class IdBuffer {
        private final int room;
        private int[] ids = new int[16];
        private int size;

        IdBuffer(int room) {
            this.room = room;
        }

        boolean full() {
            return size >= room;
        }

        void add(int id) {
            if (full()) return;
            if (size == ids.length) ids = java.util.Arrays.copyOf(ids, (int) Math.min(room, 2L * size));
            ids[size++] = id;
        }
    }
}
