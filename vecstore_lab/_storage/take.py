"""Rows by LanceDB row id, in the order asked for (LanceDB returns them by row id)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["ROWID", "in_order", "take"]

ROWID = "_rowid"


def take(tbl: Any, rowids: np.ndarray, columns: list[str]) -> pa.Table | None:
    """``columns`` of the rows ``rowids``, in that order; ``None`` if some row is gone (the
    table moved on since the row ids were read)."""
    got = tbl.take_row_ids(rowids.tolist()).select(columns).with_row_id().to_arrow()
    return in_order(got, rowids, columns)


def in_order(got: pa.Table, rowids: np.ndarray, columns: list[str]) -> pa.Table | None:
    """``columns`` of ``got`` (rows with a ``_rowid``, in any order) in the order of
    ``rowids``; None unless it holds each of them."""
    if got.num_rows != len(rowids):
        return None
    have = got.column(ROWID).to_numpy()
    if np.array_equal(have, rowids):
        return got.select(columns)
    by_id = np.argsort(have)
    return got.take(pa.array(by_id[np.searchsorted(have, rowids, sorter=by_id)])).select(columns)
