"""``AppendLog``: an append-only table that any number of writers add to at once.

Judgements and evaluation runs are logs: a row is never changed, a later row supersedes an
earlier one, and history is kept. Appends commute, so they need no lock: Lance commits two
concurrent appends one after the other (it retries the loser against the new version), on
local disk and on object storage alike. The table is made on the first append; two writers
making it at the same moment both end up appending to the one table.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from vecstore_lab._storage.lance_errors import storage_error

if TYPE_CHECKING:
    import pyarrow as pa

    from vecstore_lab._storage.connection import Connection

__all__ = ["AppendLog"]


def _racing(exc: BaseException) -> bool:
    """A commit race, or a table another writer is creating right now (its directory is
    listed before its first manifest is written)."""
    text = str(exc).lower()
    words = ("conflict", "already exists", "incompatible", "retryable", "not found", "not exist")
    return any(w in text for w in words)


class AppendLog:
    """Table ``name`` of ``connection``, with ``schema``, written only by ``append``."""

    def __init__(self, connection: Connection, name: str, schema: pa.Schema) -> None:
        self.connection, self.name, self.schema = connection, name, schema
        self._table: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AppendLog({self.name!r})"

    def _open(self, create: bool) -> Any:
        with self._lock:
            if self._table is None:
                self._table = self._open_or_create(create)
            return self._table

    @retry(
        retry=retry_if_exception(_racing),
        stop=stop_after_attempt(8),
        wait=wait_random_exponential(0.02, 0.5),
        reraise=True,
    )
    def _open_or_create(self, create: bool) -> Any:
        if self.name in self.connection.names():
            return self.connection.open(self.name)
        if not create:
            return None
        return self.connection.db.create_table(self.name, schema=self.schema, exist_ok=True)

    @retry(
        retry=retry_if_exception(_racing),
        stop=stop_after_attempt(8),
        wait=wait_random_exponential(0.01, 1.0),
        reraise=True,
    )
    def _add(self, rows: pa.Table) -> None:
        self._open(create=True).add(rows)

    def append(self, rows: pa.Table) -> None:
        """Add ``rows`` (cast to the log's schema) in one commit."""
        if rows.num_rows == 0:
            return
        rows = rows.select(self.schema.names).cast(self.schema)
        try:
            self._add(rows)
        except Exception as exc:
            raise storage_error(exc, "append", self.name) from exc

    def read(self, where: str | None = None) -> pa.Table:
        """Every row (matching ``where``), in the order they were appended."""
        try:
            table = self._open(create=False)
            if table is None:
                return self.schema.empty_table()
            q = table.search().select(self.schema.names).limit(None)
            return (q.where(where) if where else q).to_arrow().cast(self.schema)
        except Exception as exc:
            raise storage_error(exc, "read", self.name) from exc

    def __len__(self) -> int:
        table = self._open(create=False)
        return 0 if table is None else int(table.count_rows())
