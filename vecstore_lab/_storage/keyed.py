"""``KeyedVectors``: a LanceDB table of vectors by string key (the embedding cache's store).

Created on first write, with a B-tree index on the key. Inserting keeps what is stored: a key
that is there already is left as it is.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyarrow as pa

    from vecstore_lab._storage.connection import Connection

__all__ = ["KeyedVectors"]

_LOOKUP_CHUNK = 1000


class KeyedVectors:
    """Table ``name`` of ``connection``, with a ``key`` and a ``vector`` column."""

    def __init__(self, connection: Connection, name: str, schema: pa.Schema) -> None:
        self.connection, self.name, self.schema = connection, name, schema
        self._table: Any = None
        self._lock = threading.Lock()

    def _open(self, create: bool) -> Any:
        with self._lock:
            if self._table is None:
                if self.name in self.connection.names():
                    self._table = self.connection.open(self.name)
                elif create:
                    self._table = self._create()
            return self._table

    def _create(self) -> Any:
        from lancedb.index import BTree

        table = self.connection.db.create_table(self.name, schema=self.schema, exist_ok=True)
        try:
            table.create_index("key", config=BTree(), replace=True)
        except Exception as exc:
            # Another process (a Ray worker on object storage, where no lock reaches) made
            # the table at the same moment and Lance refused our index commit. The table is
            # theirs and is sound: use it. The index only speeds lookups up.
            if "incompatible" not in str(exc).lower() and "conflict" not in str(exc).lower():
                raise
            table = self.connection.open(self.name)
        return table

    def __len__(self) -> int:
        table = self._open(create=False)
        return 0 if table is None else int(table.count_rows())

    def lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``keys`` that are stored."""
        table = self._open(create=False)
        found: dict[str, np.ndarray] = {}
        if table is None:
            return found
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
        return found

    def insert_new(self, rows: pa.Table) -> None:
        """Insert the ``rows`` whose key is not stored yet (one commit)."""
        table = self._open(create=True)
        table.merge_insert("key").when_not_matched_insert_all().execute(rows)

    def optimize(self) -> None:
        """Fold new keys into the key index and compact the table."""
        table = self._open(create=False)
        if table is not None:
            table.optimize()
