"""A deterministic, offline embedder based on feature hashing (for tests and demos)."""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.embedders._checks import check_texts
from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab.embedders._protocol import FloatMatrix, FloatVector

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Hashes lower-cased word unigrams and bigrams into ``dim`` signed buckets.

    Same text, same vector, on every machine and in every process: no model, no network.
    Texts sharing words end up close under cosine similarity, which makes ranking in tests
    predictable. It knows nothing of meaning; use ``SentenceTransformerEmbedder`` for that.

    Examples:
        >>> e = HashEmbedder(dim=64)
        >>> e.embed_documents(["a cat", "a dog"]).shape
        (2, 64)
    """

    name = "hashing"

    def __init__(self, dim: int = 384, *, bigrams: bool = True) -> None:
        if not isinstance(dim, int) or dim < 2:
            raise InvalidInputError(f"dim must be an int >= 2, got {dim!r}")
        self._dim = dim
        self.bigrams = bigrams

    @property
    def dim(self) -> int:
        return self._dim

    def config(self) -> dict[str, Any]:
        return {"dim": self._dim, "bigrams": self.bigrams}

    def tokenize(self, text: str) -> list[str]:
        """Lower-cased word tokens, as used for hashing and ``count_tokens``."""
        return _TOKEN.findall(text.lower())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of word tokens in each text."""
        return [len(self.tokenize(t)) for t in texts]

    def _embed_one(self, text: str) -> FloatVector:
        vec = np.zeros(self._dim, dtype=np.float32)
        words = self.tokenize(text)
        features = list(words)
        if self.bigrams:
            features += [f"{a} {b}" for a, b in itertools.pairwise(words)]
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            h = int.from_bytes(digest, "little")
            vec[h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            # Text without word characters: fall back to a fixed unit vector, never NaN.
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: Sequence[str]) -> FloatMatrix:
        checked = check_texts(texts)
        if not checked:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([self._embed_one(t) for t in checked])

    def embed_query(self, text: str) -> FloatVector:
        return np.asarray(self.embed_documents([text])[0], dtype=np.float32)

    def __repr__(self) -> str:
        return f"HashEmbedder(dim={self._dim})"
