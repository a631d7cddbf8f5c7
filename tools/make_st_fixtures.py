#!/usr/bin/python3
"""Generate the sentence-transformers golden fixtures in fixtures/sentence_transformers/<case>/.

Run from the repository root (Debian's python3-torch and python3-numpy; neither
`sentence-transformers` nor `transformers` is needed or used):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_st_fixtures.py

Each model is a directory laid out as sentence-transformers' `save` writes it:
the Hugging Face checkpoint at the root (config.json, model.safetensors, the
base model's tensor names; the BERT and DistilBERT modules of
tools/make_hf_fixtures.py), `modules.json`, `sentence_bert_config.json`, and one
folder per module after the Transformer: `1_Pooling/config.json`, optionally
`2_Dense/config.json` + `2_Dense/model.safetensors` (tensors linear.weight and
linear.bias), and an empty `N_Normalize/`.

The pooling follows sentence_transformers.models.Pooling.forward: the attention
mask expanded over the hidden size; cls = token 0; max = the maximum over the
sequence with padded tokens set to -1e9; mean = sum(h * mask) / clamp(sum(mask),
1e-9); mean_sqrt_len = sum(h * mask) / sqrt(clamp(sum(mask), 1e-9)); several
modes are concatenated in the order cls, max, mean, mean_sqrt_len. Dense is
Linear + activation (Tanh by default); Normalize is F.normalize(p=2, dim=1).

Goldens are computed in float64 from the float32 weights written. Outputs:
out_0.npy = sentence_embedding (batch, width), out_1.npy = token_embeddings
(batch, seq, hidden).
"""
import json
import os
import shutil
import sys
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures as hf  # noqa: E402
import make_text_example as te  # noqa: E402
import safetensors_io  # noqa: E402

torch.set_num_threads(1)
OUT_DIR = os.path.join(hf.ROOT, "fixtures", "sentence_transformers")
MODES = ["cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens"]


class SentenceModel(nn.Module):
    """Transformer → Pooling → [Dense] → [Normalize], as sentence-transformers runs them."""

    def __init__(self, config, base, modes, dense_out=None, normalize=False):
        super().__init__()
        self.base_config = config
        self.base = base
        self.modes = modes
        self.dense = nn.Linear(self.width_before_dense(), dense_out) if dense_out else None
        self.normalize = normalize

    def hidden(self):
        c = self.base_config
        return c.get("hidden_size", c.get("dim"))

    def width_before_dense(self):
        return self.hidden() * len(self.modes)

    def forward(self, input_ids, attention_mask):
        out = self.base(input_ids, attention_mask)
        h = out[0] if isinstance(out, tuple) else out
        mask = attention_mask.unsqueeze(-1).expand(h.size()).to(h.dtype)
        vectors = []
        if "cls_token" in self.modes:
            vectors.append(h[:, 0])
        if "max_tokens" in self.modes:
            t = h.clone()
            t[mask == 0] = -1e9
            vectors.append(torch.max(t, 1)[0])
        if "mean_tokens" in self.modes or "mean_sqrt_len_tokens" in self.modes:
            s = torch.sum(h * mask, 1)
            n = torch.clamp(mask.sum(1), min=1e-9)
            if "mean_tokens" in self.modes:
                vectors.append(s / n)
            if "mean_sqrt_len_tokens" in self.modes:
                vectors.append(s / torch.sqrt(n))
        x = torch.cat(vectors, 1)
        if self.dense is not None:
            x = torch.tanh(self.dense(x))
        if self.normalize:
            x = F.normalize(x, p=2, dim=1)
        return x, h


class EmbeddingOnly(SentenceModel):
    """A SentenceModel that returns the sentence embedding alone (for training it, and for an ONNX export)."""

    def forward(self, input_ids, attention_mask):
        return super().forward(input_ids, attention_mask)[0]


# name -> (base config, pooling modes in sentence-transformers' order, Dense out_features or None, Normalize?)
MODELS = {
    "st_bert_mean_normalize": (hf.bert_config("BertModel", 32, 4, 2, 48, 97, 40, 2, 1e-12), ["mean_tokens"], None, True),
    "st_bert_cls_max_sqrt_dense": (hf.bert_config("BertModel", 24, 3, 2, 40, 89, 32, 2, 1e-12),
                                   ["cls_token", "max_tokens", "mean_sqrt_len_tokens"], 16, True),
    "st_distilbert_mean": (hf.distilbert_config("DistilBertModel", 28, 4, 2, 44, 83, 24), ["mean_tokens"], None, False),
}

# case -> model, real lengths (padded to seq), seq, description
CASES = [
    ("st_bert_mean_normalize_padded", "st_bert_mean_normalize", [11, 6, 1], 11,
     "BERT (hidden 32, 4 heads, 2 layers) → mean pooling → Normalize (all-MiniLM's layout): padded batch of 3"),
    ("st_bert_mean_normalize_b1", "st_bert_mean_normalize", [9], 9, "the same model, batch 1"),
    ("st_bert_cls_max_sqrt_dense_padded", "st_bert_cls_max_sqrt_dense", [13, 4, 8], 13,
     "BERT (hidden 24) → cls + max + mean_sqrt_len pooling (72 values) → Dense 72→16 tanh → Normalize: padded batch of 3"),
    ("st_distilbert_mean_padded", "st_distilbert_mean", [7, 3], 7,
     "DistilBERT (dim 28, 4 heads, 2 layers) → mean pooling, no Normalize: padded batch of 2"),
]


def write_model(d, model, config, modes, dense_out, normalize):
    hf.write_model(d, model.base, config, {})
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    hidden = model.hidden()
    os.makedirs(os.path.join(d, "1_Pooling"))
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": False,
               "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
               "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True}
    for m in modes:
        pooling["pooling_mode_" + m] = True
    with open(os.path.join(d, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling, f, indent=2)
    idx = 2
    if dense_out:
        folder = f"{idx}_Dense"
        os.makedirs(os.path.join(d, folder))
        with open(os.path.join(d, folder, "config.json"), "w") as f:
            json.dump({"in_features": model.width_before_dense(), "out_features": dense_out, "bias": True,
                       "activation_function": "torch.nn.modules.activation.Tanh"}, f)
        sd = {"linear." + k: v.detach().float().contiguous() for k, v in model.dense.state_dict().items()}
        safetensors_io.save(os.path.join(d, folder, "model.safetensors"), sd, metadata={"format": "pt"})
        modules.append({"idx": idx, "name": str(idx), "path": folder, "type": "sentence_transformers.models.Dense"})
        idx += 1
    if normalize:
        folder = f"{idx}_Normalize"
        os.makedirs(os.path.join(d, folder))
        modules.append({"idx": idx, "name": str(idx), "path": folder, "type": "sentence_transformers.models.Normalize"})
    with open(os.path.join(d, "modules.json"), "w") as f:
        json.dump(modules, f, indent=2)
    with open(os.path.join(d, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": config["max_position_embeddings"], "do_lower_case": False}, f, indent=2)


# the first model also gets a tokenizer.json (tools/make_text_example.py's pipeline) of exactly its 97 ids, and
# texts.json: a few texts with the ids that pipeline gives them and their sentence embeddings, for `isthmus embed`
TOKENIZED = "st_bert_mean_normalize"
TEXTS = ["the cat sat", "A dog ran far away!", "zebra", "the cat sat on the mat, and the dog ran", "xyz qq"]


def tokenizer_vocab(size):
    toks = te.SPECIALS + list(".,!?") + te.LETTERS + ["##" + c for c in te.LETTERS] + te.DIGITS
    for w in ["the", "cat", "sat", "on", "mat", "and", "dog", "ran", "far", "away", "##s", "##ed", "##ing", "sun", "is",
              "hot", "big", "red", "car", "sky", "blue", "tree", "green", "run", "fast", "slow", "day", "night", "moon",
              "star", "sea", "fish"]:
        if w not in toks and len(toks) < size:
            toks.append(w)
    assert len(toks) == size == len(set(toks)), (len(toks), size)
    return {t: i for i, t in enumerate(toks)}


def write_tokenizer(d, model, vocab_size):
    vocab = tokenizer_vocab(vocab_size)
    tok = te.tokenizer_json()
    tok["model"]["vocab"] = vocab
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    rows = []
    for t in TEXTS:
        pieces = [p for w in te.pre_tokenize(te.normalize(t)) for p in te.wordpiece(w, vocab=vocab)]
        ids = [vocab["[CLS]"]] + [vocab[p] for p in pieces] + [vocab["[SEP]"]]
        x = torch.tensor([ids])
        with torch.no_grad():
            e = model.double()(x, torch.ones_like(x))[0][0].float()
        model.float()
        rows.append({"text": t, "input_ids": ids, "embedding": [float(v) for v in e.numpy()]})
    with open(os.path.join(os.path.dirname(d), "texts.json"), "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")


def main():
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):
            if os.path.isdir(os.path.join(OUT_DIR, entry)):
                shutil.rmtree(os.path.join(OUT_DIR, entry))
    os.makedirs(OUT_DIR, exist_ok=True)
    models, dirs = {}, {}
    for name, model_name, lengths, seq, description in CASES:
        config, modes, dense_out, normalize = MODELS[model_name]
        d = os.path.join(OUT_DIR, name)
        os.makedirs(d)
        if model_name not in models:
            torch.manual_seed(zlib.crc32(model_name.encode()) & 0x7FFFFFFF)
            m = SentenceModel(config, hf.build(config, False), modes, dense_out, normalize)
            hf.randomise(m)
            m.float().eval()
            models[model_name] = m
            write_model(os.path.join(d, "model"), m, config, modes, dense_out, normalize)
            if model_name == TOKENIZED:
                write_tokenizer(os.path.join(d, "model"), m, config["vocab_size"])
            dirs[model_name] = name
            model_field = "model"
        else:
            model_field = f"../{dirs[model_name]}/model"
        m = models[model_name]
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)
        inputs = hf.make_inputs(config, lengths, seq, False, [], gen)
        ref = [o.astype(np.float32) for o in hf.run(m, inputs, double=True)]
        f32 = hf.run(m, inputs, double=False)
        m.float()
        diff = max(float(np.abs(a - b).max()) for a, b in zip(ref, f32))
        for k, v in inputs.items():
            np.save(os.path.join(d, f"in_{k}.npy"), v)
        for i, o in enumerate(ref):
            np.save(os.path.join(d, f"out_{i}.npy"), np.ascontiguousarray(o, dtype="<f4"))
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump({"model": model_field, "inputs": {k: f"in_{k}.npy" for k in inputs},
                       "outputs": [f"out_{i}.npy" for i in range(len(ref))],
                       "output_names": ["sentence_embedding", "token_embeddings"],
                       "architecture": "SentenceTransformer(" + config["architectures"][0] + ")",
                       "description": description, "output_shapes": [list(o.shape) for o in ref],
                       "torch_f32_max_abs_diff": float(f"{diff:.3g}")}, f, indent=1)
            f.write("\n")
        print(f"{name:36s} f64 vs f32 {diff:.3g}")


if __name__ == "__main__":
    main()
