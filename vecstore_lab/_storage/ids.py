"""The ids a collection stores, held in memory at one table version, so that ``add``'s
duplicate check is a set lookup instead of a scan of the table.

Only valid where every writer takes the collection's file lock (local paths): the writer
that holds the lock knows that nothing but its own commits changed the table since it last
looked. The set is keyed by the table version; any other version (another process wrote, an
index was built) reloads it from the ``id`` column in one scan. Tables above ``max_rows``
are checked by scanning instead, so memory stays bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import ID

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["StoredIds"]


class StoredIds:
    def __init__(self, table: Any, *, max_rows: int = 2_000_000) -> None:
        self.table, self.max_rows = table, max_rows
        self._ids: set[str] = set()
        self._version: int | None = None

    def existing(self, ids: Sequence[str]) -> set[str] | None:
        """Which of ``ids`` are stored, or ``None`` when the table is too large to hold its
        ids (the caller scans). The caller holds the write lock."""
        version = self.table.version
        if version != self._version:
            if self.table.count_rows() > self.max_rows:
                self._version = None
                self._ids = set()
                return None
            column = self.table.search().select([ID]).limit(None).to_arrow().column(ID)
            self._ids = set(column.to_pylist())
            self._version = version
        return self._ids.intersection(ids)

    def committed(self, ids: Iterable[str]) -> None:
        """Our own commit (under the lock) stored ``ids`` and nothing else changed ids."""
        if self._version is None:
            return
        self._ids.update(ids)
        self._version = self.table.version

    def forget(self) -> None:
        """Ids may have gone (a delete): reload on the next check."""
        self._version = None
        self._ids = set()
