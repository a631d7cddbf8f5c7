package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.hf.HfConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text model's tokenizer: the {@code tokenizer.json} beside the model, with what the model's {@code config.json}
 * says about its use, checked when loaded: texts are cut to {@code max_position_embeddings} ids, batches are padded
 * with {@code pad_token_id}, and every id the tokenizer can produce, the padding id too, must be below
 * {@code vocab_size} (an id past the model's embedding table failed every text of a run; now the files are refused
 * with one error naming both). A sentence-transformers directory's {@code sentence_bert_config.json} cuts texts
 * shorter ({@code max_seq_length}) and may lowercase them first ({@code do_lower_case}), as its Transformer module does.
 */
public final class ModelTokenizer {
    public static final String FILE = "tokenizer.json";
    static final int DEFAULT_MAX_LENGTH = 512;

    static final String SENTENCE_CONFIG = "sentence_bert_config.json";

    private final Tokenizer tokenizer;
    private final int maxLength;
    private final long padId;
    private final boolean lowercase;

    private ModelTokenizer(Tokenizer tokenizer, int maxLength, long padId, boolean lowercase) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = padId;
        this.lowercase = lowercase;
    }

    /** The tokenizer of a model directory (or of the directory holding a model file), or null when it has none. */
    public static ModelTokenizer near(Path model) {
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        if (dir == null || !Files.exists(dir.resolve(FILE))) return null;
        Tokenizer t = Tokenizer.read(dir.resolve(FILE));
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) return new ModelTokenizer(t, Math.max(DEFAULT_MAX_LENGTH, t.specialTokens()), 0, false);
        HfConfig config = HfConfig.read(configFile);
        int maxLength = config.integer("max_position_embeddings", DEFAULT_MAX_LENGTH);
        if (maxLength <= t.specialTokens()) {
            throw config.error("hf-config", "\"max_position_embeddings\" is " + maxLength + ": no room for a text beside the "
                    + t.specialTokens() + " special tokens of " + t.file());
        }
        int vocab = config.integer("vocab_size", 30522);
        if (vocab <= 0) throw config.error("hf-config", "\"vocab_size\" must be positive, found " + vocab);
        int padId = config.integer("pad_token_id", 0);
        if (padId < 0 || padId >= vocab) {
            throw config.error("token-id-range", "\"pad_token_id\" is " + padId + ", outside the model's vocabulary of "
                    + vocab + " ids (\"vocab_size\")");
        }
        if (t.maxId() >= vocab) {
            throw new ModelFormatException(t.file(), null, "token-id-range", t.maxIdSource() + " has id " + t.maxId()
                    + ", past the model's vocabulary of " + vocab + " ids (\"vocab_size\" in " + config.source() + ")");
        }
        boolean lowercase = false;
        Path sentence = dir.resolve(SENTENCE_CONFIG);
        if (Files.exists(sentence)) {
            HfConfig st = HfConfig.read(sentence);
            int maxSeq = st.integer("max_seq_length", maxLength);
            if (maxSeq <= t.specialTokens()) {
                throw st.error("st-config", "\"max_seq_length\" is " + maxSeq + ": no room for a text beside the "
                        + t.specialTokens() + " special tokens of " + t.file());
            }
            maxLength = Math.min(maxLength, maxSeq);
            lowercase = st.bool("do_lower_case", false);
        }
        return new ModelTokenizer(t, maxLength, padId, lowercase);
    }

    /** The token ids of one text, special tokens included, at most {@link #maxLength()} of them. */
    public long[] ids(String text) {
        return tokenizer.encode(lowercase ? text.toLowerCase(java.util.Locale.ROOT) : text, maxLength);
    }

    public int maxLength() {
        return maxLength;
    }

    /** The id that pads the shorter texts of a batch. */
    public long padId() {
        return padId;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }
}
