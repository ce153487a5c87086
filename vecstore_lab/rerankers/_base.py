"""Shared plumbing for rerankers: attach scores, sort, and wrap plain functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import RERANK_SCORE
from vecstore_lab.errors import RerankerError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["FunctionReranker", "with_scores"]


def with_scores(hits: pa.Table, scores: Sequence[float] | np.ndarray) -> pa.Table:
    """``hits`` plus a ``_rerank_score`` column, sorted by it (stable: ties keep input order)."""
    values = np.asarray(scores, dtype=np.float64)
    if values.shape != (hits.num_rows,):
        raise RerankerError(
            f"a reranker returned {values.shape[0] if values.ndim else 0} scores for "
            f"{hits.num_rows} hits; it must return one score per hit"
        )
    if not np.isfinite(values).all():
        raise RerankerError("a reranker returned NaN or infinite scores; every hit needs a score")
    if RERANK_SCORE in hits.column_names:
        hits = hits.drop_columns([RERANK_SCORE])
    order = np.argsort(-values, kind="stable")
    return hits.append_column(RERANK_SCORE, pa.array(values, pa.float64())).take(
        pa.array(order, pa.int64())
    )


class FunctionReranker:
    """Wraps a plain function ``(query, hits) -> scores`` into a reranker.

    ``hits`` is a list of dicts, one per candidate, with ``id``, ``text``, metadata fields and
    the retrieval scores; return one number per hit, higher is better.

    Examples:
        >>> by_length = FunctionReranker(lambda q, hits: [-len(h["text"]) for h in hits])
        >>> import pyarrow as pa
        >>> out = by_length.rerank("q", pa.table({"id": ["a", "b"], "text": ["long one", "s"]}))
        >>> out.column("id").to_pylist()
        ['b', 'a']
    """

    needs_vectors = False

    def __init__(
        self, fn: Callable[[str, list[dict[str, Any]]], Sequence[float]], name: str | None = None
    ) -> None:
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "function"))

    def config(self) -> dict[str, Any]:
        return {"name": self.name}

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        if hits.num_rows == 0:
            return with_scores(hits, [])
        return with_scores(hits, list(self.fn(query, hits.to_pylist())))

    def __repr__(self) -> str:
        return f"FunctionReranker({self.name!r})"
