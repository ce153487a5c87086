"""An embedding cache in a LanceDB table next to the collections.

Each vector is keyed by ``sha256(embedder identity, text)``, where the identity is the
embedder's name and ``config()``: the same text under the same model and settings is embedded
once, across collections, processes and sessions.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab.embedders import embedder_spec
from vecstore_lab.errors import DimensionMismatchError
from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab.embedders import Embedder
    from vecstore_lab.embedders._protocol import FloatMatrix

__all__ = ["CACHE_TABLE", "EmbeddingCache", "embedder_identity"]

CACHE_TABLE = "_vecstore_embedding_cache"
_LOOKUP_CHUNK = 1000
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

    def __init__(self, connection: Any, table_name: str = CACHE_TABLE) -> None:
        self._db = connection
        self.table_name = table_name
        self._table: Any = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _open(self, create: bool) -> Any:
        with self._lock:
            if self._table is None:
                if self.table_name in self._db.list_tables().tables:
                    self._table = self._db.open_table(self.table_name)
                elif create:
                    from lancedb.index import BTree

                    self._table = self._db.create_table(
                        self.table_name, schema=_SCHEMA, exist_ok=True
                    )
                    try:
                        self._table.create_index("key", config=BTree(), replace=True)
                    except Exception as exc:
                        # Another process (a Ray worker on object storage, where no lock
                        # reaches) made the table at the same moment and Lance refused our
                        # index commit. The table is theirs and is sound: use it. The index
                        # only speeds lookups up.
                        if (
                            "incompatible" not in str(exc).lower()
                            and "conflict" not in str(exc).lower()
                        ):
                            raise
                        self._table = self._db.open_table(self.table_name)
            return self._table

    def __len__(self) -> int:
        table = self._open(create=False)
        return 0 if table is None else int(table.count_rows())

    def get(self, embedder: Embedder, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Cached vectors for ``texts`` (``None`` where missing), in order."""
        table = self._open(create=False)
        if table is None or not texts:
            return [None] * len(texts)
        identity = embedder_identity(embedder)
        keys = [_key(identity, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            chunk = unique[start : start + _LOOKUP_CHUNK]
            predicate = f"key IN ({', '.join(quote_string(k) for k in chunk)})"
            rows = table.search().where(predicate).select(["key", "vector"]).limit(None)
            result = rows.to_arrow()
            for k, v in zip(
                result.column("key").to_pylist(), result.column("vector").to_pylist(), strict=True
            ):
                found[k] = np.asarray(v, dtype=np.float32)
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
        table = self._open(create=True)
        table.merge_insert("key").when_not_matched_insert_all().execute(data)

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
        table = self._open(create=False)
        if table is not None:
            table.optimize()
