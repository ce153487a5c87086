"""Embedding for a collection: documents through the cache, queries through a small
in-memory LRU of recent query texts (a repeated query, as in a tuning loop or an evaluation of
several configurations, is embedded once), each a span.

Both return what they did (``Embedded``: vectors, how many were cached and how many computed),
so callers count from the return value instead of diffing the cache's counters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from vecstore_lab import telemetry
from vecstore_lab._inputs import Batch, check_query_vector
from vecstore_lab._schema import metadata_columns
from vecstore_lab.errors import (
    DimensionMismatchError,
    EmbedderError,
    InvalidInputError,
    UnknownComponentError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pyarrow as pa

    from vecstore_lab.cache import EmbeddingCache
    from vecstore_lab.embedders import Embedder

__all__ = [
    "QUERY_CACHE_SIZE",
    "Embedded",
    "Embedding",
    "QueryCache",
    "build",
    "embed_documents",
    "embed_query",
]

QUERY_CACHE_SIZE = 256  # query texts whose vectors a collection handle keeps (about 0.4 MB at 384)


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


class QueryCache:
    """The vectors of the last ``size`` query texts, least recently used out first. Safe across
    threads; the model runs outside its lock, so concurrent queries still embed in parallel.
    The vectors it hands out are read-only."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> npt.NDArray[np.float32] | None:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
            return vector

    def put(self, text: str, vector: npt.NDArray[np.float32]) -> None:
        vector.setflags(write=False)
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


def embed_query(
    embedder: Embedder,
    text: str,
    *,
    dim: int,
    distance: str,
    cache: QueryCache | None = None,
) -> npt.NDArray[np.float32]:
    """The query vector of ``text``: checked for length, finiteness and (cosine) direction.
    A text ``cache`` holds is not embedded again."""
    attrs = {
        "embedder": embedder.name,
        "vecstore_lab.embed.kind": "query",
        "vecstore_lab.embed.inputs": 1,
    }
    # A query vector depends on the text and on how the embedder encodes queries (a
    # sentence-transformers embedder's query_backend may be switched on a live handle).
    key = text
    side = getattr(embedder, "query_backend", None)
    if side is not None:
        key = f"{side}\x00{text}"
    with telemetry.stage("embed", attrs) as span:
        vector = None if cache is None else cache.get(key)
        span.set_attribute("vecstore_lab.embed.cache_hits", int(vector is not None))
        span.set_attribute("vecstore_lab.embed.cache_misses", int(vector is None))
        if vector is not None:
            _count(embedder, 1, 0)
            return vector
        _count(embedder, 0, 1)
        vector = check_query_vector(embedder.embed_query(text), dim, distance)
        if cache is not None and cache.size > 0:
            vector = vector.copy()  # the embedder's own array stays the embedder's
            cache.put(key, vector)
        return vector


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


class Embedding:
    """A collection's embedder and what it embeds: a stored embedder is built on first use
    (listing or browsing collections never loads a model), documents go through the cache,
    queries are checked. Without an embedder, ``need`` says why and what to do instead."""

    def __init__(
        self,
        collection: str,
        dim: int,
        distance: str,
        embedder: Embedder | None,
        *,
        error: str | None = None,
        factory: Callable[[], Embedder] | None = None,
        cache: EmbeddingCache | None = None,
    ) -> None:
        self.collection, self.dim, self.distance = collection, dim, distance
        self._embedder, self._error, self._factory = embedder, error, factory
        self.cache = cache
        self._lock = threading.Lock()
        self.queries = QueryCache()

    @property
    def embedder(self) -> Embedder | None:
        if self._factory is not None:
            with self._lock:
                factory, self._factory = self._factory, None
                if factory is not None:
                    self._embedder, self._error = build(factory, self.dim)
        return self._embedder

    def need(self, why: str) -> Embedder:
        """The embedder, or ``EmbedderError`` saying that it is missing and why."""
        embedder = self.embedder
        if embedder is None:
            extra = f" ({self._error})" if self._error else ""
            raise EmbedderError(
                f"collection {self.collection!r} has no embedder, which {why}{extra}. Pass "
                "vectors yourself, or open it with db.get_collection(name, embedder=...)"
            )
        return embedder

    def documents(self, texts: Sequence[str]) -> Embedded:
        embedder = self.need("is needed to embed texts given without vectors")
        return embed_documents(
            embedder, texts, dim=self.dim, cache=self.cache, collection=self.collection
        )

    def complete(self, batch: Batch, schema: pa.Schema, how: str) -> Batch:
        """``batch`` (of an add, upsert or update) with vectors for its texts, embedded before
        any lock is taken; its metadata is checked against ``schema`` first, so a bad value
        fails before the model runs."""
        if not len(batch):
            return batch
        if batch.vectors is not None and how != "update":
            return batch  # its metadata is checked as it is laid out, before any commit
        metadata_columns(batch.metadatas, len(batch), schema)  # fail before embedding
        if batch.vectors is not None or (batch.texts is None and how == "update"):
            return batch
        if batch.texts is None:
            raise InvalidInputError("pass texts, vectors, or both")
        vectors = self.documents([t for t in batch.texts if t is not None]).vectors
        return Batch(batch.ids, batch.texts, vectors, batch.metadatas)

    def query(self, text: str) -> npt.NDArray[np.float32]:
        """The query vector of ``text``, from the last ``QUERY_CACHE_SIZE`` texts' if there
        (read-only: copy it to change it)."""
        embedder = self.need("is needed to embed the query text")
        return embed_query(embedder, text, dim=self.dim, distance=self.distance, cache=self.queries)
