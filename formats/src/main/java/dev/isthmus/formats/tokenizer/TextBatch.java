package dev.isthmus.formats.tokenizer;

import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tokenized texts as a text model's inputs: one row per text, right-padded to the longest. */
public final class TextBatch {
    private TextBatch() {
    }

    /**
     * {@code input_ids} (padded with {@code padId}), {@code attention_mask} (1 for a token, 0 for padding) when the
     * model takes it, and {@code token_type_ids} (zeros: one segment) when the model requires it.
     */
    public static Map<String, Tensor> feed(List<InputSpec> inputs, List<long[]> rows, long padId) {
        int n = rows.size();
        int len = Math.max(1, rows.stream().mapToInt(r -> r.length).max().orElse(1));
        long[] ids = new long[n * len], mask = new long[n * len];
        Arrays.fill(ids, padId);
        for (int b = 0; b < n; b++) {
            long[] r = rows.get(b);
            System.arraycopy(r, 0, ids, b * len, r.length);
            Arrays.fill(mask, b * len, b * len + r.length, 1);
        }
        Map<String, Tensor> feed = new LinkedHashMap<>();
        feed.put("input_ids", Tensor.ofLongs(ids, n, len));
        if (inputs.stream().anyMatch(i -> i.name().equals("attention_mask"))) feed.put("attention_mask", Tensor.ofLongs(mask, n, len));
        boolean types = inputs.stream().anyMatch(i -> i.name().equals("token_type_ids") && !Boolean.TRUE.equals(i.extras().get("optional")));
        if (types) feed.put("token_type_ids", Tensor.ofLongs(new long[ids.length], n, len));
        return feed;
    }
}
