"""Benchmark: faster ways to embed than all-MiniLM-L6-v2 in numpy, quality beside speed.

Each question of PubMedQA PQA-L and MedQuAD CDC+NHLBI must find its own document (MRR@10 over
documents), dense-only and fused with BM25 (bm25s over the same passages, RRF k=60 over the top
100 of each, as Curbside fuses). Speed is passages per second over the same sample of passages
for every option. The options, against MiniLM in numpy at batch 32 (Curbside's dense retriever as
it was first measured; the baseline, run first in the same process):

- MiniLM in numpy at batch 1, 4, 8 and 128: the same vectors, so speed only;
- MiniLM in torch, float32, and int8 (dynamic quantisation of every Linear layer);
- static: a model2vec model distilled from the same weights (token vectors averaged, PCA to 256
  dims; no transformer at ingest or query time), read from --static, or distilled there first.

The torch and static options need torch, transformers and model2vec, which Curbside does not
install: `make bench-embed` builds them a separate environment (.venv-bench; torch 2.13.0 CPU) and
runs this script there. Without them those options are skipped and say why.

    python bench/bench_embed_options.py [--static P] [--limit N] [--speed-sample N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from curbside.ingest.readers import read_file
from curbside.retrieve.embedding import MiniLM, model_dir
from curbside.retrieve.fusion import rrf

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
K = 10
CANDIDATES = 100  # per retriever before fusion (Curbside's default)
SETS = {
    "PubMedQA": [DATA / "pubmedqa" / "ori_pqal.json"],
    "MedQuAD": [DATA / "medquad" / "9_CDC_QA", DATA / "medquad" / "8_NHLBI_QA_XML"],
}

Embed = Callable[[list[str]], Any]


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


class TorchMiniLM:
    """The same model in torch (transformers' BertModel), float32 or int8-quantised Linears, fed
    the numpy encoder's own length-sorted batches and mean-pooled as it does."""

    def __init__(self, int8: bool, batch: int = 32) -> None:
        self.torch: Any = importlib.import_module("torch")
        transformers: Any = importlib.import_module("transformers")
        model = transformers.AutoModel.from_pretrained(str(model_dir())).eval()
        if int8:
            model = self.torch.ao.quantization.quantize_dynamic(
                model, {self.torch.nn.Linear}, dtype=self.torch.qint8
            )
        self.model = model
        self.batching = MiniLM(model_dir(), batch=batch)

    def embed(self, texts: list[str]) -> Any:
        torch = self.torch
        out = np.zeros((len(texts), MiniLM.dim), dtype=np.float32)
        with torch.inference_mode():
            for rows, ids, mask in self.batching.batches(texts):
                weights = torch.from_numpy(mask)
                hidden = self.model(
                    input_ids=torch.from_numpy(ids), attention_mask=weights.long()
                ).last_hidden_state
                pooled = (hidden * weights.unsqueeze(-1)).sum(1) / weights.sum(1, keepdim=True)
                out[rows] = torch.nn.functional.normalize(pooled, dim=1).numpy()
        return out


def distilled(path: Path) -> Path:
    """The static model at `path`, distilled there from the bundled weights when missing."""
    if not (path / "model.safetensors").is_file():
        distill: Any = importlib.import_module("model2vec.distill").distill
        start = time.perf_counter()
        distill(model_name=str(model_dir()), pca_dims=256).save_pretrained(str(path))
        print(f"distilled a static model into {path} in {time.perf_counter() - start:.0f} s")
    return path


def options(static: Path | None) -> dict[str, tuple[Embed, bool]]:
    """Option name -> (embed function, whether its quality is measured; batch variants give
    the baseline's own vectors)."""
    found: dict[str, tuple[Embed, bool]] = {
        "MiniLM numpy b32 (baseline)": (MiniLM(model_dir(), batch=32).embed, True),
        **{
            f"MiniLM numpy b{n}": (MiniLM(model_dir(), batch=n).embed, False)
            for n in (1, 4, 8, 128)
        },
    }
    try:
        found["MiniLM torch fp32"] = (TorchMiniLM(int8=False).embed, True)
        found["MiniLM torch int8"] = (TorchMiniLM(int8=True).embed, True)
    except ImportError as exc:
        print(f"torch options skipped: {exc} (make bench-embed installs them)")
    if static is not None:
        try:
            found["static (model2vec)"] = (Static(distilled(static)).embed, True)
        except ImportError as exc:
            print(f"static option skipped: {exc} (make bench-embed installs model2vec)")
    return found


def load_set(paths: list[Path], limit: int | None) -> tuple[list[str], list[str], list[str]]:
    """(passage texts, the document key of each passage, questions in document order)."""
    texts: list[str] = []
    keys: list[str] = []
    questions: list[str] = []
    for path in paths:
        for file in sorted(path.rglob("*.xml")) if path.is_dir() else [path]:
            for doc in read_file(file):
                if limit is not None and len(questions) == limit:
                    return texts, keys, questions
                questions.append(doc.title)
                for p in doc.passages:
                    texts.append(p.text)
                    keys.append(doc.key)
    return texts, keys, questions


def bm25_rankings(texts: list[str], questions: list[str]) -> list[list[tuple[int, float]]]:
    import bm25s

    index = bm25s.BM25()
    index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize(questions, stopwords="en", show_progress=False)
    ids, scores = index.retrieve(tokens, k=min(CANDIDATES, len(texts)), show_progress=False)
    return [
        [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True)]
        for row_ids, row_scores in zip(ids, scores, strict=True)
    ]


def mrr(rankings: list[list[tuple[int, float]]], keys: list[str]) -> float:
    """MRR@10 over documents; question n wants the n-th document."""
    docs = list(dict.fromkeys(keys))
    total = 0.0
    for n, ranking in enumerate(rankings):
        ranked = list(dict.fromkeys(keys[i] for i, _ in ranking))[:K]
        if docs[n] in ranked:
            total += 1 / (ranked.index(docs[n]) + 1)
    return total / len(rankings)


def timed(embed: Embed, sample: list[str]) -> tuple[float, Any]:
    """Passages per second, and the vectors (after a warm-up call)."""
    embed(sample[:4])
    start = time.perf_counter()
    vectors = embed(sample)
    return len(sample) / (time.perf_counter() - start), vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", type=Path, help="a model2vec folder (distilled when empty)")
    parser.add_argument("--limit", type=int, help="questions (documents) per set")
    parser.add_argument("--speed-sample", type=int, default=512, help="passages timed per option")
    args = parser.parse_args()
    models = options(args.static)
    for name, paths in SETS.items():
        texts, keys, questions = load_set(paths, args.limit)
        # Every option is timed on the same passages: every n-th, so lengths are representative.
        sample = texts[:: max(1, len(texts) // args.speed_sample)][: args.speed_sample]
        lexical = bm25_rankings(texts, questions)
        print(
            f"\n{name}: {len(questions)} questions, {len(texts)} passages "
            f"(speed on {len(sample)}); BM25 alone MRR@10 {mrr(lexical, keys):.3f}"
        )
        base: dict[str, Any] = {}
        for label, (embed, measure_quality) in models.items():
            rate, vectors = timed(embed, sample)
            base.setdefault("speed", rate)
            base.setdefault("vectors", vectors)
            agree = (
                f"cosine to baseline {float(np.mean(np.sum(vectors * base['vectors'], 1))):.4f}"
                if vectors.shape == base["vectors"].shape
                else "other vector space"
            )
            line = f"  {label:<28} {rate:8,.0f} passages/s ({rate / base['speed']:6.1f}x)"
            if measure_quality:
                scores = embed(questions) @ embed(texts).T
                top = np.argsort(-scores, axis=1)[:, :CANDIDATES]
                dense = [
                    [(int(i), float(row[i])) for i in ids]
                    for row, ids in zip(scores, top, strict=True)
                ]
                fused = [rrf([d, lex]) for d, lex in zip(dense, lexical, strict=True)]
                quality = (mrr(dense, keys), mrr(fused, keys))
                base.setdefault("quality", quality)
                line += (
                    f"  dense MRR@10 {quality[0]:.3f} ({quality[0] / base['quality'][0]:.2f}x)"
                    f"  hybrid {quality[1]:.3f} ({quality[1] / base['quality'][1]:.2f}x)"
                )
            line += f"  {agree}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
