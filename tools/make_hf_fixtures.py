#!/usr/bin/python3
"""Generate the Hugging Face golden fixtures in fixtures/hf/<case>/.

Run from the repository root (needs Debian's python3-torch and python3-numpy;
no `transformers` package is needed or used):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_hf_fixtures.py

The torch modules below follow the module structure, parameter names and
forward computation of Hugging Face transformers' BertModel,
BertForSequenceClassification, DistilBertModel and
DistilBertForSequenceClassification (eval mode, eager attention), so that
their state_dict() is exactly what `save_pretrained` writes and their outputs
are what HF computes:

- BERT: embeddings = LayerNorm(word + token_type + position) with
  layer_norm_eps from the config; each layer: separate query/key/value
  Linear, scores / sqrt(head_size) + extended mask, softmax, context,
  attention.output.dense, LayerNorm(. + x), intermediate.dense + hidden_act,
  output.dense, LayerNorm(. + h); pooler = tanh(dense(h[:, 0])); the
  classifier is a Linear on the pooled output.
- DistilBERT: embeddings = LayerNorm(word + position) (eps 1e-12); each
  TransformerBlock: q_lin/k_lin/v_lin/out_lin with q / sqrt(dim_per_head),
  sa_layer_norm(. + x), ffn.lin1 + activation, ffn.lin2,
  output_layer_norm(. + h) (eps 1e-12); the classifier is pre_classifier ->
  ReLU -> classifier on h[:, 0].
- Attention mask as HF: padded keys (mask 0) get float32's minimum added to
  (BERT: (1 - mask) * finfo(float32).min) or put into (DistilBERT,
  masked_fill) their scores. Outputs at padded positions are computed, not
  zeroed, and the goldens keep them.
- `hidden_act`/`activation` "gelu" is the exact (erf) GELU.

Every parameter is re-randomised with a fixed seed (also the padding row of
the word embeddings, which a trained checkpoint has non-zero). The
`embeddings.position_ids` buffer (I64 arange, shape [1, max_position]) is
saved as transformers < 4.31 did; one model (bert_cls) leaves it out as newer
versions do. config.json is written as `PretrainedConfig.to_json_string` does
(sorted keys, indent 2), model.safetensors with HF's tensor names and
{"format": "pt"} metadata.

Goldens are computed in float64 from exactly the float32 weights and inputs
written, then rounded to float32 (the mask constant stays float32's minimum).
case.json records how far a float32 torch run is ("torch_f32_max_abs_diff").
After writing, everything is read back with tools/safetensors_io.py, loaded
with load_state_dict(strict=True) into fresh modules built from config.json
and re-run; the encoder layers are also cross-checked against
torch.nn.TransformerEncoderLayer with the same weights.

Layout (the same as fixtures/torch):

    fixtures/hf/<case>/case.json
    fixtures/hf/<case>/model/config.json         (or "model": "../<other>/model")
    fixtures/hf/<case>/model/model.safetensors
    fixtures/hf/<case>/in_input_ids.npy, in_attention_mask.npy[, in_token_type_ids.npy]
    fixtures/hf/<case>/out_0.npy[, out_1.npy]
"""
import json
import math
import os
import shutil
import sys
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "fixtures", "hf")
F32_MIN = float(torch.finfo(torch.float32).min)
TRANSFORMERS_VERSION = "4.30.2"  # what the config.json files claim; the structure is the same in later versions


def activation(name):
    if name == "gelu":
        return nn.GELU()  # exact erf form, as HF's GELUActivation
    if name == "relu":
        return nn.ReLU()
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return nn.GELU(approximate="tanh")
    raise ValueError(name)


# --------------------------------------------------------------------------
# BERT (names as transformers.models.bert.modeling_bert)
# --------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, c, persistent_position_ids):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=persistent_position_ids)

    def forward(self, input_ids, token_type_ids=None):
        seq = input_ids.shape[1]
        position_ids = self.position_ids[:, :seq]
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.shape, dtype=torch.long)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = c["hidden_size"] // c["num_attention_heads"]
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c["hidden_size"], self.all_head_size)
        self.key = nn.Linear(c["hidden_size"], self.all_head_size)
        self.value = nn.Linear(c["hidden_size"], self.all_head_size)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def transpose_for_scores(self, x):
        return x.view(x.shape[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        scores = scores + attention_mask
        probs = self.dropout(nn.functional.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden_states, attention_mask):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.intermediate_act_fn = activation(c["hidden_act"])

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden_states, attention_mask):
        a = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, hidden_states, attention_mask):
        for layer in self.layer:
            hidden_states = layer(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


def extended_attention_mask(attention_mask, dtype):
    """BertModel.get_extended_attention_mask, with float32's minimum whatever dtype computes."""
    ext = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - ext) * F32_MIN


class BertModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True, add_pooling_layer=True):
        super().__init__()
        self.embeddings = BertEmbeddings(c, persistent_position_ids)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embeddings(input_ids, token_type_ids)
        h = self.encoder(h, extended_attention_mask(attention_mask, h.dtype))
        return h, (self.pooler(h) if self.pooler is not None else None)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.bert = BertModel(c, persistent_position_ids)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        _, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(pooled))


# --------------------------------------------------------------------------
# DistilBERT (names as transformers.models.distilbert.modeling_distilbert)
# --------------------------------------------------------------------------

class Embeddings(nn.Module):
    def __init__(self, c, persistent_position_ids):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["dim"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["dim"])
        self.LayerNorm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.dropout = nn.Dropout(c["dropout"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=persistent_position_ids)

    def forward(self, input_ids):
        position_ids = self.position_ids[:, :input_ids.shape[1]]
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads = c["n_heads"]
        self.dim = c["dim"]
        self.dropout = nn.Dropout(p=c["attention_dropout"])
        self.q_lin = nn.Linear(c["dim"], c["dim"])
        self.k_lin = nn.Linear(c["dim"], c["dim"])
        self.v_lin = nn.Linear(c["dim"], c["dim"])
        self.out_lin = nn.Linear(c["dim"], c["dim"])

    def forward(self, query, key, value, mask):
        bs, q_length, dim = query.size()
        k_length = key.size(1)
        dim_per_head = self.dim // self.n_heads

        def shape(x):
            return x.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(x):
            return x.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q = shape(self.q_lin(query))
        k = shape(self.k_lin(key))
        v = shape(self.v_lin(value))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        pad = (mask == 0).view(bs, 1, 1, k_length).expand_as(scores)
        scores = scores.masked_fill(pad, F32_MIN)
        weights = self.dropout(nn.functional.softmax(scores, dim=-1))
        return self.out_lin(unshape(torch.matmul(weights, v)))


class FFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dropout = nn.Dropout(p=c["dropout"])
        self.lin1 = nn.Linear(c["dim"], c["hidden_dim"])
        self.lin2 = nn.Linear(c["hidden_dim"], c["dim"])
        self.activation = activation(c["activation"])

    def forward(self, x):
        return self.dropout(self.lin2(self.activation(self.lin1(x))))


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = MultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.ffn = FFN(c)
        self.output_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)

    def forward(self, x, attn_mask):
        sa = self.sa_layer_norm(self.attention(x, x, x, attn_mask) + x)
        return self.output_layer_norm(self.ffn(sa) + sa)


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c["n_layers"])])

    def forward(self, x, attn_mask):
        for layer in self.layer:
            x = layer(x, attn_mask)
        return x


class DistilBertModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.embeddings = Embeddings(c, persistent_position_ids)
        self.transformer = Transformer(c)

    def forward(self, input_ids, attention_mask):
        return self.transformer(self.embeddings(input_ids), attention_mask)


class DistilBertForSequenceClassification(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.distilbert = DistilBertModel(c, persistent_position_ids)
        self.pre_classifier = nn.Linear(c["dim"], c["dim"])
        self.classifier = nn.Linear(c["dim"], len(c["id2label"]))
        self.dropout = nn.Dropout(c["seq_classif_dropout"])

    def forward(self, input_ids, attention_mask):
        h = self.distilbert(input_ids, attention_mask)
        pooled = nn.ReLU()(self.pre_classifier(h[:, 0]))
        return self.classifier(self.dropout(pooled))


# --------------------------------------------------------------------------
# configs as HF writes them
# --------------------------------------------------------------------------

def bert_config(arch, hidden, heads, layers, inter, vocab, max_pos, type_vocab, eps, labels=None):
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "layer_norm_eps": eps,
        "max_position_embeddings": max_pos,
        "model_type": "bert",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": type_vocab,
        "use_cache": True,
        "vocab_size": vocab,
    }
    if labels:
        c["id2label"] = {str(i): l for i, l in enumerate(labels)}
        c["label2id"] = {l: i for i, l in enumerate(labels)}
    return c


def distilbert_config(arch, dim, heads, layers, hidden_dim, vocab, max_pos, labels=None):
    c = {
        "activation": "gelu",
        "architectures": [arch],
        "attention_dropout": 0.1,
        "dim": dim,
        "dropout": 0.1,
        "hidden_dim": hidden_dim,
        "initializer_range": 0.02,
        "max_position_embeddings": max_pos,
        "model_type": "distilbert",
        "n_heads": heads,
        "n_layers": layers,
        "pad_token_id": 0,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "sinusoidal_pos_embds": False,
        "tie_weights_": True,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "vocab_size": vocab,
    }
    if labels:
        c["id2label"] = {str(i): l for i, l in enumerate(labels)}
        c["label2id"] = {l: i for i, l in enumerate(labels)}
    return c


def build(config, persistent_position_ids):
    arch = config["architectures"][0]
    cls = {"BertModel": BertModel, "BertForSequenceClassification": BertForSequenceClassification,
           "DistilBertModel": DistilBertModel,
           "DistilBertForSequenceClassification": DistilBertForSequenceClassification}[arch]
    return cls(config, persistent_position_ids=persistent_position_ids)


# model name -> (config, save position_ids)
MODELS = {
    "bert_base": (bert_config("BertModel", 36, 3, 2, 50, 97, 40, 2, 1e-12), True),
    "bert_cls": (bert_config("BertForSequenceClassification", 30, 5, 3, 44, 89, 24, 3, 1e-7,
                             labels=["negative", "neutral", "positive"]), False),
    "distilbert_base": (distilbert_config("DistilBertModel", 36, 3, 2, 50, 97, 40), True),
    "distilbert_cls": (distilbert_config("DistilBertForSequenceClassification", 28, 7, 2, 46, 83, 20,
                                         labels=["anger", "joy", "sadness", "surprise"]), True),
}

# case -> model, batch of real lengths (padded to seq), seq, token types?, left-padded rows, description
CASES = [
    ("bert_base_padded", "bert_base", [11, 6, 2], 11, False, [],
     "BertModel (hidden 36, 3 heads, 2 layers, intermediate 50): padded batch of 3 (lengths 11, 6, 2), no token_type_ids"),
    ("bert_base_b1", "bert_base", [9], 9, False, [],
     "BertModel, batch 1, no padding, no token_type_ids (same model as bert_base_padded)"),
    ("bert_base_token_types", "bert_base", [8, 5], 8, True, [],
     "BertModel with token_type_ids (sentence pairs), padded batch of 2 (same model as bert_base_padded)"),
    ("bert_cls_padded", "bert_cls", [13, 9, 4], 13, False, [],
     "BertForSequenceClassification (hidden 30, 5 heads, 3 layers, eps 1e-7, 3 labels, no position_ids buffer):"
     " padded batch of 3, no token_type_ids"),
    ("bert_cls_pairs_b1", "bert_cls", [24], 24, True, [],
     "BertForSequenceClassification, batch 1 of max_position_embeddings (24) tokens with token_type_ids 0/1/2"),
    ("distilbert_base_padded", "distilbert_base", [10, 7, 3], 10, False, [2],
     "DistilBertModel (dim 36, 3 heads, 2 layers, hidden_dim 50): padded batch of 3 (lengths 10, 7, 3; the last"
     " row left-padded)"),
    ("distilbert_base_b1", "distilbert_base", [40], 40, False, [],
     "DistilBertModel, batch 1 of max_position_embeddings (40) tokens (same model as distilbert_base_padded)"),
    ("distilbert_cls_padded", "distilbert_cls", [12, 5, 1], 12, False, [],
     "DistilBertForSequenceClassification (dim 28, 7 heads, 2 layers, 4 labels): padded batch of 3 (lengths 12, 5, 1)"),
    ("distilbert_cls_b1", "distilbert_cls", [7], 7, False, [],
     "DistilBertForSequenceClassification, batch 1, no padding (same model as distilbert_cls_padded)"),
]


# --------------------------------------------------------------------------
# weights and inputs
# --------------------------------------------------------------------------

def _u(shape, lo, hi):
    return torch.rand(shape) * (hi - lo) + lo


@torch.no_grad()
def randomise(model):
    for mod in model.modules():
        for pname, p in mod.named_parameters(recurse=False):
            if isinstance(mod, nn.LayerNorm):
                p.copy_(_u(p.shape, 0.5, 1.5) if pname == "weight" else _u(p.shape, -0.5, 0.5))
            elif isinstance(mod, nn.Embedding):
                p.copy_(_u(p.shape, -1.0, 1.0))  # the padding row too: trained checkpoints have it non-zero
            elif p.dim() == 2:
                a = (3.0 / p.shape[1]) ** 0.5 * 1.2
                p.copy_(_u(p.shape, -a, a))
            elif p.dim() == 1:
                p.copy_(_u(p.shape, -0.5, 0.5))
            else:
                raise ValueError(pname)


def make_inputs(config, lengths, seq, token_types, left_padded, gen):
    vocab = config["vocab_size"]
    pad = config["pad_token_id"]
    b = len(lengths)
    ids = np.full((b, seq), pad, dtype="<i8")
    mask = np.zeros((b, seq), dtype="<i8")
    types = np.zeros((b, seq), dtype="<i8")
    ntypes = config.get("type_vocab_size", 1)
    for r, n in enumerate(lengths):
        real = torch.randint(1, vocab, (n,), generator=gen).numpy()
        if r == 0:
            real[-1] = vocab - 1
        sl = slice(seq - n, seq) if r in left_padded else slice(0, n)
        ids[r, sl] = real
        mask[r, sl] = 1
        if token_types:
            # segment A then B (then C when the vocabulary has a third type)
            cut = np.sort(torch.randint(1, max(2, n), (ntypes - 1,), generator=gen).numpy())
            t = np.zeros(n, dtype="<i8")
            for k, c in enumerate(cut):
                t[c:] = k + 1
            types[r, sl] = t
    out = {"input_ids": ids, "attention_mask": mask}
    if token_types:
        out["token_type_ids"] = types
    return out


def run(model, inputs, double):
    m = model.double() if double else model.float()
    t = {k: torch.from_numpy(v.copy()) for k, v in inputs.items()}
    with torch.no_grad():
        res = m(**t)
    if isinstance(res, tuple):
        return [r.numpy() for r in res if r is not None]
    return [res.numpy()]


def output_names(arch):
    if arch == "BertModel":
        return ["last_hidden_state", "pooler_output"]
    if arch == "DistilBertModel":
        return ["last_hidden_state"]
    return ["logits"]


def write_model(dirpath, model, config):
    os.makedirs(dirpath)
    with open(os.path.join(dirpath, "config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for k, v in sd.items():
        assert v.dtype == (torch.int64 if k.endswith("position_ids") else torch.float32), (k, v.dtype)
    safetensors_io.save(os.path.join(dirpath, "model.safetensors"), sd, metadata={"format": "pt"})


def write_case(name, model_name, lengths, seq, token_types, left_padded, description, models, model_dirs):
    config, persistent = MODELS[model_name]
    d = os.path.join(OUT_DIR, name)
    os.makedirs(d)
    if model_name not in models:
        torch.manual_seed(zlib.crc32(model_name.encode()) & 0x7FFFFFFF)
        m = build(config, persistent)
        randomise(m)
        m.float().eval()
        models[model_name] = m
        write_model(os.path.join(d, "model"), m, config)
        model_dirs[model_name] = name
        model_field = "model"
    else:
        model_field = f"../{model_dirs[model_name]}/model"
    model = models[model_name]
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)
    inputs = make_inputs(config, lengths, seq, token_types, left_padded, gen)
    ref = [o.astype(np.float32) for o in run(model, inputs, double=True)]
    f32 = run(model, inputs, double=False)
    model.float()
    diff = max(float(np.abs(a - b).max()) for a, b in zip(ref, f32))
    for o in ref:
        assert np.all(np.isfinite(o))
    in_files = {}
    for k, v in inputs.items():
        fn = f"in_{k}.npy"
        np.save(os.path.join(d, fn), v)
        in_files[k] = fn
    out_files = []
    for i, o in enumerate(ref):
        fn = f"out_{i}.npy"
        np.save(os.path.join(d, fn), np.ascontiguousarray(o, dtype="<f4"))
        out_files.append(fn)
    arch = config["architectures"][0]
    cj = {
        "model": model_field,
        "inputs": in_files,
        "outputs": out_files,
        "output_names": output_names(arch),
        "architecture": arch,
        "description": description,
        "output_shapes": [list(o.shape) for o in ref],
        "torch_f32_max_abs_diff": float(f"{diff:.3g}"),
        "max_abs_output": float(f"{max(float(np.abs(o).max()) for o in ref):.4g}"),
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(cj, f, indent=1)
        f.write("\n")
    return diff


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------

def verify_case(name):
    """Reads the case back with our own reader, loads it strictly into fresh modules and re-runs it."""
    d = os.path.join(OUT_DIR, name)
    with open(os.path.join(d, "case.json")) as f:
        cj = json.load(f)
    md = os.path.normpath(os.path.join(d, cj["model"]))
    with open(os.path.join(md, "config.json")) as f:
        config = json.load(f)
    st = os.path.join(md, "model.safetensors")
    safetensors_io.check_layout(st)
    tensors, meta = safetensors_io.load(st)
    assert meta == {"format": "pt"}, meta
    pos = [k for k in tensors if k.endswith("embeddings.position_ids")]
    model = build(config, persistent_position_ids=bool(pos))
    for k in pos:
        assert tensors[k].dtype == np.int64 and tensors[k].shape == (1, config["max_position_embeddings"])
        assert np.array_equal(tensors[k][0], np.arange(config["max_position_embeddings"]))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    model.eval()
    inputs = {k: np.load(os.path.join(d, v)) for k, v in cj["inputs"].items()}
    for v in inputs.values():
        assert v.dtype == np.dtype("<i8")
    outs = run(model, inputs, double=False)
    assert len(outs) == len(cj["outputs"]) == len(cj["output_names"])
    worst = 0.0
    for o, fn in zip(outs, cj["outputs"]):
        g = np.load(os.path.join(d, fn))
        assert g.dtype == np.dtype("<f4") and g.shape == o.shape
        worst = max(worst, float(np.abs(g - o).max()))
    assert worst < 1e-4, (name, worst)
    cross_check(name, model, config, inputs)
    return worst


def cross_check(name, model, config, inputs):
    """The encoder layers against torch.nn.TransformerEncoderLayer (post-LN) with the same weights."""
    arch = config["architectures"][0]
    bert = arch.startswith("Bert")
    base = model.bert if arch == "BertForSequenceClassification" else (
        model.distilbert if arch == "DistilBertForSequenceClassification" else model)
    ids = torch.from_numpy(inputs["input_ids"])
    mask = torch.from_numpy(inputs["attention_mask"])
    with torch.no_grad():
        base.double()
        if bert:
            tt = inputs.get("token_type_ids")
            h = base.embeddings(ids, None if tt is None else torch.from_numpy(tt))
            layers = base.encoder.layer
            d, heads, ff = config["hidden_size"], config["num_attention_heads"], config["intermediate_size"]
            eps = config["layer_norm_eps"]
        else:
            h = base.embeddings(ids)
            layers = base.transformer.layer
            d, heads, ff, eps = config["dim"], config["n_heads"], config["hidden_dim"], 1e-12
        key_bias = (1.0 - mask.double()) * F32_MIN
        x = h
        for layer in layers:
            x = layer(x, extended_attention_mask(mask, x.dtype)) if bert else layer(x, mask)
        ref = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu", layer_norm_eps=eps,
                                         batch_first=True).double().eval()
        y = h
        for layer in layers:
            if bert:
                a = layer.attention
                q, k, v, o = a.self.query, a.self.key, a.self.value, a.output.dense
                n1, l1, l2, n2 = a.output.LayerNorm, layer.intermediate.dense, layer.output.dense, layer.output.LayerNorm
            else:
                a = layer.attention
                q, k, v, o = a.q_lin, a.k_lin, a.v_lin, a.out_lin
                n1, l1, l2, n2 = layer.sa_layer_norm, layer.ffn.lin1, layer.ffn.lin2, layer.output_layer_norm
            ref.self_attn.in_proj_weight.copy_(torch.cat([q.weight, k.weight, v.weight]))
            ref.self_attn.in_proj_bias.copy_(torch.cat([q.bias, k.bias, v.bias]))
            ref.self_attn.out_proj.weight.copy_(o.weight)
            ref.self_attn.out_proj.bias.copy_(o.bias)
            for dst, src in ((ref.linear1, l1), (ref.linear2, l2), (ref.norm1, n1), (ref.norm2, n2)):
                dst.weight.copy_(src.weight)
                dst.bias.copy_(src.bias)
            with torch.enable_grad():  # the plain Python path, not the fused fast path
                y = ref(y, src_key_padding_mask=key_bias).detach()
        base.float()
    err = float((x - y).abs().max())
    assert err < 1e-9, (name, "cross-check vs nn.TransformerEncoderLayer", err)


def main():
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):  # the case directories; README.md stays
            if os.path.isdir(os.path.join(OUT_DIR, entry)):
                shutil.rmtree(os.path.join(OUT_DIR, entry))
    os.makedirs(OUT_DIR, exist_ok=True)
    models, model_dirs = {}, {}
    print(f"{'case':28s} {'f64 vs f32':>12s}")
    for c in CASES:
        diff = write_case(*c, models, model_dirs)
        print(f"{c[0]:28s} {diff:12.3g}")
    print("verifying (reading everything back, strict load, re-run, cross-check)...")
    for c in CASES:
        verify_case(c[0])
    total = 0
    for dp, _, fns in os.walk(OUT_DIR):
        for fn in fns:
            total += os.path.getsize(os.path.join(dp, fn))
    assert total < 1.5e6, total
    print(f"{len(CASES)} cases ok; {total / 1e6:.2f} MB in {OUT_DIR}")


if __name__ == "__main__":
    main()
