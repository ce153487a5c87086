"""An embedding cache in a table next to the collections (``_storage.keyed``).

Each vector is keyed by ``sha256(embedder identity, text)``, where the identity is the
embedder's name and ``config()``: the same text under the same model and settings is embedded
once, across collections, processes and sessions.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from vecstore_lab._storage.keyed import KeyedVectors
from vecstore_lab.embedders import embedder_spec
from vecstore_lab.errors import DimensionMismatchError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab._storage.connection import Connection
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.embedders._protocol import FloatMatrix

__all__ = ["CACHE_TABLE", "EmbeddingCache", "embedder_identity"]

CACHE_TABLE = "_vecstore_embedding_cache"
_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("embedder", pa.string(), nullable=False),
        pa.field("vector", pa.list_(pa.float32()), nullable=False),
    ]
)


def embedder_identity(embedder: Embedder) -> str:
    """A stable hash of an embedder's name and config (what decides its vectors)."""
    spec = json.dumps(embedder_spec(embedder), sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()[:32]


def _key(identity: str, text: str) -> str:
    return hashlib.sha256(f"{identity}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Looks up and stores document vectors; ``embed`` embeds only what it has not seen.

    ``hits`` and ``misses`` count texts served from the cache and texts sent to an embedder.
    """

    def __init__(self, connection: Connection, table_name: str = CACHE_TABLE) -> None:
        self.table_name = table_name
        self._vectors = KeyedVectors(connection, table_name, _SCHEMA)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, embedder: Embedder, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (``None`` where missing), in order."""
        if not texts:
            return []
        identity = embedder_identity(embedder)
        keys = [_key(identity, t) for t in texts]
        found = self._vectors.lookup(keys)
        return [found.get(k) for k in keys]

    def put(self, embedder: Embedder, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (existing keys are left as they are)."""
        if not len(texts):
            return
        identity = embedder_identity(embedder)
        keys = [_key(identity, t) for t in texts]
        data = pa.table(
            {
                "key": pa.array(keys, pa.string()),
                "embedder": pa.array([identity] * len(keys), pa.string()),
                "vector": pa.array(
                    list(np.asarray(vectors, dtype=np.float32)), pa.list_(pa.float32())
                ),
            },
            schema=_SCHEMA,
        )
        data = data.take(pa.array(sorted({k: i for i, k in enumerate(keys)}.values())))
        self._vectors.insert_new(data)

    def embed(self, embedder: Embedder, texts: Sequence[str]) -> FloatMatrix:
        """Vectors for ``texts``: cached ones looked up, the rest embedded and stored."""
        return self.embed_counted(embedder, texts)[0]

    def embed_counted(
        self, embedder: Embedder, texts: Sequence[str]
    ) -> tuple[FloatMatrix, int, int]:
        """``embed``, plus how many texts were served from the cache and how many distinct
        texts went to the embedder."""
        cached = self.get(embedder, texts)
        missing = [i for i, v in enumerate(cached) if v is None]
        out = np.empty((len(texts), embedder.dim), dtype=np.float32)
        for i, v in enumerate(cached):
            if v is not None:
                out[i] = v
        todo = list(dict.fromkeys(texts[i] for i in missing))
        if todo:
            fresh = embedder.embed_documents(todo)
            if fresh.shape != (len(todo), out.shape[1]):
                raise DimensionMismatchError(
                    f"embedder {embedder.name!r} returned shape {fresh.shape} for {len(todo)} "
                    f"texts; it reports dim={out.shape[1]}",
                    expected=out.shape[1],
                    got=int(fresh.shape[-1]) if fresh.ndim == 2 else None,
                )
            by_text = dict(zip(todo, fresh, strict=True))
            for i in missing:
                out[i] = by_text[texts[i]]
            self.put(embedder, todo, fresh)
        hits = len(texts) - len(missing)
        with self._lock:
            self.misses += len(todo)
            self.hits += hits
        return out, hits, len(todo)

    def optimize(self) -> None:
        """Fold new keys into the key index and compact the table."""
        self._vectors.optimize()
