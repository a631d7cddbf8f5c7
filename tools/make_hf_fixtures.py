#!/usr/bin/python3
"""Generate the Hugging Face golden fixtures in fixtures/hf/<case>/.

Run from the repository root (needs Debian's python3-torch and python3-numpy;
no `transformers` package is needed or used):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_hf_fixtures.py

The torch modules below follow the module structure, parameter names and
forward computation of Hugging Face transformers' BERT, DistilBERT, RoBERTa,
XLM-RoBERTa, ELECTRA, ALBERT and MobileBERT models and their heads (eval mode, eager attention),
so that their state_dict() is exactly what `save_pretrained` writes and their
outputs are what HF computes:

- BERT: embeddings = LayerNorm(word + token_type + position) with
  layer_norm_eps from the config; each layer: separate query/key/value
  Linear, scores / sqrt(head_size) + extended mask, softmax, context,
  attention.output.dense, LayerNorm(. + x), intermediate.dense + hidden_act,
  output.dense, LayerNorm(. + h); pooler = tanh(dense(h[:, 0])); the
  sequence classifier is a Linear on the pooled output, the token classifier
  a Linear on every token; the masked LM (BertForMaskedLM, no pooler):
  cls.predictions.transform.dense -> hidden_act -> LayerNorm -> decoder tied
  to the word embeddings, plus cls.predictions.bias.
- DistilBERT: embeddings = LayerNorm(word + position) (eps 1e-12); each
  TransformerBlock: q_lin/k_lin/v_lin/out_lin with q / sqrt(dim_per_head),
  sa_layer_norm(. + x), ffn.lin1 + activation, ffn.lin2,
  output_layer_norm(. + h) (eps 1e-12); the classifier is pre_classifier ->
  ReLU -> classifier on h[:, 0]; the masked LM vocab_transform -> activation
  -> vocab_layer_norm -> vocab_projector tied to the word embeddings.
- RoBERTa / XLM-RoBERTa: BERT's layers; position ids from
  create_position_ids_from_input_ids (cumsum of input_ids != pad, times the
  mask, + pad); one token type; the classifier on <s>: dense -> tanh ->
  out_proj; the LM head dense -> GELU (whatever hidden_act) -> layer_norm ->
  decoder tied to the word embeddings, plus lm_head.bias. Heads have no pooler.
- ELECTRA: BERT's layers on embeddings embedding_size wide, projected by
  embeddings_project when that differs from hidden_size; no pooler; the
  classifier on h[:, 0]: dense -> GELU -> out_proj; the discriminator
  (ElectraForPreTraining): dense -> hidden_act -> dense_prediction, squeezed
  to one logit per token.
- ALBERT: embeddings embedding_size wide, mapped by
  encoder.embedding_hidden_mapping_in; pass i of num_hidden_layers runs the
  inner_group_num layers of group int(i / (num_hidden_layers /
  num_hidden_groups)), whose weights are shared; each layer: attention
  (query/key/value, dense, LayerNorm(x + .)), ffn -> hidden_act -> ffn_output,
  full_layer_layer_norm(. + a); pooler = tanh(albert.pooler(h[:, 0])); the
  masked LM predictions.dense (to embedding_size) -> hidden_act ->
  predictions.LayerNorm -> decoder tied to the word embeddings.
- MobileBERT: the trigram embedding (cat of the next token's embedding, the
  token's, the previous token's, zero-padded) -> embedding_transformation,
  + position + token type, NoNorm (x * weight + bias) or LayerNorm; each
  layer: input bottleneck (and the shared query/key bottleneck), attention
  with its residual from the input bottleneck, num_feedforward_networks - 1
  stacked FFNs, the layer's FFN, the output bottleneck back to hidden_size;
  the masked LM: transform then h @ [decoder^T; cls.predictions.dense.weight]
  + bias.
- Attention mask as HF: padded keys (mask 0) get float32's minimum added to
  (BERT and the BERT-layer families: (1 - mask) * finfo(float32).min) or put
  into (DistilBERT, masked_fill) their scores. Outputs at padded positions are
  computed, not zeroed, and the goldens keep them.
- `hidden_act`/`activation` "gelu" is the exact (erf) GELU, "gelu_new" the
  tanh form.

Every parameter is re-randomised with a fixed seed (also the padding row of
the word embeddings, which a trained checkpoint has non-zero). The
`embeddings.position_ids` buffer (I64 arange, shape [1, max_position]) is
saved as transformers < 4.31 did for some models and left out as newer
versions do for the others. Tied decoders are left out of the file as
save_pretrained's safetensors do (xlmr_mlm keeps every tied name, as
torch.save of the state dict does). config.json is written as `PretrainedConfig.to_json_string` does
(sorted keys, indent 2), model.safetensors with HF's tensor names and
{"format": "pt"} metadata.

Goldens are computed in float64 from exactly the float32 weights and inputs
written, then rounded to float32 (the mask constant stays float32's minimum).
case.json records how far a float32 torch run is ("torch_f32_max_abs_diff").
After writing, everything is read back with tools/safetensors_io.py, loaded
with load_state_dict(strict=True) into fresh modules built from config.json
(tied names filled from their partners, as transformers ties them after
loading) and re-run; the encoder layers are also cross-checked against
torch.nn.TransformerEncoderLayer with the same weights, and RoBERTa's position
ids against a loop that numbers the tokens by hand, and MobileBERT's trigram
embedding against a 1-D convolution of kernel 3.

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
TRANSFORMERS_VERSION = "4.30.2"  # what the first config.json files claim; the structure is the same in later versions
TRANSFORMERS_VERSION_NEW = "4.38.2"  # the later models: safetensors by default, tied names left out, no id buffers


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


def pooled_sequence_classifier(name, attr, base, dropout_key="hidden_dropout_prob"):
    """`<Family>ForSequenceClassification` of the BERT-like families: dropout and a Linear on the pooled output; the
    base model is the attribute `attr` (its state-dict prefix: bert., albert., mobilebert.)."""
    def __init__(self, c, persistent_position_ids=True):
        nn.Module.__init__(self)
        setattr(self, attr, base(c, persistent_position_ids))
        self.dropout = nn.Dropout(c[dropout_key])
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        _, pooled = getattr(self, attr)(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(pooled))

    return type(name, (nn.Module,), {"__init__": __init__, "forward": forward})


def token_classifier(name, attr, base, dropout_key="hidden_dropout_prob", no_pooler=True):
    """`<Family>ForTokenClassification`: dropout and a Linear on every token of the base model `attr` (built without its
    pooler when it has one: `no_pooler`)."""
    def __init__(self, c, persistent_position_ids=True):
        nn.Module.__init__(self)
        kw = {"add_pooling_layer": False} if no_pooler else {}
        setattr(self, attr, base(c, persistent_position_ids, **kw))
        self.dropout = nn.Dropout(c[dropout_key])
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = getattr(self, attr)(input_ids, attention_mask, token_type_ids)
        return self.classifier(self.dropout(h))

    return type(name, (nn.Module,), {"__init__": __init__, "forward": forward})

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

    def embed(self, input_ids, token_type_ids=None):
        return self.embeddings(input_ids, token_type_ids)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embed(input_ids, token_type_ids)
        h = self.encoder(h, extended_attention_mask(attention_mask, h.dtype))
        return h, (self.pooler(h) if self.pooler is not None else None)


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


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.transform_act_fn = activation(c["hidden_act"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, h):
        return self.LayerNorm(self.transform_act_fn(self.dense(h)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = BertPredictionHeadTransform(c)
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.decoder.bias = self.bias  # tied, as transformers does

    def forward(self, h):
        return self.decoder(self.transform(h))


class BertOnlyMLMHead(nn.Module):
    """BertForMaskedLM's `cls`; with `nsp` also BertForPreTraining's seq_relationship, which bert-base-uncased's
    published weights carry and BertForMaskedLM leaves unused."""

    def __init__(self, c, nsp=False):
        super().__init__()
        self.predictions = BertLMPredictionHead(c)
        if nsp:
            self.seq_relationship = nn.Linear(c["hidden_size"], 2)

    def forward(self, h):
        return self.predictions(h)


class BertForMaskedLM(nn.Module):
    TIED = {"cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
            "cls.predictions.decoder.bias": "cls.predictions.bias"}

    def __init__(self, c, persistent_position_ids=True, published=False):
        super().__init__()
        # published=True: as bert-base-uncased's weights (BertForPreTraining's): with the pooler and the NSP head
        self.bert = BertModel(c, persistent_position_ids, add_pooling_layer=published)
        self.cls = BertOnlyMLMHead(c, nsp=published)
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.bert(input_ids, attention_mask, token_type_ids)
        return self.cls(h)


class DistilBertForTokenClassification(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.distilbert = DistilBertModel(c, persistent_position_ids)
        self.dropout = nn.Dropout(c["dropout"])
        self.classifier = nn.Linear(c["dim"], len(c["id2label"]))

    def forward(self, input_ids, attention_mask):
        return self.classifier(self.dropout(self.distilbert(input_ids, attention_mask)))


class DistilBertForMaskedLM(nn.Module):
    TIED = {"vocab_projector.weight": "distilbert.embeddings.word_embeddings.weight"}

    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.activation = activation(c["activation"])
        self.distilbert = DistilBertModel(c, persistent_position_ids)
        self.vocab_transform = nn.Linear(c["dim"], c["dim"])
        self.vocab_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.vocab_projector = nn.Linear(c["dim"], c["vocab_size"])
        self.vocab_projector.weight = self.distilbert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask):
        h = self.distilbert(input_ids, attention_mask)
        return self.vocab_projector(self.vocab_layer_norm(self.activation(self.vocab_transform(h))))


# --------------------------------------------------------------------------
# RoBERTa and XLM-RoBERTa (transformers.models.roberta.modeling_roberta; XLM-RoBERTa's modules are the same, with
# model_type "xlm-roberta" and the base model under "roberta." too). The layers are BERT's ("Copied from").
# --------------------------------------------------------------------------

def create_position_ids_from_input_ids(input_ids, padding_idx):
    """transformers' function: positions count the non-padding tokens, from padding_idx + 1; padding keeps padding_idx."""
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


def position_ids_by_hand(input_ids, padding_idx):
    """The same numbering written as a loop, to cross-check the function above."""
    out = np.full(input_ids.shape, padding_idx, dtype=np.int64)
    for r in range(input_ids.shape[0]):
        count = 0
        for t in range(input_ids.shape[1]):
            if int(input_ids[r, t]) != padding_idx:
                count += 1
                out[r, t] = padding_idx + count
    return out


class RobertaEmbeddings(nn.Module):
    def __init__(self, c, persistent_position_ids):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"],
                                                padding_idx=c["pad_token_id"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=persistent_position_ids)
        self.padding_idx = c["pad_token_id"]

    def forward(self, input_ids, token_type_ids=None):
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.shape, dtype=torch.long)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class RobertaModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True, add_pooling_layer=True):
        super().__init__()
        self.embeddings = RobertaEmbeddings(c, persistent_position_ids)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def embed(self, input_ids, token_type_ids=None):
        return self.embeddings(input_ids, token_type_ids)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embed(input_ids, token_type_ids)
        h = self.encoder(h, extended_attention_mask(attention_mask, h.dtype))
        return h, (self.pooler(h) if self.pooler is not None else None)


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.out_proj = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, features):
        x = self.dropout(features[:, 0, :])  # <s>
        x = torch.tanh(self.dense(x))
        return self.out_proj(self.dropout(x))


class RobertaForSequenceClassification(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.roberta = RobertaModel(c, persistent_position_ids, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.roberta(input_ids, attention_mask, token_type_ids)
        return self.classifier(h)


class RobertaLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.decoder = nn.Linear(c["hidden_size"], c["vocab_size"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.decoder.bias = self.bias

    def forward(self, features):
        x = nn.functional.gelu(self.dense(features))  # transformers' gelu, whatever hidden_act says
        return self.decoder(self.layer_norm(x))


class RobertaForMaskedLM(nn.Module):
    TIED = {"lm_head.decoder.weight": "roberta.embeddings.word_embeddings.weight",
            "lm_head.decoder.bias": "lm_head.bias"}

    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.roberta = RobertaModel(c, persistent_position_ids, add_pooling_layer=False)
        self.lm_head = RobertaLMHead(c)
        self.lm_head.decoder.weight = self.roberta.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.roberta(input_ids, attention_mask, token_type_ids)
        return self.lm_head(h)


# --------------------------------------------------------------------------
# ELECTRA discriminators (transformers.models.electra.modeling_electra): BERT's layers under "electra.", embeddings
# embedding_size wide and projected to hidden_size when the two differ; no pooler.
# --------------------------------------------------------------------------

class ElectraEmbeddings(nn.Module):
    def __init__(self, c, persistent_position_ids):
        super().__init__()
        e = c["embedding_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], e, padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], e)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], e)
        self.LayerNorm = nn.LayerNorm(e, eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=persistent_position_ids)

    def forward(self, input_ids, token_type_ids=None):
        seq = input_ids.shape[1]
        position_ids = self.position_ids[:, :seq]
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.shape, dtype=torch.long)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) \
            + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class ElectraModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.embeddings = ElectraEmbeddings(c, persistent_position_ids)
        if c["embedding_size"] != c["hidden_size"]:
            self.embeddings_project = nn.Linear(c["embedding_size"], c["hidden_size"])
        self.encoder = BertEncoder(c)

    def embed(self, input_ids, token_type_ids=None):
        h = self.embeddings(input_ids, token_type_ids)
        return self.embeddings_project(h) if hasattr(self, "embeddings_project") else h

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embed(input_ids, token_type_ids)
        return self.encoder(h, extended_attention_mask(attention_mask, h.dtype)), None


class ElectraClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.activation = nn.GELU()  # get_activation("gelu"), whatever hidden_act says
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.out_proj = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, features):
        x = self.dropout(features[:, 0, :])
        x = self.activation(self.dense(x))
        return self.out_proj(self.dropout(x))


class ElectraForSequenceClassification(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.electra = ElectraModel(c, persistent_position_ids)
        self.classifier = ElectraClassificationHead(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.electra(input_ids, attention_mask, token_type_ids)
        return self.classifier(h)


class ElectraDiscriminatorPredictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.activation = activation(c["hidden_act"])
        self.dense_prediction = nn.Linear(c["hidden_size"], 1)

    def forward(self, h):
        return self.dense_prediction(self.activation(self.dense(h))).squeeze(-1)


class ElectraForPreTraining(nn.Module):
    def __init__(self, c, persistent_position_ids=True):
        super().__init__()
        self.electra = ElectraModel(c, persistent_position_ids)
        self.discriminator_predictions = ElectraDiscriminatorPredictions(c)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.electra(input_ids, attention_mask, token_type_ids)
        return self.discriminator_predictions(h)


# --------------------------------------------------------------------------
# ALBERT (transformers.models.albert.modeling_albert): embeddings embedding_size wide, mapped to hidden_size by
# encoder.embedding_hidden_mapping_in; num_hidden_layers passes through num_hidden_groups groups of inner_group_num
# layers whose weights are shared; the pooler is a Linear named "pooler".
# --------------------------------------------------------------------------

class AlbertEmbeddings(ElectraEmbeddings):
    """The same module as ELECTRA's (word, position, token_type embeddings embedding_size wide, LayerNorm)."""


class AlbertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = c["hidden_size"] // c["num_attention_heads"]
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def shape(self, x):
        return x.view(x.shape[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        q, k, v = self.shape(self.query(hidden_states)), self.shape(self.key(hidden_states)), self.shape(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size) + attention_mask
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), v).transpose(2, 1).flatten(2)
        return self.LayerNorm(hidden_states + self.dense(ctx))


class AlbertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.full_layer_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.attention = AlbertAttention(c)
        self.ffn = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.ffn_output = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.activation = activation(c["hidden_act"])

    def forward(self, hidden_states, attention_mask):
        a = self.attention(hidden_states, attention_mask)
        return self.full_layer_layer_norm(self.ffn_output(self.activation(self.ffn(a))) + a)


class AlbertLayerGroup(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.albert_layers = nn.ModuleList([AlbertLayer(c) for _ in range(c["inner_group_num"])])

    def forward(self, hidden_states, attention_mask):
        for layer in self.albert_layers:
            hidden_states = layer(hidden_states, attention_mask)
        return hidden_states


class AlbertTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embedding_hidden_mapping_in = nn.Linear(c["embedding_size"], c["hidden_size"])
        self.albert_layer_groups = nn.ModuleList([AlbertLayerGroup(c) for _ in range(c["num_hidden_groups"])])

    def applied(self):
        """The layers in the order they run: pass i through group int(i / (num_hidden_layers / num_hidden_groups))."""
        n, g = self.c["num_hidden_layers"], self.c["num_hidden_groups"]
        return [layer for i in range(n) for layer in self.albert_layer_groups[int(i / (n / g))].albert_layers]

    def forward(self, hidden_states, attention_mask):
        hidden_states = self.embedding_hidden_mapping_in(hidden_states)
        n, g = self.c["num_hidden_layers"], self.c["num_hidden_groups"]
        for i in range(n):
            hidden_states = self.albert_layer_groups[int(i / (n / g))](hidden_states, attention_mask)
        return hidden_states


class AlbertModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True, add_pooling_layer=True):
        super().__init__()
        self.embeddings = AlbertEmbeddings(c, persistent_position_ids)
        self.encoder = AlbertTransformer(c)
        if add_pooling_layer:
            self.pooler = nn.Linear(c["hidden_size"], c["hidden_size"])
            self.pooler_activation = nn.Tanh()
        else:
            self.pooler = None

    def embed(self, input_ids, token_type_ids=None):
        return self.encoder.embedding_hidden_mapping_in(self.embeddings(input_ids, token_type_ids))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embeddings(input_ids, token_type_ids)
        h = self.encoder(h, extended_attention_mask(attention_mask, h.dtype))
        return h, (self.pooler_activation(self.pooler(h[:, 0])) if self.pooler is not None else None)


class AlbertMLMHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.LayerNorm = nn.LayerNorm(c["embedding_size"], eps=c["layer_norm_eps"])
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.dense = nn.Linear(c["hidden_size"], c["embedding_size"])
        self.decoder = nn.Linear(c["embedding_size"], c["vocab_size"])
        self.activation = activation(c["hidden_act"])
        self.decoder.bias = self.bias

    def forward(self, h):
        return self.decoder(self.LayerNorm(self.activation(self.dense(h))))


class AlbertSOPHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.classifier = nn.Linear(c["hidden_size"], 2)


class AlbertForMaskedLM(nn.Module):
    TIED = {"predictions.decoder.weight": "albert.embeddings.word_embeddings.weight",
            "predictions.decoder.bias": "predictions.bias"}

    def __init__(self, c, persistent_position_ids=True, published=False):
        super().__init__()
        # published=True: as albert-base-v2's weights (converted from AlbertForPreTraining): the pooler and the
        # sentence-order head too, which AlbertForMaskedLM leaves unused
        self.albert = AlbertModel(c, persistent_position_ids, add_pooling_layer=published)
        self.predictions = AlbertMLMHead(c)
        if published:
            self.sop_classifier = AlbertSOPHead(c)
        self.predictions.decoder.weight = self.albert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.albert(input_ids, attention_mask, token_type_ids)
        return self.predictions(h)


# --------------------------------------------------------------------------
# MobileBERT (transformers.models.mobilebert.modeling_mobilebert): trigram embeddings, bottlenecks, NoNorm, stacked
# feed-forward networks.
# --------------------------------------------------------------------------

class NoNorm(nn.Module):
    def __init__(self, feat_size, eps=None):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(feat_size))
        self.weight = nn.Parameter(torch.ones(feat_size))

    def forward(self, input_tensor):
        return input_tensor * self.weight + self.bias


NORM2FN = {"layer_norm": nn.LayerNorm, "no_norm": NoNorm}


def true_hidden(c):
    return c["intra_bottleneck_size"] if c["use_bottleneck"] else c["hidden_size"]


class MobileBertEmbeddings(nn.Module):
    def __init__(self, c, persistent_position_ids):
        super().__init__()
        self.trigram_input = c["trigram_input"]
        self.embedding_size = c["embedding_size"]
        self.hidden_size = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["embedding_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        embedded_input_size = c["embedding_size"] * (3 if self.trigram_input else 1)
        self.embedding_transformation = nn.Linear(embedded_input_size, c["hidden_size"])
        self.LayerNorm = NORM2FN[c["normalization_type"]](c["hidden_size"])  # no eps: torch's default
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=persistent_position_ids)

    def forward(self, input_ids, token_type_ids=None):
        seq = input_ids.shape[1]
        position_ids = self.position_ids[:, :seq]
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.shape, dtype=torch.long)
        inputs_embeds = self.word_embeddings(input_ids)
        if self.trigram_input:
            inputs_embeds = torch.cat([
                nn.functional.pad(inputs_embeds[:, 1:], [0, 0, 0, 1, 0, 0], value=0),
                inputs_embeds,
                nn.functional.pad(inputs_embeds[:, :-1], [0, 0, 1, 0, 0, 0], value=0),
            ], dim=2)
        if self.trigram_input or self.embedding_size != self.hidden_size:
            inputs_embeds = self.embedding_transformation(inputs_embeds)
        embeddings = inputs_embeds + self.position_embeddings(position_ids) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(embeddings))


class MobileBertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        t = true_hidden(c)
        self.num_attention_heads = c["num_attention_heads"]
        self.attention_head_size = int(t / c["num_attention_heads"])
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(t, self.all_head_size)
        self.key = nn.Linear(t, self.all_head_size)
        self.value = nn.Linear(t if c["use_bottleneck_attention"] else c["hidden_size"], self.all_head_size)

    def shape(self, x):
        return x.view(x.shape[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, query_tensor, key_tensor, value_tensor, attention_mask):
        q, k, v = self.shape(self.query(query_tensor)), self.shape(self.key(key_tensor)), self.shape(self.value(value_tensor))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size) + attention_mask
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[:-2] + (self.all_head_size,))


class MobileBertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        t = true_hidden(c)
        self.dense = nn.Linear(t, t)
        self.LayerNorm = NORM2FN[c["normalization_type"]](t, eps=c["layer_norm_eps"])

    def forward(self, hidden_states, residual_tensor):
        return self.LayerNorm(self.dense(hidden_states) + residual_tensor)


class MobileBertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = MobileBertSelfAttention(c)
        self.output = MobileBertSelfOutput(c)

    def forward(self, query_tensor, key_tensor, value_tensor, layer_input, attention_mask):
        return self.output(self.self(query_tensor, key_tensor, value_tensor, attention_mask), layer_input)


class MobileBertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(true_hidden(c), c["intermediate_size"])
        self.intermediate_act_fn = activation(c["hidden_act"])

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class OutputBottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(true_hidden(c), c["hidden_size"])
        self.LayerNorm = NORM2FN[c["normalization_type"]](c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, hidden_states, residual_tensor):
        return self.LayerNorm(self.dense(hidden_states) + residual_tensor)


class MobileBertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.use_bottleneck = c["use_bottleneck"]
        self.dense = nn.Linear(c["intermediate_size"], true_hidden(c))
        self.LayerNorm = NORM2FN[c["normalization_type"]](true_hidden(c))  # no eps: torch's default
        if self.use_bottleneck:
            self.bottleneck = OutputBottleneck(c)

    def forward(self, intermediate_states, residual_tensor_1, residual_tensor_2):
        layer_output = self.LayerNorm(self.dense(intermediate_states) + residual_tensor_1)
        if self.use_bottleneck:
            layer_output = self.bottleneck(layer_output, residual_tensor_2)
        return layer_output


class BottleneckLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intra_bottleneck_size"])
        self.LayerNorm = NORM2FN[c["normalization_type"]](c["intra_bottleneck_size"], eps=c["layer_norm_eps"])

    def forward(self, hidden_states):
        return self.LayerNorm(self.dense(hidden_states))


class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.key_query_shared_bottleneck = c["key_query_shared_bottleneck"]
        self.use_bottleneck_attention = c["use_bottleneck_attention"]
        self.input = BottleneckLayer(c)
        if self.key_query_shared_bottleneck:
            self.attention = BottleneckLayer(c)

    def forward(self, hidden_states):
        bottlenecked = self.input(hidden_states)
        if self.use_bottleneck_attention:
            return (bottlenecked,) * 4
        if self.key_query_shared_bottleneck:
            shared = self.attention(hidden_states)
            return shared, shared, hidden_states, bottlenecked
        return hidden_states, hidden_states, hidden_states, bottlenecked


class FFNOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], true_hidden(c))
        self.LayerNorm = NORM2FN[c["normalization_type"]](true_hidden(c), eps=c["layer_norm_eps"])

    def forward(self, hidden_states, residual_tensor):
        return self.LayerNorm(self.dense(hidden_states) + residual_tensor)


class FFNLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.intermediate = MobileBertIntermediate(c)
        self.output = FFNOutput(c)

    def forward(self, hidden_states):
        return self.output(self.intermediate(hidden_states), hidden_states)


class MobileBertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.use_bottleneck = c["use_bottleneck"]
        self.attention = MobileBertAttention(c)
        self.intermediate = MobileBertIntermediate(c)
        self.output = MobileBertOutput(c)
        if self.use_bottleneck:
            self.bottleneck = Bottleneck(c)
        if c["num_feedforward_networks"] > 1:
            self.ffn = nn.ModuleList([FFNLayer(c) for _ in range(c["num_feedforward_networks"] - 1)])

    def forward(self, hidden_states, attention_mask):
        if self.use_bottleneck:
            query_tensor, key_tensor, value_tensor, layer_input = self.bottleneck(hidden_states)
        else:
            query_tensor, key_tensor, value_tensor, layer_input = [hidden_states] * 4
        attention_output = self.attention(query_tensor, key_tensor, value_tensor, layer_input, attention_mask)
        for ffn_module in getattr(self, "ffn", []):
            attention_output = ffn_module(attention_output)
        return self.output(self.intermediate(attention_output), attention_output, hidden_states)


class MobileBertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([MobileBertLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, hidden_states, attention_mask):
        for layer in self.layer:
            hidden_states = layer(hidden_states, attention_mask)
        return hidden_states


class MobileBertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.do_activate = c["classifier_activation"]
        if self.do_activate:
            self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, hidden_states):
        first = hidden_states[:, 0]
        return torch.tanh(self.dense(first)) if self.do_activate else first


class MobileBertModel(nn.Module):
    def __init__(self, c, persistent_position_ids=True, add_pooling_layer=True):
        super().__init__()
        self.embeddings = MobileBertEmbeddings(c, persistent_position_ids)
        self.encoder = MobileBertEncoder(c)
        self.pooler = MobileBertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h = self.embeddings(input_ids, token_type_ids)
        h = self.encoder(h, extended_attention_mask(attention_mask, h.dtype))
        return h, (self.pooler(h) if self.pooler is not None else None)


class MobileBertPredictionHeadTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.transform_act_fn = activation(c["hidden_act"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])  # NORM2FN["layer_norm"] always

    def forward(self, h):
        return self.LayerNorm(self.transform_act_fn(self.dense(h)))


class MobileBertLMPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = MobileBertPredictionHeadTransform(c)
        self.dense = nn.Linear(c["vocab_size"], c["hidden_size"] - c["embedding_size"], bias=False)
        self.decoder = nn.Linear(c["embedding_size"], c["vocab_size"], bias=False)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))
        self.decoder.bias = self.bias

    def forward(self, h):
        h = self.transform(h)
        h = h.matmul(torch.cat([self.decoder.weight.t(), self.dense.weight], dim=0))
        return h + self.decoder.bias


class MobileBertOnlyMLMHead(nn.Module):
    """MobileBertForMaskedLM's `cls`; with `nsp` also MobileBertForPreTraining's seq_relationship."""

    def __init__(self, c, nsp=False):
        super().__init__()
        self.predictions = MobileBertLMPredictionHead(c)
        if nsp:
            self.seq_relationship = nn.Linear(c["hidden_size"], 2)

    def forward(self, h):
        return self.predictions(h)


class MobileBertForMaskedLM(nn.Module):
    TIED = {"cls.predictions.decoder.weight": "mobilebert.embeddings.word_embeddings.weight",
            "cls.predictions.decoder.bias": "cls.predictions.bias"}

    def __init__(self, c, persistent_position_ids=True, published=False):
        super().__init__()
        # published=True: with the pooler and the next-sentence head of MobileBertForPreTraining's weights, unused
        self.mobilebert = MobileBertModel(c, persistent_position_ids, add_pooling_layer=published)
        self.cls = MobileBertOnlyMLMHead(c, nsp=published)
        self.cls.predictions.decoder.weight = self.mobilebert.embeddings.word_embeddings.weight

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        h, _ = self.mobilebert(input_ids, attention_mask, token_type_ids)
        return self.cls(h)


# --------------------------------------------------------------------------
# configs as HF writes them
# --------------------------------------------------------------------------

def _labels(c, labels):
    if labels:
        c["id2label"] = {str(i): l for i, l in enumerate(labels)}
        c["label2id"] = {l: i for i, l in enumerate(labels)}
    return c


def bert_config(arch, hidden, heads, layers, inter, vocab, max_pos, type_vocab, eps, labels=None, act="gelu",
                version=TRANSFORMERS_VERSION):
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": act,
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
        "transformers_version": version,
        "type_vocab_size": type_vocab,
        "use_cache": True,
        "vocab_size": vocab,
    }
    return _labels(c, labels)


def distilbert_config(arch, dim, heads, layers, hidden_dim, vocab, max_pos, labels=None, version=TRANSFORMERS_VERSION):
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
        "transformers_version": version,
        "vocab_size": vocab,
    }
    return _labels(c, labels)


def roberta_config(arch, hidden, heads, layers, inter, vocab, max_pos, labels=None, act="gelu", eps=1e-5):
    """RobertaConfig / XLMRobertaConfig as roberta-base and xlm-roberta-base publish them: pad_token_id 1,
    max_position_embeddings = max tokens + 2, one token type, layer_norm_eps 1e-5."""
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": 0,
        "classifier_dropout": None,
        "eos_token_id": 2,
        "hidden_act": act,
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "layer_norm_eps": eps,
        "max_position_embeddings": max_pos,
        "model_type": "xlm-roberta" if arch.startswith("XLM") else "roberta",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION_NEW,
        "type_vocab_size": 1,
        "use_cache": True,
        "vocab_size": vocab,
    }
    return _labels(c, labels)


def electra_config(arch, emb, hidden, heads, layers, inter, vocab, max_pos, labels=None, act="gelu"):
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "embedding_size": emb,
        "hidden_act": act,
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": max_pos,
        "model_type": "electra",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "summary_activation": "gelu",
        "summary_last_dropout": 0.1,
        "summary_type": "first",
        "summary_use_proj": True,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION_NEW,
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": vocab,
    }
    return _labels(c, labels)


def mobilebert_config(arch, emb, hidden, intra, heads, layers, inter, vocab, max_pos, labels=None, **options):
    """MobileBertConfig as google/mobilebert-uncased publishes it (relu, no_norm, trigram input, bottlenecks, four
    feed-forward networks, classifier_activation), with the options given overriding."""
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        "classifier_activation": True,
        "embedding_size": emb,
        "hidden_act": "relu",
        "hidden_dropout_prob": 0.0,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "intra_bottleneck_size": intra,
        "key_query_shared_bottleneck": True,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": max_pos,
        "model_type": "mobilebert",
        "normalization_type": "no_norm",
        "num_attention_heads": heads,
        "num_feedforward_networks": 4,
        "num_hidden_layers": layers,
        "pad_token_id": 0,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION_NEW,
        "trigram_input": True,
        "type_vocab_size": 2,
        "use_bottleneck": True,
        "use_bottleneck_attention": False,
        "vocab_size": vocab,
    }
    for k, v in options.items():
        assert k in c, k
        c[k] = v
    return _labels(c, labels)


def albert_config(arch, emb, hidden, heads, layers, inter, vocab, max_pos, groups=1, inner=1, labels=None):
    """AlbertConfig as albert-base-v2 publishes it (hidden_act gelu_new, no dropout)."""
    c = {
        "architectures": [arch],
        "attention_probs_dropout_prob": 0,
        "bos_token_id": 2,
        "classifier_dropout_prob": 0.1,
        "down_scale_factor": 1,
        "embedding_size": emb,
        "eos_token_id": 3,
        "gap_size": 0,
        "hidden_act": "gelu_new",
        "hidden_dropout_prob": 0,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "inner_group_num": inner,
        "intermediate_size": inter,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": max_pos,
        "model_type": "albert",
        "net_structure_type": 0,
        "num_attention_heads": heads,
        "num_hidden_groups": groups,
        "num_hidden_layers": layers,
        "num_memory_blocks": 0,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION_NEW,
        "type_vocab_size": 2,
        "vocab_size": vocab,
    }
    return _labels(c, labels)


BertForSequenceClassification = pooled_sequence_classifier("BertForSequenceClassification", "bert", BertModel)
BertForTokenClassification = token_classifier("BertForTokenClassification", "bert", BertModel)
RobertaForTokenClassification = token_classifier("RobertaForTokenClassification", "roberta", RobertaModel)
ElectraForTokenClassification = token_classifier("ElectraForTokenClassification", "electra", ElectraModel, no_pooler=False)
AlbertForSequenceClassification = pooled_sequence_classifier("AlbertForSequenceClassification", "albert", AlbertModel,
                                                             "classifier_dropout_prob")
AlbertForTokenClassification = token_classifier("AlbertForTokenClassification", "albert", AlbertModel,
                                                "classifier_dropout_prob")
MobileBertForSequenceClassification = pooled_sequence_classifier("MobileBertForSequenceClassification", "mobilebert",
                                                                 MobileBertModel)
MobileBertForTokenClassification = token_classifier("MobileBertForTokenClassification", "mobilebert", MobileBertModel)


CLASSES = {cls.__name__: cls for cls in (
    BertModel, BertForSequenceClassification, BertForTokenClassification, BertForMaskedLM,
    DistilBertModel, DistilBertForSequenceClassification, DistilBertForTokenClassification, DistilBertForMaskedLM,
    RobertaModel, RobertaForSequenceClassification, RobertaForTokenClassification, RobertaForMaskedLM,
    ElectraModel, ElectraForSequenceClassification, ElectraForTokenClassification, ElectraForPreTraining,
    AlbertModel, AlbertForSequenceClassification, AlbertForTokenClassification, AlbertForMaskedLM,
    MobileBertModel, MobileBertForSequenceClassification, MobileBertForTokenClassification, MobileBertForMaskedLM)}


def build(config, persistent_position_ids, published=False):
    arch = config["architectures"][0]
    cls = CLASSES[arch.replace("XLMRoberta", "Roberta")]  # XLM-RoBERTa's modules are RoBERTa's
    if published:
        return cls(config, persistent_position_ids=persistent_position_ids, published=True)
    return cls(config, persistent_position_ids=persistent_position_ids)


def base_model(model):
    """The base model inside a model with a head (or the model itself)."""
    for prefix in ("bert", "distilbert", "roberta", "electra", "albert", "mobilebert"):
        if hasattr(model, prefix):
            return getattr(model, prefix)
    return model


# model name -> config, and how it is saved: "position_ids" (the buffer saved, as transformers < 4.31 did),
# "tied" ("dedup": the tied decoder names left out, as save_pretrained writes safetensors; "all": every name, as
# torch.save of the state dict keeps them), "published" (BERT masked LM with the pooler and NSP head too)
MODELS = {
    "bert_base": (bert_config("BertModel", 36, 3, 2, 50, 97, 40, 2, 1e-12), dict(position_ids=True)),
    "bert_cls": (bert_config("BertForSequenceClassification", 30, 5, 3, 44, 89, 24, 3, 1e-7,
                             labels=["negative", "neutral", "positive"]), dict(position_ids=False)),
    "distilbert_base": (distilbert_config("DistilBertModel", 36, 3, 2, 50, 97, 40), dict(position_ids=True)),
    "distilbert_cls": (distilbert_config("DistilBertForSequenceClassification", 28, 7, 2, 46, 83, 20,
                                         labels=["anger", "joy", "sadness", "surprise"]), dict(position_ids=True)),
    "bert_tok": (bert_config("BertForTokenClassification", 24, 4, 2, 40, 71, 20, 2, 1e-12,
                             labels=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], version=TRANSFORMERS_VERSION_NEW),
                 dict(position_ids=False)),
    "bert_mlm": (bert_config("BertForMaskedLM", 24, 3, 2, 36, 53, 24, 2, 1e-12, act="gelu_new",
                             version=TRANSFORMERS_VERSION_NEW), dict(position_ids=False, tied="dedup", published=True)),
    "distilbert_tok": (distilbert_config("DistilBertForTokenClassification", 24, 4, 2, 40, 61, 20,
                                         labels=["O", "B-MISC", "I-MISC"], version=TRANSFORMERS_VERSION_NEW),
                       dict(position_ids=False)),
    "distilbert_mlm": (distilbert_config("DistilBertForMaskedLM", 20, 5, 2, 32, 47, 24, version=TRANSFORMERS_VERSION_NEW),
                       dict(position_ids=False, tied="dedup")),
    "roberta_base": (roberta_config("RobertaModel", 24, 4, 2, 40, 67, 22), dict(position_ids=True)),
    "roberta_cls": (roberta_config("RobertaForSequenceClassification", 20, 5, 2, 36, 59, 18,
                                   labels=["negative", "positive"]), dict(position_ids=False)),
    "roberta_tok": (roberta_config("RobertaForTokenClassification", 16, 2, 2, 28, 43, 16,
                                   labels=["O", "B-ORG", "I-ORG", "B-PER"]), dict(position_ids=False)),
    "roberta_mlm": (roberta_config("RobertaForMaskedLM", 24, 4, 2, 32, 53, 20, act="gelu_new"),
                    dict(position_ids=False, tied="dedup")),
    "xlmr_base": (roberta_config("XLMRobertaModel", 20, 4, 2, 32, 61, 18), dict(position_ids=False)),
    "xlmr_cls": (roberta_config("XLMRobertaForSequenceClassification", 16, 4, 2, 24, 57, 20,
                                labels=["contradiction", "entailment", "neutral"]), dict(position_ids=False)),
    "xlmr_tok": (roberta_config("XLMRobertaForTokenClassification", 16, 2, 2, 32, 49, 16,
                                labels=["O", "B-LOC", "I-LOC"]), dict(position_ids=False)),
    "xlmr_mlm": (roberta_config("XLMRobertaForMaskedLM", 20, 2, 2, 28, 45, 18),
                 dict(position_ids=True, tied="all")),
    "electra_base": (electra_config("ElectraModel", 16, 24, 4, 2, 40, 61, 20), dict(position_ids=False)),
    "electra_cls": (electra_config("ElectraForSequenceClassification", 24, 24, 3, 2, 36, 55, 18,
                                   labels=["negative", "positive"], act="gelu_new"), dict(position_ids=False)),
    "electra_tok": (electra_config("ElectraForTokenClassification", 12, 20, 4, 2, 32, 49, 16,
                                   labels=["O", "B-PER", "I-PER"]), dict(position_ids=False)),
    "electra_disc": (electra_config("ElectraForPreTraining", 16, 24, 4, 2, 40, 59, 20), dict(position_ids=False)),
    "albert_base": (albert_config("AlbertModel", 12, 24, 4, 3, 40, 53, 20), dict(position_ids=True)),
    "albert_cls": (albert_config("AlbertForSequenceClassification", 16, 20, 4, 3, 32, 47, 18, groups=2, inner=2,
                                 labels=["negative", "positive"]), dict(position_ids=False)),
    "albert_tok": (albert_config("AlbertForTokenClassification", 16, 16, 2, 2, 28, 41, 16,
                                 labels=["O", "B-LOC", "I-LOC"]), dict(position_ids=False)),
    "albert_mlm": (albert_config("AlbertForMaskedLM", 12, 20, 4, 4, 32, 51, 20),
                   dict(position_ids=True, tied="dedup", published=True)),
    "mobilebert_base": (mobilebert_config("MobileBertModel", 8, 24, 12, 3, 2, 16, 43, 20, classifier_activation=False),
                        dict(position_ids=True)),
    "mobilebert_cls": (mobilebert_config("MobileBertForSequenceClassification", 8, 20, 12, 2, 2, 24, 37, 18,
                                         labels=["negative", "positive"], normalization_type="layer_norm",
                                         use_bottleneck_attention=True, num_feedforward_networks=2),
                       dict(position_ids=False)),
    "mobilebert_tok": (mobilebert_config("MobileBertForTokenClassification", 12, 16, 8, 2, 2, 20, 41, 16,
                                         labels=["O", "B-PER", "I-PER"], trigram_input=False, use_bottleneck=False,
                                         num_feedforward_networks=1, hidden_act="gelu"),
                       dict(position_ids=False)),
    "mobilebert_mlm": (mobilebert_config("MobileBertForMaskedLM", 8, 24, 12, 4, 2, 16, 45, 20,
                                         num_feedforward_networks=3),
                       dict(position_ids=True, tied="dedup", published=True)),
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
    # heads of BERT and DistilBERT
    ("bert_tok_padded", "bert_tok", [9, 4, 7], 9, True, [],
     "BertForTokenClassification (hidden 24, 4 heads, 2 layers, 5 labels): padded batch of 3 with token_type_ids"),
    ("bert_tok_b1", "bert_tok", [20], 20, False, [],
     "BertForTokenClassification, batch 1 of max_position_embeddings (20) tokens"),
    ("bert_mlm_padded", "bert_mlm", [10, 3, 7], 10, False, [],
     "BertForMaskedLM as bert-base-uncased is published (decoder tied to the word embeddings and not in the file;"
     " the pooler and cls.seq_relationship in the file, unused; hidden_act gelu_new): padded batch of 3"),
    ("bert_mlm_b1", "bert_mlm", [6], 6, True, [], "BertForMaskedLM, batch 1 with token_type_ids"),
    ("distilbert_tok_padded", "distilbert_tok", [8, 8, 2], 8, False, [1],
     "DistilBertForTokenClassification (dim 24, 4 heads, 3 labels): padded batch of 3, the second row left-padded"),
    ("distilbert_tok_b1", "distilbert_tok", [5], 5, False, [], "DistilBertForTokenClassification, batch 1"),
    ("distilbert_mlm_padded", "distilbert_mlm", [9, 5, 1], 9, False, [],
     "DistilBertForMaskedLM (dim 20, 5 heads; vocab_projector tied to the word embeddings, only its bias in the"
     " file): padded batch of 3"),
    ("distilbert_mlm_b1", "distilbert_mlm", [24], 24, False, [],
     "DistilBertForMaskedLM, batch 1 of max_position_embeddings (24) tokens"),
    # RoBERTa and XLM-RoBERTa: positions numbered from the padding index 1
    ("roberta_base_padded", "roberta_base", [12, 7, 3], 12, False, [2],
     "RobertaModel (hidden 24, 4 heads, 2 layers, pad_token_id 1, with pooler; position_ids buffer saved): padded"
     " batch of 3, the last row left-padded (its positions still start at 2)"),
    ("roberta_base_b1", "roberta_base", [20], 20, False, [],
     "RobertaModel, batch 1 of max_position_embeddings - 2 = 20 tokens (positions 2..21: the table's last row)"),
    ("roberta_cls_padded", "roberta_cls", [9, 16, 4], 16, False, [],
     "RobertaForSequenceClassification (hidden 20, 5 heads; classifier.dense -> tanh -> classifier.out_proj on <s>):"
     " padded batch of 3"),
    ("roberta_cls_b1", "roberta_cls", [11], 11, False, [], "RobertaForSequenceClassification, batch 1"),
    ("roberta_tok_padded", "roberta_tok", [6, 14, 9], 14, False, [0],
     "RobertaForTokenClassification (hidden 16, 2 heads, 4 labels): padded batch of 3, the first row left-padded"),
    ("roberta_tok_b1", "roberta_tok", [14], 14, False, [], "RobertaForTokenClassification, batch 1 of 14 (the most)"),
    ("roberta_mlm_padded", "roberta_mlm", [8, 5, 12], 12, False, [],
     "RobertaForMaskedLM (hidden_act gelu_new, lm_head's GELU exact; decoder tied and not in the file, lm_head.bias):"
     " padded batch of 3"),
    ("roberta_mlm_b1", "roberta_mlm", [7], 7, False, [], "RobertaForMaskedLM, batch 1"),
    ("xlmr_base_padded", "xlmr_base", [10, 2, 6], 10, False, [1],
     "XLMRobertaModel (hidden 20, 4 heads, with pooler): padded batch of 3, the second row left-padded"),
    ("xlmr_base_b1", "xlmr_base", [16], 16, False, [], "XLMRobertaModel, batch 1 of 16 tokens (the most)"),
    ("xlmr_cls_padded", "xlmr_cls", [5, 11, 8], 11, False, [],
     "XLMRobertaForSequenceClassification (hidden 16, 4 heads, 3 labels): padded batch of 3"),
    ("xlmr_cls_b1", "xlmr_cls", [9], 9, False, [], "XLMRobertaForSequenceClassification, batch 1"),
    ("xlmr_tok_padded", "xlmr_tok", [13, 6, 9], 13, False, [],
     "XLMRobertaForTokenClassification (hidden 16, 2 heads, 3 labels): padded batch of 3"),
    ("xlmr_tok_b1", "xlmr_tok", [4], 4, False, [], "XLMRobertaForTokenClassification, batch 1"),
    ("xlmr_mlm_padded", "xlmr_mlm", [7, 15, 3], 15, False, [0],
     "XLMRobertaForMaskedLM saved with every tied name (lm_head.decoder.weight/.bias beside the word embeddings and"
     " lm_head.bias, as torch.save keeps them) and the position_ids buffer: padded batch of 3, the first row"
     " left-padded"),
    ("xlmr_mlm_b1", "xlmr_mlm", [10], 10, False, [], "XLMRobertaForMaskedLM, batch 1"),
    # ELECTRA discriminators
    ("electra_base_padded", "electra_base", [11, 5, 8], 11, True, [],
     "ElectraModel (embedding_size 16 projected to hidden 24 by embeddings_project, 4 heads): padded batch of 3 with"
     " token_type_ids"),
    ("electra_base_b1", "electra_base", [20], 20, False, [],
     "ElectraModel, batch 1 of max_position_embeddings (20) tokens"),
    ("electra_cls_padded", "electra_cls", [10, 3, 6], 10, False, [],
     "ElectraForSequenceClassification (embedding_size = hidden 24: no projection; hidden_act gelu_new, the"
     " classifier's GELU exact): padded batch of 3"),
    ("electra_cls_b1", "electra_cls", [8], 8, True, [], "ElectraForSequenceClassification, batch 1 with token_type_ids"),
    ("electra_tok_padded", "electra_tok", [7, 12, 2], 12, False, [],
     "ElectraForTokenClassification (embedding_size 12, hidden 20, 4 heads, 3 labels): padded batch of 3"),
    ("electra_tok_b1", "electra_tok", [6], 6, False, [], "ElectraForTokenClassification, batch 1"),
    ("electra_disc_padded", "electra_disc", [9, 9, 4], 9, False, [2],
     "ElectraForPreTraining, the discriminator (embedding_size 16, hidden 24): logits per token (batch, seq),"
     " padded batch of 3, the last row left-padded"),
    ("electra_disc_b1", "electra_disc", [13], 13, True, [], "ElectraForPreTraining, batch 1 with token_type_ids"),
    # ALBERT: factorised embeddings, shared layers
    ("albert_base_padded", "albert_base", [10, 4, 7], 10, True, [1],
     "AlbertModel (embedding_size 12 mapped to hidden 24, 4 heads, one layer applied 3 times, with pooler): padded"
     " batch of 3 with token_type_ids, the second row left-padded"),
    ("albert_base_b1", "albert_base", [20], 20, False, [], "AlbertModel, batch 1 of max_position_embeddings (20) tokens"),
    ("albert_cls_padded", "albert_cls", [9, 12, 3], 12, False, [],
     "AlbertForSequenceClassification (3 layers through 2 groups of 2 inner layers: passes 0, 1 through group 0, pass 2"
     " through group 1, as int(i / 1.5) says; classifier on the pooler): padded batch of 3"),
    ("albert_cls_b1", "albert_cls", [7], 7, True, [], "AlbertForSequenceClassification, batch 1 with token_type_ids"),
    ("albert_tok_padded", "albert_tok", [5, 11, 8], 11, False, [],
     "AlbertForTokenClassification (embedding_size = hidden 16, the mapping still there; 3 labels): padded batch of 3"),
    ("albert_tok_b1", "albert_tok", [16], 16, False, [], "AlbertForTokenClassification, batch 1 of 16 tokens (the most)"),
    ("albert_mlm_padded", "albert_mlm", [8, 13, 2], 13, False, [2],
     "AlbertForMaskedLM as albert-base-v2 is published (one layer applied 4 times; predictions.dense to the embedding"
     " width, decoder tied to the word embeddings and not in the file; the pooler and sop_classifier in the file,"
     " unused): padded batch of 3, the last row left-padded"),
    ("albert_mlm_b1", "albert_mlm", [6], 6, True, [], "AlbertForMaskedLM, batch 1 with token_type_ids"),
    # MobileBERT: trigram embeddings, bottlenecks, NoNorm, stacked FFNs
    ("mobilebert_base_padded", "mobilebert_base", [9, 4, 6], 9, True, [1],
     "MobileBertModel as google/mobilebert-uncased is built (relu, NoNorm, trigram input, shared query/key bottleneck,"
     " 4 feed-forward networks; embedding 8, hidden 24, bottleneck 12, 3 heads; classifier_activation false: the"
     " pooled output is h[:, 0]): padded batch of 3 with token_type_ids, the second row left-padded"),
    ("mobilebert_base_b1", "mobilebert_base", [1], 1, False, [],
     "MobileBertModel, batch 1 of one token: both trigram neighbours are padding zeros"),
    ("mobilebert_cls_padded", "mobilebert_cls", [10, 5, 2], 10, False, [],
     "MobileBertForSequenceClassification (LayerNorm, attention on the bottlenecked states, 2 feed-forward networks,"
     " classifier on tanh(pooler.dense)): padded batch of 3"),
    ("mobilebert_cls_b1", "mobilebert_cls", [18], 18, True, [],
     "MobileBertForSequenceClassification, batch 1 of max_position_embeddings (18) tokens with token_type_ids"),
    ("mobilebert_tok_padded", "mobilebert_tok", [7, 12, 3], 12, False, [2],
     "MobileBertForTokenClassification (no trigram: embedding 12 transformed to hidden 16; no bottleneck; one"
     " feed-forward network; gelu): padded batch of 3, the last row left-padded"),
    ("mobilebert_tok_b1", "mobilebert_tok", [5], 5, False, [], "MobileBertForTokenClassification, batch 1"),
    ("mobilebert_mlm_padded", "mobilebert_mlm", [11, 6, 8], 11, False, [],
     "MobileBertForMaskedLM (4 heads, 3 feed-forward networks; logits = transform(h) @ [word embeddings^T; cls.predictions.dense.weight] + bias, the"
     " decoder tied and not in the file; the pooler and cls.seq_relationship in the file, unused): padded batch of 3"),
    ("mobilebert_mlm_b1", "mobilebert_mlm", [7], 7, True, [], "MobileBertForMaskedLM, batch 1 with token_type_ids"),
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
            elif isinstance(mod, NoNorm):  # it does not normalise: smaller scales keep the stacked residuals O(1)
                p.copy_(_u(p.shape, 0.2, 0.6) if pname == "weight" else _u(p.shape, -0.2, 0.2))
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
        real = torch.randint(1 if pad == 0 else pad + 1, vocab, (n,), generator=gen).numpy()
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


def output_names(arch, n):
    """HF's names of the outputs: a base model's last_hidden_state (and pooler_output when it has the pooler)."""
    if arch.endswith("Model"):
        return ["last_hidden_state", "pooler_output"][:n]
    return ["logits"]


def state_dict_as_saved(model, how):
    """The state dict as the file holds it: with "dedup" the tied decoder names left out (save_pretrained's
    safetensors keep the embedding table and the head's bias), else every name."""
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if how == "dedup":
        for k in type(model).TIED:
            del sd[k]
    return sd


def write_model(dirpath, model, config, opts):
    os.makedirs(dirpath)
    with open(os.path.join(dirpath, "config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    sd = state_dict_as_saved(model, opts.get("tied"))
    for k, v in sd.items():
        assert v.dtype == (torch.int64 if k.endswith("position_ids") else torch.float32), (k, v.dtype)
    safetensors_io.save(os.path.join(dirpath, "model.safetensors"), sd, metadata={"format": "pt"})


def write_case(name, model_name, lengths, seq, token_types, left_padded, description, models, model_dirs):
    config, opts = MODELS[model_name]
    d = os.path.join(OUT_DIR, name)
    os.makedirs(d)
    if model_name not in models:
        torch.manual_seed(zlib.crc32(model_name.encode()) & 0x7FFFFFFF)
        m = build(config, opts["position_ids"], opts.get("published", False))
        randomise(m)
        m.float().eval()
        models[model_name] = m
        write_model(os.path.join(d, "model"), m, config, opts)
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
        "output_names": output_names(arch, len(ref)),
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
    published = any(k.startswith(("cls.seq_relationship.", "sop_classifier.")) for k in tensors)
    model = build(config, persistent_position_ids=bool(pos), published=published)
    for k in pos:
        assert tensors[k].dtype == np.int64 and tensors[k].shape == (1, config["max_position_embeddings"])
        assert np.array_equal(tensors[k][0], np.arange(config["max_position_embeddings"]))
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    for k, partner in getattr(type(model), "TIED", {}).items():
        if k in state:  # saved with every name: the copies must agree
            assert torch.equal(state[k], state[partner]), (name, k, partner)
        else:  # transformers ties them after loading
            state[k] = state[partner]
    model.load_state_dict(state, strict=True)
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
    """The encoder layers against torch.nn.TransformerEncoderLayer (post-LN) with the same weights; RoBERTa's
    position ids against a loop that numbers the tokens by hand."""
    arch = config["architectures"][0]
    if arch.startswith("MobileBert"):
        return mobilebert_check(name, model, config, inputs)
    distil = arch.startswith("DistilBert")
    base = base_model(model)
    ids = torch.from_numpy(inputs["input_ids"])
    mask = torch.from_numpy(inputs["attention_mask"])
    if "Roberta" in arch:
        by_hand = position_ids_by_hand(inputs["input_ids"], config["pad_token_id"])
        assert np.array_equal(create_position_ids_from_input_ids(ids, config["pad_token_id"]).numpy(), by_hand), name
        assert by_hand.max() <= config["max_position_embeddings"] - 1, name
    with torch.no_grad():
        base.double()
        if not distil:
            tt = inputs.get("token_type_ids")
            h = base.embed(ids, None if tt is None else torch.from_numpy(tt))
            layers = base.encoder.applied() if arch.startswith("Albert") else base.encoder.layer
            d, heads, ff = config["hidden_size"], config["num_attention_heads"], config["intermediate_size"]
            eps = config["layer_norm_eps"]
        else:
            h = base.embeddings(ids)
            layers = base.transformer.layer
            d, heads, ff, eps = config["dim"], config["n_heads"], config["hidden_dim"], 1e-12
        act = config["activation"] if distil else config["hidden_act"]
        key_bias = (1.0 - mask.double()) * F32_MIN
        x = h
        for layer in layers:
            x = layer(x, mask) if distil else layer(x, extended_attention_mask(mask, x.dtype))
        ref = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=activation(act), layer_norm_eps=eps,
                                         batch_first=True).double().eval()
        y = h
        for layer in layers:
            if arch.startswith("Albert"):
                a = layer.attention
                q, k, v, o = a.query, a.key, a.value, a.dense
                n1, l1, l2, n2 = a.LayerNorm, layer.ffn, layer.ffn_output, layer.full_layer_layer_norm
            elif not distil:
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


def mobilebert_check(name, model, config, inputs):
    """MobileBERT's layers are not nn.TransformerEncoderLayer's; its trigram embedding is checked instead against
    what the paper says it is: a 1-D convolution of kernel 3 over the token embeddings, zero-padded."""
    if not config["trigram_input"]:
        return
    emb = base_model(model).embeddings
    ids = torch.from_numpy(inputs["input_ids"])
    with torch.no_grad():
        e = emb.word_embeddings.weight.double()[ids]  # (B, S, E)
        trigram = torch.cat([nn.functional.pad(e[:, 1:], [0, 0, 0, 1, 0, 0]), e,
                             nn.functional.pad(e[:, :-1], [0, 0, 1, 0, 0, 0])], dim=2)
        linear = trigram @ emb.embedding_transformation.weight.double().t() + emb.embedding_transformation.bias.double()
        w = emb.embedding_transformation.weight.double()
        n = config["embedding_size"]
        kernel = torch.stack([w[:, 2 * n:], w[:, n:2 * n], w[:, :n]], dim=2)  # tap 0 reads t-1, tap 2 reads t+1
        conv = nn.functional.conv1d(e.transpose(1, 2), kernel, emb.embedding_transformation.bias.double(), padding=1)
    err = float((linear - conv.transpose(1, 2)).abs().max())
    assert err < 1e-9, (name, "trigram embedding vs conv1d", err)


def main():
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):  # the case directories; README.md stays
            if os.path.isdir(os.path.join(OUT_DIR, entry)):
                shutil.rmtree(os.path.join(OUT_DIR, entry))
    os.makedirs(OUT_DIR, exist_ok=True)
    models, model_dirs = {}, {}
    print(f"{'case':28s} {'f64 vs f32':>12s} {'bytes':>8s}")
    for c in CASES:
        diff = write_case(*c, models, model_dirs)
        d = os.path.join(OUT_DIR, c[0])
        size = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(d) for fn in fns)
        print(f"{c[0]:28s} {diff:12.3g} {size:8d}")
    print("verifying (reading everything back, strict load, re-run, cross-check)...")
    for c in CASES:
        verify_case(c[0])
    total = 0
    for dp, _, fns in os.walk(OUT_DIR):
        for fn in fns:
            total += os.path.getsize(os.path.join(dp, fn))
    assert total < 3e6, total
    print(f"{len(CASES)} cases ok; {total / 1e6:.2f} MB in {OUT_DIR}")


if __name__ == "__main__":
    main()
