"""Lay out and commit a collection's row batches: Arrow layout, the id key, existence checks.

``Collection`` decides *what* to write and holds the write lock (``commits.CommitGuard``);
``RowWriter`` turns a validated batch into Arrow rows against the current schema and commits
them, adding new metadata columns first and taking them out again if the rows fail.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab import telemetry
from vecstore_lab._inputs import Batch, check_ids, refuse_zero_vectors
from vecstore_lab._schema import (
    ID,
    PRIMARY_KEY_METADATA,
    TEXT,
    VECTOR,
    VECTOR_CHECKSUM,
    metadata_columns,
    vector_checksums,
)
from vecstore_lab._storage.ids import StoredIds
from vecstore_lab.errors import (
    DuplicateIdError,
    IdNotFoundError,
    InvalidInputError,
)
from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy.typing as npt

    from vecstore_lab._schema import CollectionSettings
    from vecstore_lab._storage.backends import Backend
    from vecstore_lab._storage.commits import CommitGuard
    from vecstore_lab.results import Record

__all__ = ["ID_CHUNK", "RowWriter", "delete_predicate", "ids_predicate"]

ID_CHUNK = 2000  # ids per IN (...) lookup: keeps predicates small and plans fast


def ids_predicate(ids: Sequence[str]) -> str:
    """SQL matching rows whose id is one of ``ids`` (quoted by our own compiler)."""
    return f"`{ID}` IN ({', '.join(quote_string(i) for i in ids)})"


def delete_predicate(ids: Any, where: Any, where_sql: str | None) -> str | None:
    """What ``delete(ids, where)`` deletes as SQL; ``None`` when no id was given (nothing to
    delete). Neither argument, or a filter that matches everything, is refused: a forgotten
    argument must never wipe a collection."""
    if ids is None and where is None:
        raise InvalidInputError("delete() needs ids and/or where; refusing to delete all rows")
    if where is not None and where_sql is None:
        raise InvalidInputError(
            f"delete(where={where!r}) is an empty filter, which matches every row; refusing "
            "to delete all rows (db.delete_collection() drops a collection)"
        )
    checked = check_ids(ids) if ids is not None else None
    if checked is not None and not checked:
        return None
    preds = [ids_predicate(checked)] if checked is not None else []
    if where_sql:
        preds.append(where_sql)
    return " AND ".join(f"({p})" for p in preds)


class RowWriter:
    """Writes batches into one LanceDB table; every commit goes through ``guard``."""

    def __init__(
        self,
        table: Any,
        name: str,
        settings: CollectionSettings,
        guard: CommitGuard,
        backend: Backend,
    ) -> None:
        self.table, self.name, self.guard, self.backend = table, name, guard, backend
        self.dim, self.distance = settings.dim, settings.distance
        # Where every writer takes the file lock, the stored ids can be held in memory.
        self.known = StoredIds(table) if backend.exclusive else None

    def _attrs(self, operation: str) -> dict[str, Any]:
        return {
            "db.system.name": "lancedb",
            "db.collection.name": self.name,
            "db.operation.name": operation,
        }

    def commit(self, batch: Batch, how: str, *, batch_size: int) -> None:
        """Lay out ``batch`` against the latest schema and commit it (``how``: add, upsert or
        update), in a ``write`` span; the caller holds the write lock."""
        self.ensure_primary_key()
        data, new_fields = self.layout(batch, self.table.schema)
        attrs = {**self._attrs(how), "operation": how, "vecstore_lab.rows": data.num_rows}
        with telemetry.stage("write", attrs):
            self.write(data, new_fields, how, batch_size=batch_size)
        if self.known is not None:
            self.known.committed(batch.ids)
        telemetry.add("vecstore_lab.rows.written", data.num_rows, {"operation": how})

    def refuse_existing(self, ids: Sequence[str]) -> None:
        """``DuplicateIdError`` naming the ids of ``ids`` that are already stored."""
        clash = sorted(self.existing_ids(ids))
        if clash:
            raise DuplicateIdError(
                f"{len(clash)} id(s) already exist in {self.name!r}: {clash[:5]}"
                f"{' …' if len(clash) > 5 else ''}; use upsert() to replace them",
                ids=clash,
            )

    def merged(
        self,
        batch: Batch,
        current: Mapping[str, Record],
        vectors: npt.NDArray[np.float32] | None,
    ) -> Batch:
        """``batch`` merged into the stored rows ``current`` (by id): fields not given keep
        their value, metadata merges key by key. Every id must be stored."""
        missing = [i for i in batch.ids if i not in current]
        if missing:
            raise IdNotFoundError(
                f"{len(missing)} id(s) not found in {self.name!r}: {missing[:5]}; "
                "use upsert() to insert",
                ids=missing,
            )
        rows = [current[i] for i in batch.ids]
        texts = batch.texts if batch.texts is not None else [r.text for r in rows]
        if vectors is None:
            vectors = np.stack([np.asarray(r.vector, dtype=np.float32) for r in rows])
        metadatas: list[Mapping[str, Any] | None] = [
            {**r.metadata, **(new or {})}
            for r, new in zip(rows, batch.metadatas or [None] * len(rows), strict=True)
        ]
        return Batch(batch.ids, texts, vectors, metadatas)

    def delete(self, predicate: str) -> int:
        """Delete the rows matching ``predicate``; how many there were. Caller holds the lock."""
        with telemetry.stage("delete", self._attrs("delete")) as span:
            n = int(self.table.count_rows(predicate))
            if n:
                if self.known is not None:
                    self.known.forget()
                self.guard.commit(lambda: self.table.delete(predicate), "delete")
            span.set_attribute("vecstore_lab.rows", n)
        return n

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored (the caller holds the write lock)."""
        found: set[str] = set()
        if not ids:
            return found
        known = self.known.existing(ids) if self.known is not None else None
        if known is not None:
            return known
        if self.table.count_rows() == 0:
            return found
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            rows = (
                self.table.search()
                .where(ids_predicate(chunk))
                .select([ID])
                .limit(len(chunk))
                .to_arrow()
            )
            found.update(rows.column(ID).to_pylist())
        return found

    def layout(self, batch: Batch, current: pa.Schema) -> tuple[pa.Table, list[pa.Field]]:
        """The Arrow rows of a batch against ``current``, plus the metadata fields it adds."""
        n = len(batch)
        meta, new_fields = metadata_columns(batch.metadatas, n, current)
        schema = current.remove_metadata()
        for f in new_fields:
            schema = schema.append(f)
        if batch.vectors is None:
            raise InvalidInputError("pass texts, vectors, or both")
        if self.distance == "cosine":
            refuse_zero_vectors(batch.ids, batch.vectors)
        flat = pa.array(batch.vectors.reshape(-1), pa.float32())
        arrays: dict[str, pa.Array] = {
            ID: pa.array(batch.ids, pa.string()),
            TEXT: pa.array(batch.texts if batch.texts is not None else [None] * n, pa.string()),
            VECTOR: pa.FixedSizeListArray.from_arrays(flat, self.dim),
            **meta,
        }
        if VECTOR_CHECKSUM in schema.names:
            arrays[VECTOR_CHECKSUM] = vector_checksums(batch.vectors)
        return pa.table([arrays[f.name] for f in schema], schema=schema), new_fields

    def ensure_primary_key(self) -> None:
        """Declare ``id`` the table's primary key (collections written by 0.1 lack it).

        With it, Lance's merge_insert conflict detection sees two concurrent inserts of one
        new id, which is what keeps ids unique where the file lock cannot reach.
        """
        field = self.table.schema.field(ID)
        if (field.metadata or {}).get(next(iter(PRIMARY_KEY_METADATA))) is not None:
            return
        declared = {k.decode(): v.decode() for k, v in PRIMARY_KEY_METADATA.items()}
        update = {"path": ID, "metadata": declared}
        self.guard.commit(lambda: self.table.update_field_metadata(update), "declaring the id key")

    def write(
        self, data: pa.Table, new_fields: list[pa.Field], how: str, *, batch_size: int
    ) -> None:
        """Commit ``data`` (``how``: add, upsert or update), new columns first."""
        if new_fields:
            names = [f.name for f in new_fields]
            self.guard.commit(lambda: self.table.add_columns(new_fields), f"{how} (new {names})")
        try:
            self.guard.commit(lambda: self._write_rows(data, how, batch_size), how)
        except BaseException:
            if new_fields:  # the rows did not land: take the columns they brought back out
                with contextlib.suppress(Exception):
                    self.table.drop_columns([f.name for f in new_fields])
            raise

    def _write_rows(self, data: pa.Table, how: str, batch_size: int) -> None:
        batches = data.to_batches(max_chunksize=batch_size)
        reader = pa.RecordBatchReader.from_batches(data.schema, batches)
        if how == "add":
            ids = data.column(ID).to_pylist()
            self.backend.append(self.table, reader, ids, self.existing_ids, self.name)
            return
        builder = self.table.merge_insert(ID).when_matched_update_all()
        if how == "upsert":
            builder = builder.when_not_matched_insert_all()
        builder.execute(reader)
