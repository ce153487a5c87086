"""Run LanceDB vector and full-text searches and shape them into our fixed result schema."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import TEXT, VECTOR
from vecstore_lab.errors import StorageError
from vecstore_lab.results import BREAKDOWN_COLUMNS

_TYPES = {
    "vector_score": pa.float64(),
    "vector_rank": pa.int32(),
    "fts_score": pa.float64(),
    "fts_rank": pa.int32(),
    "fused_score": pa.float64(),
}


def similarity(distance: pa.Array, metric: str) -> pa.Array:
    """Higher-is-better score from LanceDB's distance for ``metric``.

    cosine and dot: LanceDB returns ``1 - cos`` and ``1 - dot``, so the score is
    ``1 - distance`` (the similarity itself). l2: LanceDB returns *squared* L2, mapped to
    ``1 / (1 + distance)`` in (0, 1].
    """
    d = pc.cast(distance, pa.float64())
    if metric == "l2":
        return pc.divide(1.0, pc.add(d, 1.0))
    return pc.subtract(1.0, d)


def _ranks(n: int) -> pa.Array:
    return pa.array(np.arange(1, n + 1, dtype=np.int32))


def vector_search(
    tbl: Any,
    vector: npt.NDArray[np.float32],
    *,
    metric: str,
    limit: int,
    where: str | None,
    columns: list[str],
    refine_factor: int | None = None,
    nprobes: int | None = None,
) -> pa.Table:
    """Nearest neighbours, with ``distance``, ``vector_score`` and ``vector_rank``."""
    try:
        q = tbl.search(vector, vector_column_name=VECTOR, query_type="vector")
        q = q.distance_type(metric).select([*columns, "_distance"]).limit(limit)
        if where:
            q = q.where(where, prefilter=True)
        if refine_factor:
            q = q.refine_factor(refine_factor)
        if nprobes:
            q = q.nprobes(nprobes)
        out = q.to_arrow()
    except Exception as exc:
        raise StorageError(f"vector search failed: {exc}") from exc
    distance = out.column("_distance")
    out = out.drop_columns(["_distance"])
    return (
        out.append_column("distance", pc.cast(distance, pa.float64()))
        .append_column("vector_score", similarity(distance, metric))
        .append_column("vector_rank", _ranks(out.num_rows))
    )


def fts_search(
    tbl: Any, text: str, *, limit: int, where: str | None, columns: list[str]
) -> pa.Table:
    """BM25 full-text matches on the text column, with ``fts_score`` and ``fts_rank``."""
    try:
        q = tbl.search(text, query_type="fts", fts_columns=TEXT)
        q = q.select([*columns, "_score"]).limit(limit)
        if where:
            q = q.where(where, prefilter=True)
        out = q.to_arrow()
    except Exception as exc:
        raise StorageError(f"full-text search failed: {exc}") from exc
    score = out.column("_score")
    out = out.drop_columns(["_score"])
    return (
        out.append_column("distance", pa.nulls(out.num_rows, pa.float64()))
        .append_column("fts_score", pc.cast(score, pa.float64()))
        .append_column("fts_rank", _ranks(out.num_rows))
    )


def finalize(table: pa.Table, mode: str, columns: list[str], k: int) -> pa.Table:
    """Cut to ``k`` rows and lay out the fixed schema: columns, score, distance, rank, breakdown.

    ``score`` is the last stage's score: ``vector_score`` in vector mode, ``fts_score`` in
    text mode, ``fused_score`` in hybrid mode.
    """
    table = table.slice(0, k)
    n = table.num_rows
    score_col = {"vector": "vector_score", "text": "fts_score", "hybrid": "fused_score"}[mode]
    arrays: dict[str, pa.Array] = {c: table.column(c) for c in columns}
    arrays["score"] = table.column(score_col)
    arrays["distance"] = (
        table.column("distance") if "distance" in table.column_names else pa.nulls(n, pa.float64())
    )
    arrays["rank"] = _ranks(n)
    for c in BREAKDOWN_COLUMNS:
        arrays[c] = table.column(c) if c in table.column_names else pa.nulls(n, _TYPES[c])
    return pa.table(arrays)


def empty_result(schema: pa.Schema, columns: list[str]) -> pa.Table:
    """A zero-row result with the fixed schema."""
    arrays: dict[str, pa.Array] = {c: pa.array([], schema.field(c).type) for c in columns}
    arrays["score"] = pa.array([], pa.float64())
    arrays["distance"] = pa.array([], pa.float64())
    arrays["rank"] = pa.array([], pa.int32())
    for c in BREAKDOWN_COLUMNS:
        arrays[c] = pa.array([], _TYPES[c])
    return pa.table(arrays)
