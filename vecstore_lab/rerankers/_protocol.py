"""The Reranker protocol: reorder a table of candidate hits and add a ``_rerank_score``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


@runtime_checkable
class Reranker(Protocol):
    """Reorders candidates for a query.

    ``rerank`` receives the candidates as an Arrow table (``id``, ``text``, metadata, the
    retrieval stage's ``_score`` and ``_retrieval_rank``, the breakdown columns, plus ``vector``
    when ``needs_vectors`` is true) and returns a table with every input column kept, a
    float64 ``_rerank_score`` column added, sorted best first. ``query_vector`` is the embedded
    query when one exists.
    """

    name: str
    needs_vectors: bool

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        """Return ``hits`` with ``_rerank_score`` added, best first."""
        ...

    def config(self) -> dict[str, Any]:
        """JSON-serialisable keyword arguments that rebuild this reranker."""
        ...
