"""``Connection``: one database URI's LanceDB connection, and the tables in it.

``VecDatabase`` lists, creates, opens and drops collections through it, and gets each one's
``Store``; nothing above the storage package holds a LanceDB connection or table.

On local disk LanceDB is not imported until something writes or searches through it (about
two seconds, most of it its namespace REST client): listing tables reads the directory, as
LanceDB does (a table is a ``<name>.lance`` directory), and a live store reads its schema,
version and rows through ``lance`` alone (``LanceReader``). So a new process opens a
collection and answers its first query through a saved graph without LanceDB.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import CollectionSettings
from vecstore_lab._storage.backends import backend_for, is_local_uri
from vecstore_lab._storage.catalog import SUFFIX, local_directory
from vecstore_lab._storage.commits import CommitGuard
from vecstore_lab._storage.lance_errors import clean_message
from vecstore_lab._storage.lance_reader import LanceReader, LazyTable
from vecstore_lab._storage.store import Store
from vecstore_lab._storage.upkeep import settle
from vecstore_lab.errors import StorageError

if TYPE_CHECKING:
    import datetime as dt

    import pyarrow as pa

__all__ = ["Connection"]


class Connection:
    """The tables under one LanceDB URI (a directory, ``s3://…``, ``memory://``)."""

    def __init__(
        self,
        uri: str,
        *,
        read_consistency_interval: dt.timedelta | None,
        storage_options: dict[str, str] | None,
    ) -> None:
        self.uri = uri
        self._interval, self._storage_options = read_consistency_interval, storage_options
        self._db: Any = None
        self._lock = threading.Lock()
        # reads through lance see every commit, as LanceDB does with a zero interval: only then
        self._fresh_reads = read_consistency_interval is not None and not read_consistency_interval
        if not is_local_uri(self.uri):
            _ = self.db  # object storage and memory:// connect now, and fail here if they cannot

    @property
    def db(self) -> Any:
        """The LanceDB connection, made on first use."""
        with self._lock:
            if self._db is None:
                import lancedb  # here: it takes seconds, and reading a collection does not need it

                try:
                    self._db = lancedb.connect(
                        self.uri,
                        read_consistency_interval=self._interval,
                        storage_options=self._storage_options,
                    )
                except Exception as exc:
                    raise StorageError(f"cannot open database at {self.uri!r}: {exc}") from exc
            return self._db

    @property
    def storage_options(self) -> dict[str, str]:
        """The storage options it was opened with (credentials included: never send them)."""
        if self._db is None:
            return dict(self._storage_options or {})
        return dict(getattr(self.db, "storage_options", None) or {})

    def names(self) -> list[str]:
        """Every table's name, internal ones included."""
        if self._db is None:  # local disk: elsewhere LanceDB connected at once
            directory = local_directory(self.uri)
            if directory is None:
                return []
            return [p.name.removesuffix(SUFFIX) for p in directory.glob(f"*{SUFFIX}") if p.is_dir()]
        names: list[str] = []
        token = None
        while True:
            page = self.db.list_tables(page_token=token)
            names.extend(page.tables)
            token = page.page_token
            if not token:
                return names

    def schema(self, name: str) -> pa.Schema:
        """A table's Arrow schema (``StorageError`` when it cannot be opened)."""
        try:
            reader = self._reader(name)
            return self.db.open_table(name).schema if reader is None else reader.schema
        except Exception as exc:
            raise StorageError(f"cannot open collection {name!r}: {clean_message(exc)}") from exc

    def open(self, name: str) -> Any:
        """The LanceDB table ``name`` (for the storage package's own use)."""
        return self.db.open_table(name)

    def create(self, name: str, schema: pa.Schema) -> Any:
        """A new empty LanceDB table (for the storage package's own use)."""
        return self.db.create_table(name, schema=schema)

    def drop(self, name: str) -> None:
        settle(self.uri, name)  # a fold of its indexes running here would write into it
        self.db.drop_table(name)

    def _reader(self, name: str) -> LanceReader | None:
        """A lance reader of table ``name`` where reads through lance see what LanceDB would
        (local disk, every commit seen); else None."""
        directory = local_directory(self.uri) if self._fresh_reads else None  # None off local disk
        return None if directory is None else LanceReader(directory / f"{name}{SUFFIX}")

    def open_store(self, name: str) -> Store | None:
        """The Store of collection ``name``; None when the table is not one of ours. On local
        disk its LanceDB table opens on first use; reads go through lance."""
        reader = self._reader(name)
        try:
            if reader is None:
                table: Any = self.open(name)
                schema = table.schema
            else:
                schema = reader.schema
                table = LazyTable(lambda: self.open(name), uri=reader.uri)
        except Exception as exc:
            raise StorageError(f"cannot open collection {name!r}: {clean_message(exc)}") from exc
        settings = CollectionSettings.from_schema(schema)
        if settings is None:
            return None
        return Store(name, table, settings, uri=self.uri, connection=self, reader=reader)

    def create_store(self, name: str, schema: pa.Schema, settings: CollectionSettings) -> Store:
        """Create table ``name`` with ``schema`` and return its Store. Under the collection's
        write lock (on local paths): two threads creating it at once both committed, the
        second as an Overwrite of the first, and the first one's text index then failed as
        incompatible with it. Now the second finds the table there and fails to create it."""
        with CommitGuard(name, backend_for(self.uri).lock_path(name)).locked():
            table = self.create(name, schema)
        reader = self._reader(name)
        return Store(name, table, settings, uri=self.uri, connection=self, reader=reader)
