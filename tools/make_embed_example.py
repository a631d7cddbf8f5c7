#!/usr/bin/python3
"""Make the bundled sentence-embedding example (examples/embed/): a tiny
sentence-transformers model (BERT → mean pooling → Normalize) with a
BERT-style WordPiece tokenizer.json, TRAINED here.

Run from the repository root (Debian's python3-torch and python3-numpy;
neither `sentence-transformers`, `transformers` nor `tokenizers` is used):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_embed_example.py

The task: short sentences that say one thing about one thing ("my puppy is
asleep", "the dog is sleeping") should embed close together, and sentences
that differ in the thing or in what is said about it should not. Sentences are
generated from 12 subjects and 12 predicates, each with two to four wordings
(synonyms, phrasings) and a few determiners and endings; a meaning is a
(subject, predicate) pair, 144 of them. Training (contrastive, in-batch
negatives as sentence-transformers' MultipleNegativesRankingLoss: two fresh
wordings of the same meaning are a positive pair, the other meanings of the
batch are the negatives, cosine similarity / 0.05, cross-entropy) runs 1,500
steps of 64 pairs, AdamW, one-cycle lr 2e-3; about a minute on one thread.
Twelve meanings are held out of training; the log reports, for fresh wordings,
how often the nearest of all 144 meanings' wordings is a wording of the same
meaning, on training and held-out meanings.

What it writes (examples/embed/), as sentence-transformers' save() lays it out:
config.json (BertModel: hidden 64, 4 heads, 2 layers, intermediate 128,
max_position_embeddings 32), model.safetensors (HF's BERT tensor names, the
pooler included), tokenizer.json (the schema and pipeline of
tools/make_text_example.py, this vocabulary), modules.json (Transformer,
Pooling at 1_Pooling, Normalize at 2_Normalize), 1_Pooling/config.json (mean),
sentence_bert_config.json (max_seq_length 32), sentences.txt (the README's
sentences), expected.json (their token ids and embeddings, computed here in
float64 with this script's tokenizer), train_log.json.
"""
import json
import os
import random
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures as hf  # noqa: E402
import make_st_fixtures as st  # noqa: E402
import make_text_example as te  # noqa: E402
import safetensors_io  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(hf.ROOT, "examples", "embed")

SUBJECTS = {
    "dog": ["dog", "puppy", "hound"], "cat": ["cat", "kitten"], "car": ["car", "automobile", "vehicle"],
    "bike": ["bike", "bicycle"], "phone": ["phone", "smartphone", "mobile"], "laptop": ["laptop", "computer", "notebook"],
    "soup": ["soup", "stew"], "coffee": ["coffee", "espresso"], "train": ["train", "railway"],
    "garden": ["garden", "yard"], "song": ["song", "tune", "melody"], "river": ["river", "stream"],
}
PREDICATES = {
    "sleep": ["is sleeping", "is asleep", "is taking a nap"], "fast": ["is fast", "is quick", "moves quickly"],
    "broken": ["is broken", "does not work", "stopped working"], "red": ["is red", "is crimson", "is scarlet"],
    "cold": ["is cold", "is freezing", "is chilly"], "loud": ["is loud", "is noisy", "makes a lot of noise"],
    "new": ["is new", "is brand new", "was just bought"], "dirty": ["is dirty", "is filthy", "needs cleaning"],
    "cheap": ["is cheap", "costs little", "is inexpensive"], "lost": ["is lost", "is missing", "cannot be found"],
    "tiny": ["is tiny", "is very small", "is little"], "beautiful": ["is beautiful", "is lovely", "looks pretty"],
}
DETERMINERS = ["the", "my", "our", "this", "that", "your"]
ENDINGS = ["", "", " today", " again", " now", "!", "."]
MEANINGS = [(s, p) for s in SUBJECTS for p in PREDICATES]
HELD_OUT = set(random.Random(7).sample(range(len(MEANINGS)), 12))


def wording(rng, meaning):
    s, p = meaning
    text = f"{rng.choice(DETERMINERS)} {rng.choice(SUBJECTS[s])} {rng.choice(PREDICATES[p])}{rng.choice(ENDINGS)}"
    return text[0].upper() + text[1:] if rng.random() < 0.5 else text


def build_vocab():
    words = []
    for ws in list(SUBJECTS.values()) + list(PREDICATES.values()) + [DETERMINERS]:
        for phrase in ws:
            for w in phrase.split():
                if w not in words:
                    words.append(w)
    words += ["today", "again", "now"]
    toks = te.SPECIALS + te.PUNCT + te.DIGITS + te.LETTERS
    toks += [w for w in words if w not in toks]
    toks += ["##" + c for c in te.DIGITS + te.LETTERS] + ["##ing", "##ed", "##ly"]
    assert len(toks) == len(set(toks)), [t for t in toks if toks.count(t) > 1]
    return {t: i for i, t in enumerate(toks)}


VOCAB = build_vocab()
CONFIG = hf.bert_config("BertModel", 64, 4, 2, 128, len(VOCAB), 32, 2, 1e-12)


def ids(text):
    toks = ["[CLS]"] + [p for w in te.pre_tokenize(te.normalize(text)) for p in te.wordpiece(w, vocab=VOCAB)] + ["[SEP]"]
    return [VOCAB[t] for t in toks[:CONFIG["max_position_embeddings"]]]


def batch(texts):
    rows = [ids(t) for t in texts]
    n = max(len(r) for r in rows)
    x = torch.zeros(len(rows), n, dtype=torch.long)
    m = torch.zeros(len(rows), n, dtype=torch.long)
    for i, r in enumerate(rows):
        x[i, :len(r)] = torch.tensor(r)
        m[i, :len(r)] = 1
    return x, m


def retrieval(model, rng, meanings):
    """For a fresh wording of each meaning in `meanings`: is the nearest of one fresh wording per meaning its own?"""
    model.eval()
    with torch.no_grad():
        pool = model(*batch([wording(rng, m) for m in MEANINGS]))
        queries = model(*batch([wording(rng, MEANINGS[i]) for i in meanings]))
        best = (queries @ pool.T).argmax(1)
    model.train()
    return float((best == torch.tensor(meanings)).float().mean())


def main():
    torch.manual_seed(0)
    rng = random.Random(0)
    model = st.EmbeddingOnly(CONFIG, hf.BertModel(CONFIG, persistent_position_ids=False), ["mean_tokens"], None, True)
    with torch.no_grad():
        te.init_weights(model)
    steps, bs = 1500, 64
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    train = [i for i in range(len(MEANINGS)) if i not in HELD_OUT]
    t0 = time.time()
    model.train()
    for step in range(steps):
        chosen = rng.sample(train, bs)
        a = model(*batch([wording(rng, MEANINGS[i]) for i in chosen]))
        p = model(*batch([wording(rng, MEANINGS[i]) for i in chosen]))
        loss = F.cross_entropy(a @ p.T / 0.05, torch.arange(bs))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == steps - 1:
            print(f"step {step:5d} loss {loss.item():.4f}")
    seconds = time.time() - t0
    eval_rng = random.Random(12345)
    seen = np.mean([retrieval(model, eval_rng, train) for _ in range(10)])
    held = np.mean([retrieval(model, eval_rng, sorted(HELD_OUT)) for _ in range(10)])
    print(f"nearest-wording accuracy: training meanings {seen:.3f}, held-out meanings {held:.3f} ({seconds:.0f} s)")

    if os.path.isdir(OUT):  # what this script writes; README.md stays
        for dp, dns, fns in os.walk(OUT, topdown=False):
            for fn in fns:
                if dp != OUT or fn != "README.md":
                    os.remove(os.path.join(dp, fn))
            for dn in dns:
                os.rmdir(os.path.join(dp, dn))
    model.eval().float()
    staging = OUT + ".model"
    hf.write_model(staging, model.base, CONFIG, {})
    for fn in os.listdir(staging):
        os.replace(os.path.join(staging, fn), os.path.join(OUT, fn))
    os.rmdir(staging)
    tok = te.tokenizer_json()
    tok["model"]["vocab"] = VOCAB
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    os.makedirs(os.path.join(OUT, "1_Pooling"))
    with open(os.path.join(OUT, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": 64, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
                   "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
                   "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True},
                  f, indent=2)
    with open(os.path.join(OUT, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
                  f, indent=2)
    with open(os.path.join(OUT, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": 32, "do_lower_case": False}, f, indent=2)
    sentences = ["My puppy is asleep", "The dog is sleeping.", "The cat is taking a nap", "Our car is fast",
                 "this vehicle moves quickly!", "The phone stopped working", "my smartphone is broken today",
                 "The coffee is cold", "that espresso is freezing", "The song is beautiful"]
    with open(os.path.join(OUT, "sentences.txt"), "w") as f:
        f.write("\n".join(sentences) + "\n")
    model.double()
    with torch.no_grad():
        expected = [{"text": s, "input_ids": ids(s),
                     "embedding": [round(float(v), 7) for v in model(*batch([s]))[0]]} for s in sentences]
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "train_log.json"), "w") as f:
        json.dump({"steps": steps, "batch_pairs": bs, "seconds": round(seconds), "loss_last": round(loss.item(), 4),
                   "meanings": len(MEANINGS), "held_out_meanings": sorted(HELD_OUT),
                   "nearest_wording_accuracy_training_meanings": round(float(seen), 3),
                   "nearest_wording_accuracy_held_out_meanings": round(float(held), 3),
                   "torch": torch.__version__}, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
