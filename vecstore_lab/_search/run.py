"""Run a ``QuerySpec`` on a Store: vector and full-text searches, fusion, reranking, and our
fixed result schema."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab import telemetry
from vecstore_lab._schema import (
    BREAKDOWN_COLUMNS,
    DISTANCE,
    FTS_RANK,
    FTS_SCORE,
    FUSED_SCORE,
    ID,
    RANK,
    RANK_CHANGE,
    RERANK_SCORE,
    RESULT_COLUMNS,
    RETRIEVAL_RANK,
    SCORE,
    VECTOR,
    VECTOR_CHECKSUM,
    VECTOR_RANK,
    VECTOR_SCORE,
)
from vecstore_lab.errors import InvalidInputError, RerankerError, VecStoreError
from vecstore_lab.filters import compile_filter
from vecstore_lab.rerankers import resolve_reranker
from vecstore_lab.spec import MAX_K

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vecstore_lab._search.engine import MemorySearch
    from vecstore_lab._storage.store import Store
    from vecstore_lab.rerankers import Fuser, Reranker
    from vecstore_lab.spec import QuerySpec

__all__ = ["Ann", "empty_result", "run", "select_columns", "similarity"]


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


@lru_cache(maxsize=64)
def _ranks(n: int) -> pa.Array:
    """1..n as int32 (Arrow arrays are immutable, so one is shared by every result of n rows:
    building it costs as much as a 1,000-row search's arithmetic)."""
    return pa.array(np.arange(1, n + 1, dtype=np.int32))


@lru_cache(maxsize=256)
def _nulls(n: int, type_: pa.DataType) -> pa.Array:
    """``n`` nulls of ``type_``, shared like ``_ranks``."""
    return pa.nulls(n, type_)


@dataclass(frozen=True)
class Ann:
    """How a vector search runs: LanceDB's index knobs, and whether it runs in process.

    ``memory`` is the collection's in-process search for this query (``Engine.memory_search``):
    the exact search from memory (no index, or ``exact=True``), which answers unless the
    vectors do not fit its budget, and then LanceDB's own flat search does
    (``bypass_vector_index`` when an index exists); or the in-process graph index.
    """

    refine_factor: int | None = None
    nprobes: int | None = None
    ef: int | None = None
    exact: bool | None = None
    memory: MemorySearch | None = None
    version: int | None = None  # the table version the collection read for this query


def vector_search(
    store: Store,
    vector: npt.NDArray[np.float32],
    *,
    metric: str,
    limit: int,
    where: str | None,
    columns: list[str],
    ann: Ann,
) -> pa.Table:
    """Nearest neighbours, with ``_distance``, ``_vector_score`` and ``_vector_rank``."""
    attrs = {
        "db.system.name": "lancedb",
        "db.operation.name": "search",
        "vecstore_lab.limit": limit,
        "vecstore_lab.metric": metric,
    }
    with telemetry.stage("search.vector", attrs) as span:
        memory = ann.memory
        out = None
        if memory is not None:
            out = memory.search(vector, limit, where, columns, version=ann.version, ef=ann.ef)
        if out is not None and memory is not None:
            span.set_attribute("vecstore_lab.search.path", memory.path)
        else:
            span.set_attribute("vecstore_lab.search.path", "lancedb")
            out = store.nearest(
                vector,
                metric=metric,
                limit=limit,
                where=where,
                columns=columns,
                exact=ann.exact,
                refine_factor=ann.refine_factor,
                nprobes=ann.nprobes,
                ef=ann.ef,
            )
        # one new table: distance as float64, its similarity and the rank (numpy: the
        # column is a few hits long, and each Arrow call costs more than the arithmetic)
        d = out.column(DISTANCE).to_numpy().astype(np.float64)
        score = 1.0 / (1.0 + d) if metric == "l2" else 1.0 - d
        kept = [name for name in out.column_names if name != DISTANCE]
        out = pa.Table.from_arrays(
            [*(out.column(name) for name in kept), pa.array(d), pa.array(score), _ranks(len(d))],
            names=[*kept, DISTANCE, VECTOR_SCORE, VECTOR_RANK],
        )
        span.set_attribute("vecstore_lab.results", out.num_rows)
        return out


def fts_search(
    store: Store, text: str, *, limit: int, where: str | None, columns: list[str]
) -> pa.Table:
    """BM25 full-text matches on the text column, with ``fts_score`` and ``fts_rank``."""
    attrs = {
        "db.system.name": "lancedb",
        "db.operation.name": "search",
        "vecstore_lab.limit": limit,
    }
    with telemetry.stage("search.fts", attrs) as span:
        out = _fts_search(store, text, limit, where, columns)
        span.set_attribute("vecstore_lab.results", out.num_rows)
        return out


def _fts_search(
    store: Store, text: str, limit: int, where: str | None, columns: list[str]
) -> pa.Table:
    # LanceDB's errors are typed (storage_error) by Collection.search, which runs this.
    out = store.text_matches(text, limit=limit, where=where, columns=columns)
    score = out.column(SCORE)
    out = out.drop_columns([SCORE])
    return (
        out.append_column(DISTANCE, _nulls(out.num_rows, pa.float64()))
        .append_column(FTS_SCORE, pc.cast(score, pa.float64()))
        .append_column(FTS_RANK, _ranks(out.num_rows))
    )


def retrieve(
    store: Store,
    *,
    mode: str,
    text: str | None,
    vector: npt.NDArray[np.float32] | None,
    metric: str,
    depth: int,
    candidates: int,
    where: str | None,
    columns: list[str],
    fuser: Fuser,
    ann: Ann,
) -> pa.Table:
    """The first stage: ``depth`` hits from vector, full-text or fused hybrid search."""
    if mode == "vector":
        assert vector is not None
        return vector_search(
            store, vector, metric=metric, limit=depth, where=where, columns=columns, ann=ann
        )
    assert text is not None
    if mode == "text":
        return fts_search(store, text, limit=depth, where=where, columns=columns)
    assert vector is not None
    v = vector_search(
        store, vector, metric=metric, limit=candidates, where=where, columns=columns, ann=ann
    )
    f = fts_search(store, text, limit=candidates, where=where, columns=columns)
    with telemetry.stage("fuse", {"vecstore_lab.fusion": getattr(fuser, "name", "custom")}):
        fused = fuser.fuse(v, f)
    return fused.slice(0, depth)


_STAGE_SCORE = {"vector": VECTOR_SCORE, "text": FTS_SCORE, "hybrid": FUSED_SCORE}


def apply_rerank(
    reranker: Any,
    text: str | None,
    hits: pa.Table,
    vector: npt.NDArray[np.float32] | None,
    mode: str,
) -> pa.Table:
    """The second stage: reorder ``hits``; record ranks before and the change after.

    The reranker sees the retrieval stage's score as ``_score`` and its rank as
    ``_retrieval_rank``, next to every breakdown column.
    """
    if text is None and not reranker.needs_vectors:
        raise InvalidInputError(
            f"reranker {reranker.name!r} needs the query text (it scores text, or fuses "
            "full-text and vector ranks), but this query gave only a vector; pass text= "
            "(with mode='hybrid' for the fusion rerankers), or use a reranker that works on "
            "vectors such as 'mmr'"
        )
    staged = hits.append_column(SCORE, hits.column(_STAGE_SCORE[mode])).append_column(
        RETRIEVAL_RANK, _ranks(hits.num_rows)
    )
    attrs = {"reranker": reranker.name, "vecstore_lab.rerank.candidates": hits.num_rows}
    with telemetry.stage("rerank", attrs):
        try:
            out = reranker.rerank(text or "", staged, query_vector=vector)
        except VecStoreError:
            raise
        except Exception as exc:  # a user's reranker or model code: name who failed
            raise RerankerError(
                f"reranker {reranker.name!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
    if (
        not isinstance(out, pa.Table)
        or RERANK_SCORE not in out.column_names
        or sorted(out.column("id").to_pylist()) != sorted(staged.column("id").to_pylist())
    ):
        raise RerankerError(
            f"reranker {reranker.name!r} must return the same hits with a _rerank_score column"
        )
    change = pc.subtract(pc.cast(out.column(RETRIEVAL_RANK), pa.int32()), _ranks(out.num_rows))
    return out.append_column(RANK_CHANGE, change)


def finalize(
    table: pa.Table, mode: str, columns: list[str], k: int, *, reranked: bool = False
) -> pa.Table:
    """Cut to ``k`` rows and lay out the fixed schema: columns, score, distance, rank, breakdown.

    ``score`` is the last stage's score: ``rerank_score`` after a reranker, else
    ``vector_score`` in vector mode, ``fts_score`` in text mode, ``fused_score`` in hybrid mode.
    """
    table = table.slice(0, k)
    n = table.num_rows
    score_col = RERANK_SCORE if reranked else _STAGE_SCORE[mode]
    present = set(table.column_names)
    arrays = [table.column(c) for c in columns]
    arrays.append(table.column(score_col))
    arrays.append(table.column(DISTANCE) if DISTANCE in present else _nulls(n, pa.float64()))
    arrays.append(_ranks(n))
    for c in BREAKDOWN_COLUMNS:
        wanted = RESULT_COLUMNS[c]
        if c not in present:
            arrays.append(_nulls(n, wanted))
            continue
        column = table.column(c)
        arrays.append(column if column.type == wanted else pc.cast(column, wanted))
    return pa.Table.from_arrays(arrays, names=[*columns, SCORE, DISTANCE, RANK, *BREAKDOWN_COLUMNS])


def empty_result(schema: pa.Schema, columns: list[str]) -> pa.Table:
    """A zero-row result with the fixed schema."""
    arrays: dict[str, pa.Array] = {c: pa.array([], schema.field(c).type) for c in columns}
    arrays[SCORE] = pa.array([], pa.float64())
    arrays[DISTANCE] = pa.array([], pa.float64())
    arrays[RANK] = pa.array([], pa.int32())
    for c in BREAKDOWN_COLUMNS:
        arrays[c] = pa.array([], RESULT_COLUMNS[c])
    return pa.table(arrays)


def select_columns(
    schema: pa.Schema, select: Sequence[str] | None, *, include_vectors: bool
) -> list[str]:
    """The stored columns a read returns: id first, the vector only when asked for."""
    names = schema.names
    if select is None:
        cols = [c for c in names if c not in (VECTOR, VECTOR_CHECKSUM)]
    else:
        unknown = [c for c in select if c not in names]
        if unknown:
            raise InvalidInputError(
                f"select names unknown field(s) {unknown}; fields: {', '.join(names)}"
            )
        cols = [ID, *[c for c in names if c in select and c != ID]]
    if include_vectors and VECTOR not in cols:
        cols.append(VECTOR)
    return cols


def run(
    store: Store,
    spec: QuerySpec,
    *,
    collection: str,
    schema: pa.Schema,
    metric: str,
    query_vector: Callable[[], npt.NDArray[np.float32]],
    memory: MemorySearch | None = None,
    version: int | None = None,
) -> pa.Table:
    """``spec`` over one table, as one ``query`` span: retrieve, rerank, cut to ``k`` rows in
    our result schema.

    ``query_vector`` returns the checked query vector (it is called only when the mode or
    the reranker needs one). ``memory`` is the in-process vector search (``Ann``).
    """
    if spec.mode != "vector" and spec.text is None:
        extra = " (and vector= or an embedder)" if spec.mode == "hybrid" else ""
        raise InvalidInputError(f"{spec.mode} mode needs text={extra}")
    reranker = resolve_reranker(spec.rerank) if spec.rerank is not None else None
    attrs = {
        "db.system.name": "lancedb",
        "db.collection.name": collection,
        "db.operation.name": "query",
        "mode": spec.mode,
        "vecstore_lab.query.mode": spec.mode,
        "vecstore_lab.query.k": spec.k,
        "vecstore_lab.query.filtered": spec.where is not None,
        "reranker": reranker.name if reranker is not None else None,
    }
    status = {"mode": spec.mode, "status": "error"}
    try:
        with telemetry.stage("query", attrs) as span:
            needs_vector = spec.mode != "text" or (reranker is not None and reranker.needs_vectors)
            table = _run(
                store,
                spec,
                schema=schema,
                metric=metric,
                vector=query_vector() if needs_vector else None,
                where=compile_filter(spec.where, schema),
                reranker=reranker,
                ann=Ann(spec.refine_factor, spec.nprobes, spec.ef, spec.exact, memory, version),
            )
            span.set_attribute("vecstore_lab.query.results", table.num_rows)
        status["status"] = "ok"
    finally:
        telemetry.add("vecstore_lab.queries", 1, status)
    return table


def _run(
    store: Store,
    spec: QuerySpec,
    *,
    schema: pa.Schema,
    metric: str,
    vector: npt.NDArray[np.float32] | None,
    where: str | None,
    reranker: Reranker | None,
    ann: Ann,
) -> pa.Table:
    k = spec.k
    cols = select_columns(schema, spec.select, include_vectors=spec.include_vectors)
    fetch = cols
    if reranker is not None and reranker.needs_vectors and VECTOR not in cols:
        fetch = [*cols, VECTOR]
    wide = min(max(3 * k, 30), MAX_K)  # 3k, within LanceDB's 32-bit count for a huge k
    depth = k if reranker is None else (spec.rerank_k or wide)
    hits = retrieve(
        store,
        mode=spec.mode,
        text=spec.text,
        vector=vector,
        metric=metric,
        depth=depth,
        candidates=max(spec.candidates or wide, depth),
        where=where,
        columns=fetch,
        fuser=spec.fusion,
        ann=ann,
    )
    if reranker is not None:
        hits = apply_rerank(reranker, spec.text, hits, vector, spec.mode)
    return finalize(hits, spec.mode, cols, k, reranked=reranker is not None)
