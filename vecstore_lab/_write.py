"""Lay out and commit a collection's row batches: Arrow layout, the id key, existence checks.

``Collection`` decides *what* to write and holds the write lock (``_writer.CommitGuard``);
``RowWriter`` turns a validated batch into Arrow rows against the current schema and commits
them, adding new metadata columns first and taking them out again if the rows fail.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vecstore_lab._schema import ID, PRIMARY_KEY_METADATA, TEXT, VECTOR, metadata_columns
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab._inputs import Batch
    from vecstore_lab._writer import CommitGuard

__all__ = ["ID_CHUNK", "RowWriter", "ids_predicate"]

ID_CHUNK = 2000  # ids per IN (...) lookup: keeps predicates small and plans fast


def ids_predicate(ids: Sequence[str]) -> str:
    """SQL matching rows whose id is one of ``ids`` (quoted by our own compiler)."""
    return f"`{ID}` IN ({', '.join(quote_string(i) for i in ids)})"


class RowWriter:
    """Writes batches into one LanceDB table; every commit goes through ``guard``."""

    def __init__(self, table: Any, name: str, dim: int, guard: CommitGuard) -> None:
        self.table, self.name, self.dim, self.guard = table, name, dim, guard

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        found: set[str] = set()
        if not ids or self.table.count_rows() == 0:
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
        flat = pa.array(batch.vectors.reshape(-1), pa.float32())
        arrays: dict[str, pa.Array] = {
            ID: pa.array(batch.ids, pa.string()),
            TEXT: pa.array(batch.texts if batch.texts is not None else [None] * n, pa.string()),
            VECTOR: pa.FixedSizeListArray.from_arrays(flat, self.dim),
            **meta,
        }
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
            self.table.add(reader)
            return
        builder = self.table.merge_insert(ID).when_matched_update_all()
        if how == "upsert":
            builder = builder.when_not_matched_insert_all()
        builder.execute(reader)
