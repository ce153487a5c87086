"""The protocols of the ranking stages: ``Fuser`` merges a hybrid query's two lists, and
``Reranker`` reorders a table of candidate hits and adds a ``_rerank_score``."""

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


@runtime_checkable
class Fuser(Protocol):
    """Fuses the vector and full-text candidates of a hybrid query into one ranking.

    ``fuse`` receives two tables (each with ``id``, the requested columns, and
    ``_vector_score``/``_vector_rank`` or ``_fts_score``/``_fts_rank``) and returns every
    candidate once, with all four of those columns and a float64 ``_fused_score``, best first.
    ``RRFReranker`` and ``LinearCombinationReranker`` are the built-in ones.
    """

    name: str

    def fuse(self, vector_hits: pa.Table, fts_hits: pa.Table) -> pa.Table:
        """The fused, sorted candidates."""
        ...

    def config(self) -> dict[str, Any]:
        """JSON-serialisable keyword arguments that rebuild this fuser."""
        ...
