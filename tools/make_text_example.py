#!/usr/bin/python3
"""Make the bundled text example (examples/text/): a tiny Hugging Face-format
DistilBertForSequenceClassification with a BERT-style WordPiece tokenizer.json.

Run from the repository root (Debian's python3-torch and python3-numpy; neither
`transformers` nor `tokenizers` is needed or used):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_text_example.py

What it writes (examples/text/):

  tokenizer.json     a `tokenizers` (Hugging Face) tokenizer in that library's
                     JSON schema: BertNormalizer (clean text, Chinese chars,
                     strip accents, lowercase), BertPreTokenizer, WordPiece with
                     "##" continuation and [UNK], TemplateProcessing
                     "[CLS] $A [SEP]" (pairs "[CLS] $A [SEP] $B:1 [SEP]:1"),
                     WordPiece decoder; a hand-made uncased vocabulary of a few
                     hundred tokens: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4,
                     ASCII punctuation, digits, letters, review words, and
                     "##" pieces (suffixes, every letter and digit).
  config.json        as transformers' PretrainedConfig writes it (sorted keys,
                     indent 2): DistilBertForSequenceClassification, dim 32,
                     4 heads, 2 layers, hidden_dim 64, max_position_embeddings
                     64, labels negative/positive.
  model.safetensors  F32 weights with HF's DistilBERT tensor names and
                     {"format": "pt"} metadata (no embeddings.position_ids
                     buffer, as transformers >= 4.31 saves it).
  sentences.txt      sample sentences, one per line.
  expected.json      per sentence (in file order): the tokens and input_ids this
                     script's tokenizer produces (a Python re-implementation of
                     the pipeline above, written to match `tokenizers`), and the
                     logits, label and softmax score of the forward below on
                     input_ids with an all-ones attention_mask (batch 1).
  train_log.json     training settings and accuracy.

The model is TRAINED here (1,500 steps of 64 sentences, AdamW, one-cycle lr
2e-3, label smoothing 0.1 so that scores top out near 0.95 instead of 1.0;
one to two minutes on one thread) on a toy task: sentences generated from
templates (subject / adjective / verb / intensifier / negation words of the
vocabulary, random capitals and end punctuation, sometimes two sentences of
the same polarity), labelled positive or negative by the template; negation
("not good", "wasn't bad") flips the label. Held-out accuracy is measured on
2,000 fresh template sentences. The model knows only its vocabulary and these
templates: it is a demonstration, not a sentiment model.

The forward follows transformers' modeling_distilbert (eval mode, eager):
embeddings = LayerNorm(word + position, eps 1e-12); each layer
q = q_lin(x) / sqrt(dim_per_head), scores = q k^T, padded keys (mask 0)
filled with float32's minimum, softmax, out_lin; sa_layer_norm(attn + x);
ffn lin1 -> exact GELU -> lin2; output_layer_norm(ffn + sa); the classifier
takes hidden[:, 0]: pre_classifier -> ReLU -> classifier.
"""
import json
import os
import re
import sys
import time
import unicodedata

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures  # noqa: E402
import safetensors_io  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "examples", "text")
LABELS = ["negative", "positive"]

# --------------------------------------------------------------------------
# vocabulary
# --------------------------------------------------------------------------

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
DIGITS = list("0123456789")
LETTERS = list("abcdefghijklmnopqrstuvwxyz")

SUBJECTS = ["movie", "film", "story", "acting", "plot", "music", "ending", "cast", "book", "food", "service",
            "restaurant", "hotel", "room", "staff", "game", "show", "camera", "phone", "product", "price",
            "script", "director", "pizza", "coffee", "cafe", "place", "experience", "meal", "soundtrack",
            "characters", "dialogue", "view", "app", "battery"]
POS_ADJ = ["good", "great", "excellent", "wonderful", "amazing", "fantastic", "brilliant", "fun", "enjoyable",
           "beautiful", "perfect", "lovely", "charming", "delightful", "superb", "nice", "funny", "clever",
           "fresh", "friendly", "delicious", "cool", "solid", "impressive", "pleasant"]
NEG_ADJ = ["bad", "terrible", "awful", "boring", "poor", "horrible", "dull", "weak", "slow", "bland",
           "mediocre", "rude", "annoying", "stupid", "ugly", "cheap", "broken", "dirty", "sad", "painful",
           "confusing", "noisy", "cold", "overpriced", "disappointing"]
INTENS = ["very", "really", "so", "quite", "truly", "extremely", "pretty", "absolutely", "incredibly"]
FUNCTION = ["the", "a", "an", "this", "that", "it", "was", "is", "were", "are", "i", "we", "my", "our", "and",
            "but", "not", "never", "no", "at", "of", "in", "with", "for", "to", "have", "has", "had", "seen",
            "ever", "would", "will", "one", "time", "again", "all", "too", "just", "what", "how", "honestly",
            "overall", "highly", "definitely", "don", "didn", "wasn", "isn", "wouldn", "best", "worst",
            "mess", "waste", "money", "worth", "love", "like", "enjoy", "hate", "recommend", "regret", "buy",
            "watch", "come", "back", "year", "un", "disappoint", "total", "every", "minute", "penny"]
SUFFIXES = ["##s", "##ed", "##d", "##ing", "##ly", "##er", "##est", "##able", "##ness", "##ful", "##less",
            "##y", "##watch", "##ment"]


def build_vocab():
    toks = SPECIALS + PUNCT + DIGITS + LETTERS
    words = []
    for w in SUBJECTS + POS_ADJ + NEG_ADJ + INTENS + FUNCTION:
        if w not in words and w not in toks:
            words.append(w)
    toks += words + SUFFIXES + ["##" + c for c in DIGITS + LETTERS if "##" + c not in SUFFIXES]
    assert len(toks) == len(set(toks)), "duplicate vocabulary entries"
    return {t: i for i, t in enumerate(toks)}


VOCAB = build_vocab()
INV_VOCAB = {i: t for t, i in VOCAB.items()}

# --------------------------------------------------------------------------
# tokenizer.json (the `tokenizers` library's schema, fields in its serialisation order)
# --------------------------------------------------------------------------


def tokenizer_json():
    added = [{"id": VOCAB[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIALS]
    cls, sep = VOCAB["[CLS]"], VOCAB["[SEP]"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": VOCAB},
    }


# --------------------------------------------------------------------------
# the tokenizer, re-implemented (tokenizers' BertNormalizer, BertPreTokenizer,
# WordPiece, TemplateProcessing; special tokens in the text are matched first)
# --------------------------------------------------------------------------

def _is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def _is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def _is_chinese(c):
    cp = ord(c)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punct(c):
    return (c.isascii() and not c.isalnum() and 0x21 <= ord(c) <= 0x7E) or unicodedata.category(c).startswith("P")


def normalize(text):
    out = []
    for c in text:  # clean_text
        if c == "\0" or c == "\ufffd" or _is_control(c):
            continue
        out.append(" " if _is_whitespace(c) else c)
    text = "".join(f" {c} " if _is_chinese(c) else c for c in out)  # handle_chinese_chars
    # strip_accents: null -> follows lowercase (true)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.lower()


def pre_tokenize(text):
    words = []
    for chunk in text.split():
        cur = ""
        for c in chunk:
            if _is_punct(c):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(c)
            else:
                cur += c
        if cur:
            words.append(cur)
    return words


def wordpiece(word, vocab=VOCAB, unk="[UNK]", prefix="##", max_chars=100):
    if len(word) > max_chars:
        return [unk]
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        cur = None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = prefix + sub
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return [unk]
        pieces.append(cur)
        start = end
    return pieces


_SPECIAL_RE = re.compile("(" + "|".join(re.escape(t) for t in sorted(SPECIALS, key=len, reverse=True)) + ")")


def tokenize(text):
    """text -> (tokens, ids) with [CLS] ... [SEP]."""
    tokens = []
    for part in _SPECIAL_RE.split(text):
        if part in SPECIALS:
            tokens.append(part)
        elif part:
            for w in pre_tokenize(normalize(part)):
                tokens.extend(wordpiece(w))
    tokens = ["[CLS]"] + tokens + ["[SEP]"]
    return tokens, [VOCAB[t] for t in tokens]


# --------------------------------------------------------------------------
# DistilBertForSequenceClassification (names and forward as transformers' modeling_distilbert)
# --------------------------------------------------------------------------

CONFIG = {
    "activation": "gelu",
    "architectures": ["DistilBertForSequenceClassification"],
    "attention_dropout": 0.1,
    "dim": 32,
    "dropout": 0.1,
    "hidden_dim": 64,
    "id2label": {str(i): l for i, l in enumerate(LABELS)},
    "initializer_range": 0.02,
    "label2id": {l: i for i, l in enumerate(LABELS)},
    "max_position_embeddings": 64,
    "model_type": "distilbert",
    "n_heads": 4,
    "n_layers": 2,
    "pad_token_id": 0,
    "problem_type": "single_label_classification",
    "qa_dropout": 0.1,
    "seq_classif_dropout": 0.2,
    "sinusoidal_pos_embds": False,
    "tie_weights_": True,
    "torch_dtype": "float32",
    "transformers_version": "4.44.2",
    "vocab_size": len(VOCAB),
}


def DistilBertForSequenceClassification(config):
    """The torch modules that follow HF's DistilBERT names and structure, shared with tools/make_hf_fixtures.py;
    positions are computed, not saved (no position_ids buffer), as transformers >= 4.31 saves checkpoints."""
    return make_hf_fixtures.DistilBertForSequenceClassification(config, persistent_position_ids=False)


@torch.no_grad()
def init_weights(model, std=0.02):
    """As transformers' DistilBertPreTrainedModel._init_weights."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.weight.normal_(0.0, std)
            m.bias.zero_()
        elif isinstance(m, nn.Embedding):
            m.weight.normal_(0.0, std)
            if m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            m.weight.fill_(1.0)
            m.bias.zero_()


# --------------------------------------------------------------------------
# toy training data
# --------------------------------------------------------------------------

PAST = {"love": "loved", "like": "liked", "enjoy": "enjoyed", "hate": "hated", "regret": "regretted"}
PLURAL_OK = ["movie", "film", "story", "book", "game", "show", "camera", "phone", "product", "room", "meal",
             "characters"]


def sentence(rng, label=None, join=True):
    """One (text, label) pair from the templates (sometimes two sentences of the same label)."""
    ch = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    if label is None:
        label = int(rng.integers(2))
    adjs = POS_ADJ if label else NEG_ADJ
    subj, subj2 = ch(SUBJECTS), ch(SUBJECTS)
    det = ch(["the", "this", "that", "my", "our"])
    be = "was" if rng.random() < 0.6 else "is"
    intens = (ch(INTENS) + " ") if rng.random() < 0.4 else ""
    end = ch([".", "!", "!!", "...", "", " :)" if label else " :("])
    k = int(rng.integers(12))
    if k == 0:
        s = f"{det} {subj} {be} {intens}{ch(adjs)}{end}"
    elif k == 1:
        verb = ch(["love", "like", "enjoy"] if label else ["hate", "regret"])
        s = f"i {ch([PAST[verb], verb])} {det} {subj}{end}"
    elif k == 2:
        adj = ch(adjs)
        s = f"what {'an' if adj[0] in 'aeiou' else 'a'} {intens}{adj} {subj}{end}"
    elif k == 3:  # negation flips the label
        neg_be = ch(["was not", "is not", "wasn't", "isn't", "was never"])
        s = f"{det} {subj} {neg_be} {ch(NEG_ADJ if label else POS_ADJ)}{end}"
    elif k == 4:
        rec = ch(["would recommend", "highly recommend", "definitely recommend", "will come back to"]) if label \
            else ch(["would not recommend", "wouldn't recommend", "would never recommend", "will not come back to"])
        s = f"i {rec} {det} {subj}{end}"
    elif k == 5:
        s = f"{det} {subj} {be} {ch(adjs)} and the {subj2} {be} {intens}{ch(adjs)}{end}"
    elif k == 6:
        lead = ch(["honestly , ", "overall , ", "honestly ", "", ""])
        s = f"{lead}the {'best' if label else 'worst'} {subj} i have {ch(['ever ', ''])}seen{end}"
    elif k == 7:
        s = f"{ch(adjs)} {subj} , {ch(adjs)} {subj2}{end}"
    elif k == 8:
        s = f"the {subj} at the {ch(['cafe', 'café', 'restaurant', 'hotel', 'place'])} {be} {intens}{ch(adjs)}{end}"
    elif k == 9:
        if label:
            s = ch([f"worth every penny{end}", f"{det} {subj} was worth the money{end}",
                    f"i {ch(['loved', 'enjoyed'])} every minute of it{end}"])
        else:
            s = ch([f"what a waste of {ch(['time', 'money'])}{end}", f"a total mess{end}",
                    f"{det} {subj} was a {ch(['waste of money', 'waste of time', 'mess'])}{end}",
                    f"{det} {subj} was unwatchable{end}", f"i was disappointed{end}"])
    elif k == 10:  # short negation flips the label
        s = f"not {ch(['', 'very ', 'really ', 'so '])}{ch(NEG_ADJ if label else POS_ADJ)}{ch(['', ' at all'])}{end}"
    else:
        if subj in PLURAL_OK:
            s = f"the {subj}s were {intens}{ch(adjs)}{end}"
        else:
            s = f"{ch(adjs)} {subj} {ch(adjs)} {ch(['experience', 'time', 'place'])}{end}"
    if join and rng.random() < 0.2:
        s = s + ch([" ", ". ", " , "]) + sentence(rng, label, join=False)[0]
    r = rng.random()
    if r < 0.35:
        s = s[0].upper() + s[1:]
    elif r < 0.42:
        s = s.upper()
    return s, label


def encode_batch(texts, max_len):
    ids = [tokenize(t)[1][:max_len] for t in texts]
    n = max(len(i) for i in ids)
    a = np.zeros((len(ids), n), dtype=np.int64)
    m = np.zeros((len(ids), n), dtype=np.int64)
    for r, i in enumerate(ids):
        a[r, : len(i)] = i
        m[r, : len(i)] = 1
    return torch.from_numpy(a), torch.from_numpy(m)


SENTENCES = [
    "This movie was great!",
    "The acting was terrible and the plot was boring.",
    "I loved it, a wonderful film :)",
    "Not good. I wouldn't recommend this phone.",
    "The coffee at the Café was absolutely delicious!",
    "What an unwatchable, dull mess...",
    "HONESTLY THE BEST SHOW I HAVE EVER SEEN",
    "The pizza was cold and the room cost 200€ 🙂",
    "Our hotel room was incredibly noisy; 2/10, would never come back.",
    "the soundtrack is pretty impressive",
]


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = DistilBertForSequenceClassification(CONFIG)
    init_weights(model)
    steps, bs, max_len = 1500, 64, CONFIG["max_position_embeddings"]
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.1)
    t0 = time.time()
    run_acc = 0.5
    for step in range(1, steps + 1):
        model.train()
        texts, labels = zip(*(sentence(rng) for _ in range(bs)))
        ids, mask = encode_batch(texts, max_len)
        logits = model(ids, mask)
        loss = F.cross_entropy(logits, torch.tensor(labels), label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run_acc = 0.98 * run_acc + 0.02 * float((logits.argmax(1) == torch.tensor(labels)).float().mean())
        if step % 500 == 0:
            print(f"step {step}/{steps}: loss {float(loss):.4f}, train acc {run_acc:.4f}, {time.time() - t0:.0f}s",
                  flush=True)
    train_seconds = time.time() - t0
    model.eval()
    trng = np.random.default_rng(1000)
    test = [sentence(trng) for _ in range(2000)]
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test), 250):
            texts, labels = zip(*test[i : i + 250])
            ids, mask = encode_batch(texts, max_len)
            correct += int((model(ids, mask).argmax(1) == torch.tensor(labels)).sum())
    acc = correct / len(test)
    print(f"held-out accuracy on {len(test)} fresh template sentences: {acc:.4f}; trained {train_seconds:.0f}s")

    # ---- write --------------------------------------------------------------
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        f.write(json.dumps(CONFIG, indent=2, sort_keys=True) + "\n")
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(tokenizer_json(), indent=2, ensure_ascii=False) + "\n")
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    st_path = os.path.join(OUT, "model.safetensors")
    safetensors_io.save(st_path, sd, metadata={"format": "pt"})
    safetensors_io.check_layout(st_path)
    with open(os.path.join(OUT, "sentences.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(SENTENCES) + "\n")

    # ---- read back and compute the expectations -------------------------------
    t, meta = safetensors_io.load(st_path)
    assert meta == {"format": "pt"}
    names = sorted(t)
    d = CONFIG["dim"]
    want = {"distilbert.embeddings.word_embeddings.weight": [len(VOCAB), d],
            "distilbert.embeddings.position_embeddings.weight": [64, d],
            "distilbert.embeddings.LayerNorm.weight": [d], "distilbert.embeddings.LayerNorm.bias": [d],
            "pre_classifier.weight": [d, d], "pre_classifier.bias": [d],
            "classifier.weight": [2, d], "classifier.bias": [2]}
    for i in range(CONFIG["n_layers"]):
        p = f"distilbert.transformer.layer.{i}."
        for lin in ("q_lin", "k_lin", "v_lin", "out_lin"):
            want[p + f"attention.{lin}.weight"] = [d, d]
            want[p + f"attention.{lin}.bias"] = [d]
        for ln in ("sa_layer_norm", "output_layer_norm"):
            want[p + f"{ln}.weight"] = [d]
            want[p + f"{ln}.bias"] = [d]
        want[p + "ffn.lin1.weight"] = [64, d]
        want[p + "ffn.lin1.bias"] = [64]
        want[p + "ffn.lin2.weight"] = [d, 64]
        want[p + "ffn.lin2.bias"] = [d]
    assert {k: list(v.shape) for k, v in t.items()} == want, sorted(set(names) ^ set(want))
    with open(os.path.join(OUT, "config.json")) as f:
        config = json.load(f)
    m2 = DistilBertForSequenceClassification(config)
    m2.load_state_dict({k: torch.from_numpy(v) for k, v in t.items()}, strict=True)
    m2.eval()
    with open(os.path.join(OUT, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    assert tj["model"]["vocab"] == VOCAB and list(tj["model"]["vocab"].values()) == list(range(len(VOCAB)))
    with open(os.path.join(OUT, "sentences.txt"), encoding="utf-8") as f:
        sentences = f.read().splitlines()
    assert sentences == SENTENCES

    expected = {}
    all_ids = []
    for s in sentences:
        tokens, ids = tokenize(s)
        all_ids.append(ids)
        x = torch.tensor([ids])
        with torch.no_grad():
            logits = m2(x, torch.ones_like(x))[0]
            l64 = m2.double()(x, torch.ones_like(x))[0]
            m2.float()
        assert float((logits.double() - l64).abs().max()) < 1e-4
        probs = torch.softmax(logits, 0)
        top = int(probs.argmax())
        expected[s] = {"tokens": tokens, "input_ids": ids, "label": LABELS[top], "score": float(probs[top]),
                       "logits": [float(v) for v in logits]}
        print(f"{LABELS[top]:8s} {float(probs[top]):.4f}  {s}\n    {ids}\n    {' '.join(tokens)}")
    # a right-padded batch of all sentences gives the same logits
    n = max(len(i) for i in all_ids)
    ids = torch.zeros((len(all_ids), n), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, i in enumerate(all_ids):
        ids[r, : len(i)] = torch.tensor(i)
        mask[r, : len(i)] = 1
    with torch.no_grad():
        batch_logits = m2(ids, mask)
    single = torch.tensor([expected[s]["logits"] for s in sentences])
    print(f"padded batch vs one at a time: max |diff| {float((batch_logits - single).abs().max()):.2e}")
    assert torch.allclose(batch_logits, single, atol=1e-5)

    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(OUT, "train_log.json"), "w") as f:
        json.dump({"held_out_accuracy": acc, "held_out": len(test), "steps": steps, "batch": bs,
                   "train_seconds": round(train_seconds), "vocab_size": len(VOCAB),
                   "parameters": int(sum(v.size for v in t.values())), "torch": torch.__version__}, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"vocabulary {len(VOCAB)} tokens; examples/text: {total} bytes")


if __name__ == "__main__":
    main()
