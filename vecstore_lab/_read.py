"""Reading stored rows: by id, by filter, in storage order or sorted, one page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import ID, VECTOR
from vecstore_lab._write import ids_predicate
from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["OrderBy", "read_rows", "sort_keys"]

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

    if order is not None:
        key_cols = list(dict.fromkeys([ID, *(name for name, _ in order)]))
        keys = scan(key_cols).limit(None).to_arrow()
        ranked = pc.sort_indices(keys, sort_keys=[*order, (ID, "ascending")])
        page = keys.column(ID).take(ranked)[_page(offset, limit)].to_pylist()
        if not page:
            return scan(columns).limit(0).to_arrow()
        rows = tbl.search().select(columns).where(ids_predicate(page)).limit(None).to_arrow()
        return _by_position(rows, page)
    if ids is None:
        q = scan(columns)
        q = q.limit(limit).offset(offset) if limit is not None else q.limit(None).offset(offset)
        return q.to_arrow()
    return _by_position(scan(columns).limit(None).to_arrow(), ids)[_page(offset, limit)]
