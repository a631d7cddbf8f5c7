package dev.isthmus.cli;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.formats.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} beside a model, through the tokenizers library's Java binding: text →
 * {@code input_ids} and {@code attention_mask}, truncated to the model's {@code max_position_embeddings}.
 */
final class TextTokenizer implements AutoCloseable {
    static final String FILE = "tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    final int maxLength;
    final long padId;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, long padId) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = padId;
    }

    /** The tokenizer of a model directory (or of the directory holding a model file), or null when it has none. */
    static TextTokenizer near(Path model) {
        Path dir = java.nio.file.Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        if (dir == null || !Files.isRegularFile(dir.resolve(FILE))) return null;
        int max = 512;
        long pad = 0;
        Path config = dir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            String text = dev.isthmus.formats.TextFiles.readUtf8(config); // its errors name the file and the rule
            try {
                Map<String, Object> c = Json.parseObject(text);
                if (c.get("max_position_embeddings") instanceof Long l) max = (int) Math.min(l, 1 << 20);
                if (c.get("pad_token_id") instanceof Long l) pad = l;
            } catch (dev.isthmus.formats.json.JsonException e) {
                throw new ModelFormatException(config.toString(), null, "config-json", "not valid JSON: " + e.getMessage(), e);
            }
        }
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(dir.resolve(FILE))
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(max)
                    .optPadding(false)
                    .build();
            return new TextTokenizer(t, max, pad);
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            throw new ModelFormatException(dir.resolve(FILE).toString(), null, "tokenizer", "cannot load the tokenizer: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /** Token ids and attention mask of one text. */
    long[][] encode(String text) {
        Encoding e = tokenizer.encode(text, true, false);
        return new long[][]{e.getIds(), e.getAttentionMask()};
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
