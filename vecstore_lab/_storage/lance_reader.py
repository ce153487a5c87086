"""The reads a query needs, through ``lance`` alone, and a LanceDB table opened on first use.

Importing LanceDB takes about two seconds (most of it its namespace REST client); ``lance``,
which reads the same files, a fraction of that. On local disk a LanceDB table is a Lance
dataset, so a live collection's schema, version, row ids, and rows by row id are read through
``lance``: a new process opens a collection and answers its first query through a saved graph
without importing LanceDB. Rows by row id are read through a public ``_rowid IN (...)``
filter (the dataset's own take by row id is private). Writes, LanceDB's own searches and
everything else open the table (``LazyTable``) when first asked.

Every read sees the latest commit, as LanceDB does with ``read_consistency_interval=0``
(``Connection`` uses a reader only then): the dataset moves to the latest version when the
one on disk is newer.

A full scan (the exact-search matrix, read in a background thread) stops between batches when
the process exits: Lance aborted the process when the interpreter shut down under a scan.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import VECTOR
from vecstore_lab._storage.take import ROWID, in_order

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import numpy.typing as npt

__all__ = ["BY_ROWID", "LanceReader", "LazyTable"]

SCAN_BATCH = 65_536
# Rows by row id go through a public filter on ``_rowid``: as fast as LanceDB's take for a
# query's candidates (2-6 ms for 36 of 1M rows), twice as slow for 65k; past this many the
# store asks LanceDB.
BY_ROWID = 1_024
_EXITING = threading.Event()
_SCANNING: set[threading.Thread] = set()


@atexit.register
def _stop_scans() -> None:
    _EXITING.set()
    for thread in list(_SCANNING):
        thread.join(timeout=30)


class LanceReader:
    """The latest version of the Lance dataset at ``path``, for reading."""

    def __init__(self, path: Path) -> None:
        self.uri = str(path)
        self._dataset: Any = None
        self._lock = threading.Lock()

    def dataset(self) -> Any:
        """The dataset at its latest version (checked on every call: a few microseconds)."""
        with self._lock:
            ds = self._dataset
            if ds is None:
                import lance

                ds = lance.dataset(self.uri)
            elif ds.latest_version != ds.version:
                ds = ds.checkout_version(ds.latest_version)
            self._dataset = ds
            return ds

    def fresh(self) -> Any:
        """A new dataset object at the latest version, shared with no one."""
        import lance

        return lance.dataset(self.uri)

    @property
    def version(self) -> int:
        return int(self.dataset().version)

    @property
    def schema(self) -> pa.Schema:
        return self.dataset().schema

    def count(self) -> int:
        return int(self.dataset().count_rows())

    def has_vector_index(self) -> bool:
        """Whether an index covers the vector column (as ``indexes.has_vector_index``)."""
        return any(VECTOR in ix.field_names for ix in self.dataset().describe_indices())

    def rowids(self) -> npt.NDArray[np.uint64]:
        """Every row's row id, sorted."""
        ids = self.dataset().to_table(columns=[], with_row_id=True).column(ROWID).to_numpy()
        return np.sort(ids)

    def with_rowids(self, columns: list[str], rowids: npt.NDArray[np.uint64] | None) -> pa.Table:
        """``columns`` and ``_rowid`` of the rows ``rowids`` (at most ``BY_ROWID``; every row
        when None), in storage order."""
        ds = self.dataset()
        if rowids is not None:
            if not len(rowids):
                return ds.to_table(columns=columns, limit=0, with_row_id=True)
            where = f"{ROWID} IN ({', '.join(map(str, rowids.tolist()))})"
            return ds.to_table(columns=columns, filter=where, with_row_id=True)
        scan = ds.scanner(columns=columns, with_row_id=True, batch_size=SCAN_BATCH).to_reader()
        me = threading.current_thread()
        _SCANNING.add(me)
        try:
            batches = []
            for batch in scan:
                if _EXITING.is_set():
                    raise RuntimeError("the process is exiting: the scan stopped")
                batches.append(batch)
        finally:
            _SCANNING.discard(me)
        return pa.Table.from_batches(batches, schema=scan.schema)

    def take(self, rowids: npt.NDArray[np.uint64], columns: list[str]) -> pa.Table | None:
        """``columns`` of ``rowids`` (at most ``BY_ROWID``) in that order; None if one is gone
        (the table moved on since the row ids were read)."""
        return in_order(self.with_rowids(columns, rowids), rowids, columns)


class LazyTable:
    """A LanceDB table opened by ``opener`` on first use; its ``uri`` known before."""

    def __init__(self, opener: Callable[[], Any], *, uri: str) -> None:
        self._opener, self.uri = opener, uri
        self._table: Any = None
        self._lock = threading.Lock()

    def _opened(self) -> Any:
        with self._lock:
            if self._table is None:
                self._table = self._opener()
            return self._table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opened(), name)
