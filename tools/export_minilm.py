#!/usr/bin/python3
"""Export a MiniLM-size sentence-transformer for the embedding-throughput benchmark (bench/embed-throughput).

    /usr/bin/python3 tools/export_minilm.py [--out bench/models/minilm]

The model has all-MiniLM-L6-v2's shape: a BertModel of 6 layers, hidden 384, 12 heads, intermediate 1536, vocab
30522, max_position_embeddings 512 (the BERT modules of tools/make_hf_fixtures.py, HF's tensor names), then mean
pooling and Normalize (sentence-transformers' modules); random weights from a fixed seed (the speed does not depend on
them). Writes, in --out:

  model/            the sentence-transformers directory (config.json, model.safetensors, modules.json,
                    1_Pooling/config.json, sentence_bert_config.json)
  model.onnx        the same network, torch.onnx.export (opset 14), inputs input_ids and attention_mask (int64,
                    dynamic batch and sequence), output sentence_embedding
  in_input_ids_b32.npy, in_attention_mask_b32.npy
                    one batch of 32 texts padded to 128 tokens (real lengths 24..128, random ids)
  out_sentence_embedding_b32.npy
                    PyTorch's embeddings of that batch, computed in float64 from the float32 weights
"""
import argparse
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures as hf  # noqa: E402
import make_st_fixtures as st  # noqa: E402

torch.set_num_threads(1)
CONFIG = hf.bert_config("BertModel", 384, 12, 6, 1536, 30522, 512, 2, 1e-12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(hf.ROOT, "bench", "models", "minilm"))
    out = ap.parse_args().out
    torch.manual_seed(20251206)
    m = st.EmbeddingOnly(CONFIG, hf.BertModel(CONFIG, persistent_position_ids=False), ["mean_tokens"], None, True)
    with torch.no_grad():
        hf.randomise(m)
        for p in m.parameters():  # trained BERTs keep activations moderate: scale the random weights like one
            if p.dim() == 2 and p.shape[0] != CONFIG["vocab_size"]:
                p.mul_(0.5)
    m.float().eval()
    d = os.path.join(out, "model")
    if os.path.isdir(d):
        import shutil
        shutil.rmtree(d)
    hf.write_model(d, m.base, CONFIG, {})
    os.makedirs(os.path.join(d, "1_Pooling"))
    with open(os.path.join(d, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": 384, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
                   "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}, f, indent=2)
    with open(os.path.join(d, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
                  f, indent=2)
    with open(os.path.join(d, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": 256, "do_lower_case": False}, f, indent=2)

    gen = torch.Generator().manual_seed(7)
    b, seq = 32, 128
    lengths = torch.randint(24, seq + 1, (b,), generator=gen)
    lengths[0] = seq
    ids = torch.zeros(b, seq, dtype=torch.long)
    mask = torch.zeros(b, seq, dtype=torch.long)
    for i, n in enumerate(lengths.tolist()):
        ids[i, :n] = torch.randint(1000, CONFIG["vocab_size"], (n,), generator=gen)
        ids[i, 0], ids[i, n - 1] = 101, 102
        mask[i, :n] = 1
    np.save(os.path.join(out, "in_input_ids_b32.npy"), ids.numpy().astype("<i8"))
    np.save(os.path.join(out, "in_attention_mask_b32.npy"), mask.numpy().astype("<i8"))
    with torch.no_grad():
        ref = m.double()(ids, mask).float().numpy()
    m.float()
    np.save(os.path.join(out, "out_sentence_embedding_b32.npy"), np.ascontiguousarray(ref, dtype="<f4"))
    torch.onnx.export(m, (ids[:2], mask[:2]), os.path.join(out, "model.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                    "sentence_embedding": {0: "batch"}})
    print("wrote", out, "(lengths", sorted(lengths.tolist()), ")")


if __name__ == "__main__":
    main()
