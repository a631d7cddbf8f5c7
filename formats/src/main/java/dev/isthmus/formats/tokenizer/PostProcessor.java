package dev.isthmus.formats.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The last step for one sequence: the special tokens around its ids ({@code tokenizer.json}'s
 * {@code post_processor}). Supported types: {@code TemplateProcessing} (its {@code single} template),
 * {@code BertProcessing} ({@code [CLS] … [SEP]}), {@code RobertaProcessing} ({@code <s> … </s>}), {@code ByteLevel}
 * (no ids of its own) and {@code Sequence}.
 */
final class PostProcessor {
    /** The ids before the sequence, and after it. */
    private final int[] before, after;

    private PostProcessor(int[] before, int[] after) {
        this.before = before;
        this.after = after;
    }

    static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    /** How many ids the processor adds to a sequence. */
    int added() {
        return before.length + after.length;
    }

    int maxId() {
        int max = -1;
        for (int id : before) max = Math.max(max, id);
        for (int id : after) max = Math.max(max, id);
        return max;
    }

    /** The sequence's ids with the special tokens around them. */
    long[] apply(int[] ids, int n) {
        long[] out = new long[before.length + n + after.length];
        int k = 0;
        for (int id : before) out[k++] = id;
        for (int i = 0; i < n; i++) out[k++] = ids[i];
        for (int id : after) out[k++] = id;
        return out;
    }

    static PostProcessor parse(Object json, Fields f, String path) {
        if (json == null) return NONE;
        Map<String, Object> m = f.object(json, path);
        String type = f.string(m, "type", path, null);
        return switch (type) {
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor(
                    new int[]{pairId(m.get("cls"), f, path + ".cls")}, new int[]{pairId(m.get("sep"), f, path + ".sep")});
            case "TemplateProcessing" -> template(m, f, path);
            case "ByteLevel" -> NONE;
            case "Sequence" -> {
                List<Object> items = f.list(m.get("processors"), path + ".processors");
                PostProcessor all = NONE;
                for (int i = 0; i < items.size(); i++) {
                    PostProcessor p = parse(items.get(i), f, path + ".processors[" + i + "]");
                    all = new PostProcessor(concat(p.before, all.before), concat(all.after, p.after));
                }
                yield all;
            }
            default -> throw f.error(path + ".type", "tokenizer-unsupported", "post-processor '" + type + "' is not"
                    + " supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)");
        };
    }

    /** {@code ["[CLS]", 101]}: a token and its id. */
    private static int pairId(Object v, Fields f, String path) {
        List<Object> pair = f.list(v, path);
        if (pair.size() != 2) throw f.error(path, "expected [token, id]");
        f.string(pair.get(0), path + "[0]");
        return f.id(pair.get(1), path + "[1]");
    }

    private static PostProcessor template(Map<String, Object> m, Fields f, String path) {
        Map<String, Object> specials = m.get("special_tokens") == null ? Map.of()
                : f.object(m.get("special_tokens"), path + ".special_tokens");
        List<Object> single = f.list(m.get("single"), path + ".single");
        List<Integer> before = new ArrayList<>(), after = new ArrayList<>();
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
            String p = path + ".single[" + i + "]";
            Map<String, Object> piece = f.object(single.get(i), p);
            if (piece.get("Sequence") != null) {
                String id = f.string(f.object(piece.get("Sequence"), p + ".Sequence"), "id", p + ".Sequence", null);
                if (!id.equals("A")) throw f.error(p + ".Sequence.id", "a single sequence's template can only hold sequence A, found '" + id + "'");
                if (seenSequence) throw f.error(p, "sequence A appears twice in the template");
                seenSequence = true;
            } else if (piece.get("SpecialToken") != null) {
                String name = f.string(f.object(piece.get("SpecialToken"), p + ".SpecialToken"), "id", p + ".SpecialToken", null);
                Object special = specials.get(name);
                if (special == null) throw f.error(p + ".SpecialToken.id", "'" + name + "' is not among special_tokens");
                String sp = path + ".special_tokens['" + name + "']";
                List<Object> ids = f.list(f.object(special, sp).get("ids"), sp + ".ids");
                for (int k = 0; k < ids.size(); k++) (seenSequence ? after : before).add(f.id(ids.get(k), sp + ".ids[" + k + "]"));
            } else {
                throw f.error(p, "expected a Sequence or a SpecialToken");
            }
        }
        if (!seenSequence) throw f.error(path + ".single", "the template has no sequence A");
        return new PostProcessor(before.stream().mapToInt(Integer::intValue).toArray(),
                after.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
