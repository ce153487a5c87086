"""Maximal Marginal Relevance: trade relevance for diversity among the hits' vectors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import RERANK_SCORE
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.rerankers._base import with_scores

__all__ = ["MMRReranker"]


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.asarray(x / np.where(norms == 0, 1.0, norms), dtype=np.float64)


class MMRReranker:
    """Greedy MMR (Carbonell & Goldstein, 1998) over cosine similarities.

    Each step picks the hit maximising ``lambda_ · sim(query, d) - (1 - lambda_) · max sim(d, s)``
    over the already picked ``s``. ``lambda_=1`` keeps pure relevance order; lower values push
    near-duplicates of earlier picks down. ``_rerank_score`` is the MMR value at the moment a hit
    was picked, so it decreases down the list.
    """

    name = "mmr"
    needs_vectors = True

    def __init__(self, lambda_: float = 0.5) -> None:
        if not 0.0 <= lambda_ <= 1.0:
            raise InvalidInputError(f"lambda_ must be within [0, 1], got {lambda_}")
        self.lambda_ = lambda_

    def config(self) -> dict[str, Any]:
        return {"lambda_": self.lambda_}

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        n = hits.num_rows
        if n == 0:
            return with_scores(hits, [])
        if "vector" not in hits.column_names or query_vector is None:
            raise InvalidInputError(
                "MMRReranker needs the hits' vectors and the query vector (a collection with "
                "an embedder, or query(vector=...))"
            )
        docs = _unit(np.asarray(hits.column("vector").to_pylist(), dtype=np.float64))
        relevance = docs @ _unit(np.asarray(query_vector, dtype=np.float64))
        pairwise = docs @ docs.T
        picked: list[int] = []
        scores = np.zeros(n)  # the MMR value of each hit when it was picked
        redundancy = np.full(n, -np.inf)
        remaining = list(range(n))
        while remaining:
            penalty = np.where(np.isfinite(redundancy[remaining]), redundancy[remaining], 0.0)
            values = self.lambda_ * relevance[remaining] - (1 - self.lambda_) * penalty
            best = remaining[int(np.argmax(values))]
            scores[best] = float(np.max(values))
            picked.append(best)
            remaining.remove(best)
            redundancy = np.maximum(redundancy, pairwise[best])
        if RERANK_SCORE in hits.column_names:
            hits = hits.drop_columns([RERANK_SCORE])
        # The pick order is the result (MMR values need not decrease monotonically).
        return hits.take(pa.array(picked, pa.int64())).append_column(
            RERANK_SCORE, pa.array([scores[i] for i in picked], pa.float64())
        )

    def __repr__(self) -> str:
        return f"MMRReranker(lambda_={self.lambda_})"
