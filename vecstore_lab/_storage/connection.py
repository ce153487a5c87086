"""``Connection``: one database URI's LanceDB connection, and the tables in it.

``VecDatabase`` lists, creates, opens and drops collections through it, and gets each one's
``Store``; nothing above the storage package holds a LanceDB connection or table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import CollectionSettings
from vecstore_lab._storage.backends import backend_for
from vecstore_lab._storage.commits import CommitGuard
from vecstore_lab._storage.lance_errors import clean_message
from vecstore_lab._storage.store import Store
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
        import lancedb  # imported here: it takes seconds, and `import vecstore_lab` should not

        try:
            self.db = lancedb.connect(
                uri,
                read_consistency_interval=read_consistency_interval,
                storage_options=storage_options,
            )
        except Exception as exc:
            raise StorageError(f"cannot open database at {uri!r}: {exc}") from exc

    @property
    def storage_options(self) -> dict[str, str]:
        """The storage options it was opened with (credentials included: never send them)."""
        return dict(getattr(self.db, "storage_options", None) or {})

    def names(self) -> list[str]:
        """Every table's name, internal ones included."""
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
            return self.db.open_table(name).schema
        except Exception as exc:
            raise StorageError(f"cannot open collection {name!r}: {clean_message(exc)}") from exc

    def open(self, name: str) -> Any:
        """The LanceDB table ``name`` (for the storage package's own use)."""
        return self.db.open_table(name)

    def create(self, name: str, schema: pa.Schema) -> Any:
        """A new empty LanceDB table (for the storage package's own use)."""
        return self.db.create_table(name, schema=schema)

    def drop(self, name: str) -> None:
        self.db.drop_table(name)

    def open_store(self, name: str) -> Store | None:
        """The Store of collection ``name``; None when the table is not one of ours."""
        try:
            table = self.open(name)
        except Exception as exc:
            raise StorageError(f"cannot open collection {name!r}: {clean_message(exc)}") from exc
        settings = CollectionSettings.from_schema(table.schema)
        if settings is None:
            return None
        return Store(name, table, settings, uri=self.uri, connection=self)

    def create_store(self, name: str, schema: pa.Schema, settings: CollectionSettings) -> Store:
        """Create table ``name`` with ``schema`` and return its Store. Under the collection's
        write lock (on local paths): two threads creating it at once both committed, the
        second as an Overwrite of the first, and the first one's text index then failed as
        incompatible with it. Now the second finds the table there and fails to create it."""
        with CommitGuard(name, backend_for(self.uri).lock_path(name)).locked():
            table = self.create(name, schema)
        return Store(name, table, settings, uri=self.uri, connection=self)
