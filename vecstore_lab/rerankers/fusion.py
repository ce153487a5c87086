"""Score fusion as rerankers: ``RRFReranker`` and ``LinearCombinationReranker``.

Both fuse the vector and full-text lists of a hybrid query (pass one as
``collection.query(..., mode="hybrid", fusion=RRFReranker(k=30))``) and, as rerankers, re-fuse
candidates that already carry ``vector_rank``/``fts_rank`` or ``vector_score``/``fts_score``.
The formulas and the normalisation are documented in ``vecstore_lab.fusion``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import FTS_RANK, FTS_SCORE, VECTOR_RANK, VECTOR_SCORE
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.fusion import check_alpha, fuse, linear_scores, rrf_scores
from vecstore_lab.rerankers._base import with_scores

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["LinearCombinationReranker", "RRFReranker"]


def _column(hits: pa.Table, name: str) -> dict[str, Any]:
    if name not in hits.column_names:
        return {}
    return {
        i: v
        for i, v in zip(hits.column("id").to_pylist(), hits.column(name).to_pylist(), strict=True)
        if v is not None
    }


class RRFReranker:
    """Reciprocal rank fusion: ``Σ 1 / (k + rank)`` over the vector and full-text ranks."""

    name = "rrf"
    needs_vectors = False

    def __init__(self, k: int = 60) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidInputError(f"rrf k must be a positive int, got {k!r}")
        self.k = k

    def config(self) -> dict[str, Any]:
        return {"k": self.k}

    def fuse(self, vector_hits: pa.Table, fts_hits: pa.Table) -> pa.Table:
        return fuse(vector_hits, fts_hits, method="rrf", k=self.k)

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        scores = rrf_scores(_column(hits, VECTOR_RANK), _column(hits, FTS_RANK), k=self.k)
        return with_scores(hits, [scores.get(i, 0.0) for i in hits.column("id").to_pylist()])

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.config() == self.config()  # type: ignore[attr-defined,unused-ignore]

    def __hash__(self) -> int:
        return hash((type(self), self.k))

    def __repr__(self) -> str:
        return f"RRFReranker(k={self.k})"


class LinearCombinationReranker:
    """``alpha · minmax(vector_score) + (1 - alpha) · minmax(fts_score)`` over the candidates."""

    name = "linear"
    needs_vectors = False

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = check_alpha(alpha)

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def fuse(self, vector_hits: pa.Table, fts_hits: pa.Table) -> pa.Table:
        return fuse(vector_hits, fts_hits, method="linear", alpha=self.alpha)

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        scores = linear_scores(
            _column(hits, VECTOR_SCORE), _column(hits, FTS_SCORE), alpha=self.alpha
        )
        return with_scores(hits, [scores.get(i, 0.0) for i in hits.column("id").to_pylist()])

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.config() == self.config()  # type: ignore[attr-defined,unused-ignore]

    def __hash__(self) -> int:
        return hash((type(self), self.alpha))

    def __repr__(self) -> str:
        return f"LinearCombinationReranker(alpha={self.alpha})"
