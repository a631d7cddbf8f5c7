package dev.isthmus.engine.ops.hf;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/**
 * The embeddings of Hugging Face BERT ({@code BertEmbeddings}) and DistilBERT ({@code Embeddings}):
 * {@code LayerNorm(word_embeddings[input_ids] (+ token_type_embeddings[token_type_ids]) + position_embeddings[0..seq))}.
 * Inputs: {@code input_ids} (batch, seq), integer; for BERT optionally {@code token_type_ids} (batch, seq), integer —
 * absent (not given, or {@code null} in the input list) means all zeros, as in HF. Output (batch, seq, hidden).
 * The {@code position_ids} (and {@code token_type_ids}) buffers HF may have saved are accepted and not used:
 * positions are {@code 0..seq-1}, which is what those buffers hold.
 *
 * <p>Parameters (under the node's name, e.g. {@code bert.embeddings}): {@code word_embeddings.weight},
 * {@code position_embeddings.weight}, BERT's {@code token_type_embeddings.weight}, {@code LayerNorm.weight},
 * {@code LayerNorm.bias}.
 */
public final class HfEmbeddings implements Layer {
    final String kind;
    final int vocab, hidden, maxPositions, typeVocab;
    final double eps;
    final float[] word, position, tokenType, gamma, beta;

    private HfEmbeddings(String kind, NodeSpec n, WeightBinder w, int vocab, int hidden, int maxPositions, int typeVocab, double eps) {
        this.kind = kind;
        if (vocab <= 0 || hidden <= 0 || maxPositions <= 0 || typeVocab < 0) {
            throw new IllegalArgumentException("vocabulary, hidden size and max_position_embeddings must be positive");
        }
        this.vocab = vocab;
        this.hidden = hidden;
        this.maxPositions = maxPositions;
        this.typeVocab = typeVocab;
        this.eps = eps;
        word = w.require(n, "word_embeddings.weight", vocab, hidden);
        position = w.require(n, "position_embeddings.weight", maxPositions, hidden);
        tokenType = typeVocab > 0 ? w.require(n, "token_type_embeddings.weight", typeVocab, hidden) : null;
        gamma = w.require(n, "LayerNorm.weight", hidden);
        beta = w.require(n, "LayerNorm.bias", hidden);
        w.accept(n, "position_ids");
        w.accept(n, "token_type_ids");
    }

    /**
     * Op {@code BertEmbeddings}: arguments {@code vocab_size}, {@code hidden_size}, {@code max_position_embeddings},
     * {@code type_vocab_size} (default 2), {@code layer_norm_eps} (default 1e-12), {@code pad_token_id} (ignored).
     */
    public static HfEmbeddings bert(NodeArgs a, WeightBinder w) {
        a.ignore("pad_token_id");
        return new HfEmbeddings("BertEmbeddings", a.node(), w, a.requiredInt("vocab_size"), a.requiredInt("hidden_size"),
                a.requiredInt("max_position_embeddings"), a.integer("type_vocab_size", 2), a.number("layer_norm_eps", 1e-12));
    }

    /**
     * Op {@code DistilBertEmbeddings}: arguments {@code vocab_size}, {@code dim}, {@code max_position_embeddings},
     * {@code pad_token_id} (ignored); LayerNorm eps is DistilBERT's fixed 1e-12.
     */
    public static HfEmbeddings distilBert(NodeArgs a, WeightBinder w) {
        a.ignore("pad_token_id", "sinusoidal_pos_embds");
        return new HfEmbeddings("DistilBertEmbeddings", a.node(), w, a.requiredInt("vocab_size"), a.requiredInt("dim"),
                a.requiredInt("max_position_embeddings"), 0, 1e-12);
    }

    @Override
    public boolean takesIntegerInput() {
        return true;
    }

    @Override
    public long heldBytes() {
        return 4L * (word.length + position.length + (tokenType != null ? tokenType.length : 0) + gamma.length + beta.length);
    }

    @Override
    public int maxInputs() {
        return tokenType != null ? 2 : 1;
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        long[] s = in.get(0);
        HfKernels.requireIds("input_ids", s);
        if (s[1] > maxPositions) {
            throw new IllegalArgumentException("sequence length " + s[1] + " exceeds max_position_embeddings = " + maxPositions);
        }
        if (in.size() > 1 && in.get(1) != null) {
            long[] t = in.get(1);
            boolean ok = t.length == 2;
            for (int i = 0; ok && i < 2; i++) ok = t[i] < 0 || s[i] < 0 || t[i] == s[i];
            if (!ok) {
                throw new IllegalArgumentException("token_type_ids must have the shape of input_ids " + Shape.toString(s)
                        + ", got " + Shape.toString(t));
            }
        }
        return List.of(new long[]{s[0], s[1], hidden});
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor ids = inputs.get(0);
        Tensor types = inputs.size() > 1 ? inputs.get(1) : null;
        outputShapes(types == null ? List.of(ids.shape()) : List.of(ids.shape(), types.shape()));
        if (!ids.dtype().isInteger()) throw new InvalidInputException(kind + ": input_ids must be integers, got " + ids.dtype());
        if (types != null && !types.dtype().isInteger()) {
            throw new InvalidInputException(kind + ": token_type_ids must be integers, got " + types.dtype());
        }
        int batch = Math.toIntExact(ids.dim(0)), seq = Math.toIntExact(ids.dim(1));
        int rows = Math.multiplyExact(batch, seq);
        float[] x = new float[Math.multiplyExact(rows, hidden)];
        for (int r = 0; r < rows; r++) {
            long id = ids.getLong(r);
            if (id < 0 || id >= vocab) {
                throw new InvalidInputException(kind + ": input_ids holds " + id + " at " + at(r, seq) + ", outside the vocabulary [0, " + vocab + ")");
            }
            int o = r * hidden, wo = (int) id * hidden, po = (r % seq) * hidden;
            if (tokenType != null) {
                long tt = types == null ? 0 : types.getLong(r);
                if (tt < 0 || tt >= typeVocab) {
                    throw new InvalidInputException(kind + ": token_type_ids holds " + tt + " at " + at(r, seq) + ", outside [0, " + typeVocab + ")");
                }
                int to = (int) tt * hidden;
                for (int i = 0; i < hidden; i++) x[o + i] = (word[wo + i] + tokenType[to + i]) + position[po + i];
            } else {
                for (int i = 0; i < hidden; i++) x[o + i] = word[wo + i] + position[po + i];
            }
        }
        HfKernels.layerNorm(x, rows, hidden, gamma, beta, eps, pool);
        return List.of(Tensor.ofFloats(x, batch, seq, hidden));
    }

    private static String at(int flat, int seq) {
        return "[" + flat / seq + ", " + flat % seq + "]";
    }
}
