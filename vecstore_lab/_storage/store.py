"""``Store``: one open table and everything that writes or reads it, behind named methods.

The seam between a ``Collection`` (and every surface above it) and LanceDB. A Store owns the
table handle, the commit guard (lock, declared key, retries), the row writer and its
in-memory ids, and the backend (local disk, object storage or memory: ``backends``). The
database, the Ray workers, ``copy_collection`` and the server use only these methods;
``tests/unit/test_structure.py`` fails on any ``._private`` access across modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import CollectionSettings
from vecstore_lab._storage import indexes as _indexes
from vecstore_lab._storage import queries as _queries
from vecstore_lab._storage import read as _read
from vecstore_lab._storage.backends import backend_for
from vecstore_lab._storage.commits import CommitGuard
from vecstore_lab._storage.lance_errors import storage_error
from vecstore_lab._storage.lance_reader import BY_ROWID, LanceReader
from vecstore_lab._storage.probe import VersionProbe
from vecstore_lab._storage.rows import RowWriter
from vecstore_lab._storage.take import take
from vecstore_lab._storage.verify import verify
from vecstore_lab.errors import InvalidInputError, ReadOnlyCollectionError
from vecstore_lab.versions import VersionInfo, check_version, list_versions

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable, Iterator, Mapping, Sequence

    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

    from vecstore_lab._inputs import Batch
    from vecstore_lab._storage.verify import VerifyReport
    from vecstore_lab.results import Record

__all__ = ["Store"]


class Store:
    """One LanceDB table of a collection: its commits, rows, reads and versions.

    Parameters:
        name: the collection.
        table: the open LanceDB table.
        settings: the collection's settings (dim, distance, embedder, extras).
        uri: the database URI; picks the backend (``backends.backend_for``).
        connection: the database's ``Connection`` (``checkout`` opens the table again through it).
        read_only: a checked-out version: every write is refused.
        write_batch_size: rows per Arrow batch of a commit.
        reader: the table's Lance dataset on local disk (``lance_reader``): schema, version,
            row ids and rows by row id are read through it, without LanceDB.
    """

    def __init__(
        self,
        name: str,
        table: Any,
        settings: CollectionSettings,
        *,
        uri: str | None = None,
        connection: Any = None,
        read_only: bool = False,
        write_batch_size: int = 8192,
        reader: LanceReader | None = None,
    ) -> None:
        self.name, self.table, self.settings, self.uri = name, table, settings, uri
        self.connection, self.read_only = connection, read_only
        self.write_batch_size = write_batch_size
        self.reader = None if read_only else reader
        self.backend = backend_for(uri)
        self.guard = CommitGuard(name, self.backend.lock_path(name))
        self.rows = RowWriter(table, name, settings, self.guard, self.backend)
        self._after_write: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        ro = ", read_only=True" if self.read_only else ""
        return f"Store({self.name!r}, {self.backend!r}{ro})"

    # -- state ------------------------------------------------------------------------
    @property
    def schema(self) -> pa.Schema:
        return self.table.schema if self.reader is None else self.reader.schema

    @property
    def version(self) -> int:
        return int(self.table.version if self.reader is None else self.reader.version)

    def after_write(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every committed write of rows (index upkeep, say). A hook's
        failure is its own business: the write has landed."""
        self._after_write.append(hook)

    def _wrote(self) -> None:
        for hook in self._after_write:
            hook()

    def check_writable(self) -> None:
        """``ReadOnlyCollectionError`` on a checked-out version."""
        if self.read_only:
            raise ReadOnlyCollectionError(
                f"collection {self.name!r} is checked out at version {self.version} and is "
                "read-only; use the live collection, or restore() this version"
            )

    # -- commits ----------------------------------------------------------------------
    def locked(self) -> contextlib.AbstractContextManager[None]:
        """The collection's write lock (re-entrant; a no-op where the backend has none)."""
        return self.guard.locked()

    def commit(self, operation: Callable[[], Any], what: str) -> Any:
        """One table operation that makes a version, retried on commit races; the caller
        holds the lock."""
        return self.guard.commit(operation, what)

    def locked_commit(self, operation: Callable[[], Any], what: str) -> None:
        """``commit`` under the write lock, refused on a read-only store."""
        self.check_writable()
        with self.locked():
            self.commit(operation, what)

    def write(self, batch: Batch, how: str) -> None:
        """Commit ``batch`` (``how``: add, upsert or update); the caller holds the lock."""
        self.rows.commit(batch, how, batch_size=self.write_batch_size)
        self._wrote()

    def refuse_existing(self, ids: Sequence[str]) -> None:
        """``DuplicateIdError`` naming the ids that are stored; the caller holds the lock."""
        self.rows.refuse_existing(ids)

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored; the caller holds the lock."""
        return self.rows.existing_ids(ids)

    def merged(
        self, batch: Batch, current: Mapping[str, Record], vectors: npt.NDArray[np.float32] | None
    ) -> Batch:
        """``batch`` merged into the stored rows ``current`` (``RowWriter.merged``)."""
        return self.rows.merged(batch, current, vectors)

    def delete(self, predicate: str) -> int:
        """Delete the rows matching ``predicate``; how many there were. Caller holds the lock."""
        return self.rows.delete(predicate)

    def layout(self, batch: Batch, schema: pa.Schema) -> tuple[pa.Table, list[pa.Field]]:
        """The Arrow rows of ``batch`` against ``schema``, plus the metadata fields it adds."""
        return self.rows.layout(batch, schema)

    def ensure_primary_key(self) -> None:
        self.rows.ensure_primary_key()

    def add_columns(self, fields: list[pa.Field], what: str) -> None:
        """Add metadata columns in one commit; the caller holds the lock."""
        self.commit(lambda: self.table.add_columns(fields), what)

    def committed_elsewhere(self, ids: Sequence[str]) -> None:
        """Rows with ``ids`` were committed by another path (worker fragments): keep the
        in-memory ids in step and run the after-write hooks."""
        if self.rows.known is not None:
            self.rows.known.committed(ids)
        self._wrote()

    # -- reads ------------------------------------------------------------------------
    def count(self, where: str | None = None) -> int:
        if self.reader is not None and not where:
            return self.reader.count()
        return int(self.table.count_rows(where))

    def read(
        self,
        columns: list[str],
        *,
        ids: list[str] | None = None,
        where: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        order: list[tuple[str, str]] | None = None,
    ) -> pa.Table:
        """Rows by id and/or SQL filter, a page of them, optionally sorted (``read``)."""
        return _read.read_rows(
            self.table, columns, ids=ids, where=where, limit=limit, offset=offset, order=order
        )

    def scan(self, columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
        """Every row's ``columns``, in storage order, ``batch_size`` rows at a time."""
        yield from self.table.search().select(columns).limit(None).to_batches(batch_size)

    def to_arrow(self) -> pa.Table:
        return self.table.to_arrow()

    def append(self, rows: pa.Table) -> None:
        """Add Arrow rows as they are (laid out already: a copy of another collection's);
        the caller holds the lock."""
        self.commit(lambda: self.table.add(rows), "copy rows")

    def version_probe(self) -> VersionProbe:
        """A cheap reader of the current version (``probe``)."""
        return VersionProbe(self.table if self.reader is None else self.reader)

    # -- searches and row ids (``queries``, ``take``) ---------------------------------
    def nearest(self, vector: npt.NDArray[np.float32], **how: Any) -> pa.Table:
        """The nearest rows and LanceDB's ``_distance`` (``queries.nearest``)."""
        return _queries.nearest(self.table, vector, **how)

    def vector_plan(self, vector: npt.NDArray[np.float32], **how: Any) -> str:
        """LanceDB's plan of a vector search (``queries.vector_plan``)."""
        return _queries.vector_plan(self.table, vector, **how)

    def text_matches(
        self, text: str, *, limit: int, where: str | None, columns: list[str]
    ) -> pa.Table:
        """BM25 matches and LanceDB's ``_score`` (``queries.text_matches``)."""
        return _queries.text_matches(self.table, text, limit=limit, where=where, columns=columns)

    def rowids(self, where: str | None = None) -> npt.NDArray[np.uint64]:
        """Every row's row id (matching ``where``), sorted."""
        if self.reader is not None and not where:
            return self.reader.rowids()
        return _queries.rowids(self.table, where)

    def with_rowids(
        self, columns: list[str], rowids: npt.NDArray[np.uint64] | None = None
    ) -> pa.Table:
        """``columns`` and ``_rowid`` of the rows ``rowids`` (every row when None)."""
        if self.reader is not None and (rowids is None or len(rowids) <= BY_ROWID):
            return self.reader.with_rowids(columns, rowids)
        return _queries.with_rowids(self.table, columns, rowids)

    def take(self, rowids: npt.NDArray[np.uint64], columns: list[str]) -> pa.Table | None:
        """``columns`` of ``rowids`` in that order; None if one is gone (``take``)."""
        if self.reader is not None and len(rowids) <= BY_ROWID:
            return self.reader.take(rowids, columns)
        return take(self.table, rowids, columns)

    def at_offsets(self, offsets: list[int], columns: list[str]) -> pa.Table:
        """``columns`` of the rows at ``offsets`` in storage order."""
        return self.table.take_offsets(offsets).select(columns).to_arrow()

    # -- indexes (``indexes``) --------------------------------------------------------
    def create_index(self, field: str, config: Any, what: str, *, name: str | None = None) -> None:
        """Build (or replace) an index on ``field`` in one commit, under the write lock."""
        build = lambda: self.table.create_index(field, config=config, replace=True, name=name)  # noqa: E731
        self.locked_commit(build, what)

    def optimize(self) -> None:
        """Compact files and fold new rows into the indexes, under the write lock."""
        self.locked_commit(self.table.optimize, "optimize")

    def indexes(self) -> list[dict[str, Any]]:
        """Every index: name, type, columns, rows indexed and not yet indexed."""
        return _indexes.describe(self.table)

    def has_vector_index(self) -> bool:
        if self.reader is not None:
            return self.reader.has_vector_index()
        return _indexes.has_vector_index(self.table)

    def unindexed_rows(self) -> int:
        """Rows written since the full-text index was last updated."""
        return _indexes.unindexed_rows(self.table)

    def fold_in(self, *, locked: bool = True) -> None:
        """Fold new rows into the indexes, rewriting no data (``indexes.fold_in``); LanceDB's
        ``optimize`` where lance cannot open the table (``memory://``). ``locked=False``: an
        index-only commit, which Lance merges with concurrent writes (``upkeep``)."""
        if not self.backend.lance_files:
            self.optimize()
            return
        fold = lambda: _indexes.fold_in(self._own_dataset())  # noqa: E731
        if locked:
            self.locked_commit(fold, "index upkeep")
        else:
            self.commit(fold, "index upkeep")

    def compact_small(self) -> None:
        """Merge small fragments when enough have gathered (``indexes.compact_small``).
        (``memory://``: its ``fold_in`` compacts.)"""
        if not self.backend.lance_files or _indexes.fragments(self.table) < _indexes.COMPACT_AT:
            return  # the usual case, answered from LanceDB's manifest in memory
        if _indexes.small_fragments(self.dataset()) >= _indexes.COMPACT_AT:
            self.locked_commit(lambda: _indexes.compact_small(self._own_dataset()), "compaction")

    def _own_dataset(self) -> Any:
        """A dataset object of its own at the latest version, for a commit (the reader's is
        shared with queries)."""
        return self.table.to_lance() if self.reader is None else self.reader.fresh()

    def upkeep_due(self, min_rows: int) -> bool:
        """Whether the full-text backlog calls for an ``optimize`` (``indexes.upkeep_due``)."""
        return _indexes.upkeep_due(self.table, min_rows)

    def verify(self, *, vectors: bool = True) -> VerifyReport:
        return verify(self.table, self.name, vectors=vectors)

    # -- Lance datasets (fragments written elsewhere) --------------------------------
    def dataset(self) -> Any:
        """The table as a ``lance.LanceDataset`` (pylance), at its latest version."""
        return self.table.to_lance() if self.reader is None else self.reader.dataset()

    @property
    def dataset_uri(self) -> str:
        return str(self.table.uri)

    def storage_options(self) -> dict[str, str]:
        """The connection's storage options (credentials included: never send them on)."""
        return dict(getattr(self.connection, "storage_options", None) or {})

    # -- versions ---------------------------------------------------------------------
    def versions(self) -> list[VersionInfo]:
        return list_versions(self.table)

    def checkout(self, version: int) -> Store:
        """A read-only store of the table as it was at ``version``, with this one's settings."""
        check_version(self.table, version)
        if self.connection is None:
            raise InvalidInputError("this collection was not opened through a VecDatabase")
        try:
            table = self.connection.open(self.name)
            table.checkout(version)
        except Exception as exc:
            raise storage_error(exc, f"checkout at {version}", self.name) from exc
        settings = CollectionSettings.from_schema(table.schema) or self.settings
        return Store(
            self.name,
            table,
            settings,
            uri=self.uri,
            connection=self.connection,
            read_only=True,
            write_batch_size=self.write_batch_size,
        )

    def restore(self, version: int) -> None:
        """Make ``version``'s contents the latest (a new version; history is kept)."""
        self.check_writable()
        check_version(self.table, version)
        self.locked_commit(lambda: self.table.restore(version), f"restore to {version}")
        restored = CollectionSettings.from_schema(self.table.schema)
        if restored is not None:
            self.settings = restored
