"""Reading stored rows: by id, by filter, in storage order or sorted, one page at a time.

Sorted pages of a large collection: a page sorted on one column with a scalar index is read
through that index (``_window``: a window of key values, not every row). Any other sort ranks
the row ids once per table version, reading the sort key columns (not the rows); every page
after that takes just its rows by row id. A write makes a new version, and the next page
ranks again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import ID, VECTOR
from vecstore_lab._storage.queries import read_all
from vecstore_lab._storage.rows import ids_predicate
from vecstore_lab._storage.take import ROWID, take
from vecstore_lab._storage.window import Windows
from vecstore_lab.errors import ConcurrentChangeError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

__all__ = ["OrderBy", "Rankings", "read_rows", "sort_keys"]

OrderBy = str | tuple[str, str] | list[str | tuple[str, str]]
_ORDERS = ("ascending", "descending")


def sort_keys(order_by: OrderBy, names: Sequence[str]) -> list[tuple[str, str]]:
    """``order_by`` as pyarrow sort keys: ``"year"``, ``("year", "descending")`` or a list of
    either. Every field must exist and not be the vector."""
    items = [order_by] if isinstance(order_by, str | tuple) else list(order_by)
    keys: list[tuple[str, str]] = []
    for item in items:
        name, order = (item, "ascending") if isinstance(item, str) else tuple(item)
        if name not in names or name == VECTOR:
            raise InvalidInputError(f"cannot order by {name!r}; fields: {', '.join(names)}")
        if order not in _ORDERS:
            raise InvalidInputError(f"order must be 'ascending' or 'descending', got {order!r}")
        keys.append((str(name), str(order)))
    if not keys:
        raise InvalidInputError("order_by names no field")
    return keys


def _page(offset: int, limit: int | None) -> slice:
    return slice(offset, None if limit is None else offset + limit)


def _by_position(table: pa.Table, ids: list[str]) -> pa.Table:
    pos = {i: n for n, i in enumerate(ids)}
    order = sorted(range(table.num_rows), key=lambda r: pos[table.column(ID)[r].as_py()])
    return table.take(pa.array(order, pa.int64()))


_KEPT = 4  # rankings kept per table (each is 8 bytes a row)


class Rankings:
    """Row ids in sorted order, per (version, filter, order): what sorted pages are cut
    from. One per table (``of``), so every reader of a collection shares it."""

    _tables: ClassVar[weakref.WeakKeyDictionary[Any, Rankings]] = weakref.WeakKeyDictionary()
    _guard = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._windows = Windows()

    @classmethod
    def of(cls, tbl: Any) -> Rankings:
        with cls._guard:
            found = cls._tables.get(tbl)
            if found is None:
                found = cls._tables[tbl] = cls()
            return found

    def page(
        self,
        tbl: Any,
        where: str | None,
        order: list[tuple[str, str]],
        *,
        offset: int,
        limit: int | None,
    ) -> np.ndarray:
        """Row ids of one sorted page: cut from a ranking already made, read through a
        scalar index window (``_window``), or cut from a new ranking of every row."""
        with self._lock:
            held = self._held.get((int(tbl.version), where, tuple(order)))
        if held is None and where is None and limit is not None:
            found = self._windows.page(tbl, order, offset, limit)
            if found is not None:
                return found
        ranking = held if held is not None else self.ranked(tbl, where, order)
        return ranking[_page(offset, limit)]

    def ranked(self, tbl: Any, where: str | None, order: list[tuple[str, str]]) -> np.ndarray:
        key = (int(tbl.version), where, tuple(order))
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]
        cols = list(dict.fromkeys([ID, *(name for name, _ in order)]))
        q = tbl.search().select(cols).with_row_id(True).limit(None)
        keys = read_all(q.where(where) if where else q)
        ranked = pc.sort_indices(keys, sort_keys=[*order, (ID, "ascending")])
        rowids: np.ndarray = keys.column(ROWID).to_numpy()[ranked.to_numpy()]
        with self._lock:
            self._held[key] = rowids
            while len(self._held) > _KEPT:
                self._held.popitem(last=False)
        return rowids


def read_rows(
    tbl: Any,
    columns: list[str],
    *,
    ids: list[str] | None,
    where: str | None,
    limit: int | None,
    offset: int,
    order: list[tuple[str, str]] | None,
) -> pa.Table:
    """Rows matching ``ids`` and ``where`` (compiled SQL): in storage order, in the order of
    ``ids``, or sorted by ``order`` (ties by id; nulls last). Only the page is materialised in
    full: sorting reads just the key columns."""
    preds = [ids_predicate(ids)] if ids is not None else []
    if where:
        preds.append(where)

    def scan(cols: list[str], extra: str | None = None) -> Any:
        q = tbl.search().select(cols)
        clauses = [*preds, extra] if extra else preds
        return q.where(" AND ".join(f"({p})" for p in clauses)) if clauses else q

    if order is not None and ids is None:
        page = Rankings.of(tbl).page(tbl, where, order, offset=offset, limit=limit)
        if not len(page):
            return scan(columns).limit(1).to_arrow().slice(0, 0)  # limit(0) reads every row
        rows = take(tbl, page, columns)
        if rows is None:
            raise ConcurrentChangeError("the collection changed while a page was read; read again")
        return rows
    if order is not None:
        key_cols = list(dict.fromkeys([ID, *(name for name, _ in order)]))
        keys = read_all(scan(key_cols).limit(None))
        ranked = pc.sort_indices(keys, sort_keys=[*order, (ID, "ascending")])
        page_ids = keys.column(ID).take(ranked)[_page(offset, limit)].to_pylist()
        if not page_ids:
            return scan(columns).limit(1).to_arrow().slice(0, 0)  # limit(0) reads every row
        rows = read_all(tbl.search().select(columns).where(ids_predicate(page_ids)).limit(None))
        return _by_position(rows, page_ids)
    if ids is None:
        q = scan(columns)
        if limit is not None:
            return q.limit(limit).offset(offset).to_arrow()
        return read_all(q.limit(None).offset(offset))
    return _by_position(read_all(scan(columns).limit(None)), ids)[_page(offset, limit)]
