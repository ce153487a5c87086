"""Embedding for a collection: documents through the cache, queries directly, each a span.

Both return what they did (``Embedded``: vectors, how many were cached and how many computed),
so callers count from the return value instead of diffing the cache's counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vecstore_lab import telemetry
from vecstore_lab._inputs import check_query_vector
from vecstore_lab.errors import DimensionMismatchError, UnknownComponentError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vecstore_lab.cache import EmbeddingCache
    from vecstore_lab.embedders import Embedder

__all__ = ["Embedded", "build", "embed_documents", "embed_query"]


@dataclass(frozen=True)
class Embedded:
    """Vectors for a list of texts, and where they came from."""

    vectors: npt.NDArray[np.float32]
    cached: int  # texts served from the embedding cache
    computed: int  # distinct texts sent to the embedder


def _count(embedder: Embedder, cached: int, computed: int) -> None:
    name = {"embedder": embedder.name}
    telemetry.add("vecstore_lab.embed.calls", 1 if computed else 0, name)
    telemetry.add("vecstore_lab.embed.texts", cached, {**name, "cache": "hit"})
    telemetry.add("vecstore_lab.embed.texts", computed, {**name, "cache": "miss"})


def embed_documents(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    dim: int,
    cache: EmbeddingCache | None,
    collection: str,
) -> Embedded:
    """Vectors for documents written to ``collection`` (``dim`` wide), through ``cache``."""
    attrs = {
        "embedder": embedder.name,
        "db.collection.name": collection,
        "vecstore_lab.embed.kind": "documents",
        "vecstore_lab.embed.inputs": len(texts),
        "vecstore_lab.embed.batch_size": getattr(embedder, "batch_size", None),
    }
    with telemetry.stage("embed", attrs) as span:
        if cache is not None:
            vectors, cached, computed = cache.embed_counted(embedder, texts)
            span.set_attribute("vecstore_lab.embed.cache_hits", cached)
            span.set_attribute("vecstore_lab.embed.cache_misses", computed)
        else:
            vectors, cached, computed = embedder.embed_documents(list(texts)), 0, len(texts)
        _count(embedder, cached, computed)
    if vectors.shape != (len(texts), dim):
        raise DimensionMismatchError(
            f"embedder {embedder.name!r} returned shape {vectors.shape}; this collection "
            f"stores {dim}-dim vectors",
            expected=dim,
            got=int(vectors.shape[-1]) if vectors.ndim == 2 else None,
        )
    return Embedded(np.asarray(vectors, dtype=np.float32), cached, computed)


def embed_query(
    embedder: Embedder, text: str, *, dim: int, distance: str
) -> npt.NDArray[np.float32]:
    """The query vector of ``text``: checked for length, finiteness and (cosine) direction."""
    attrs = {
        "embedder": embedder.name,
        "vecstore_lab.embed.kind": "query",
        "vecstore_lab.embed.inputs": 1,
    }
    with telemetry.stage("embed", attrs):
        _count(embedder, 0, 1)
        return check_query_vector(embedder.embed_query(text), dim, distance)


def build(factory: Callable[[], Embedder], dim: int) -> tuple[Embedder | None, str | None]:
    """A collection's stored embedder, or ``None`` and why (unknown name, missing package,
    bad config, another dimension): the collection then needs vectors, or another embedder."""
    try:
        embedder = factory()
    except (UnknownComponentError, ImportError, TypeError) as exc:
        return None, f"stored embedder: {exc}"
    if embedder.dim != dim:
        return None, (
            f"stored embedder {embedder.name!r} now produces {embedder.dim}-dim vectors, "
            f"the collection stores {dim}"
        )
    return embedder, None
