"""What the engine says about queries without changing anything: ``explain`` (the path a
query takes and LanceDB's plan) and ``measure_recall`` (what an index trades against exact
search). ``engine`` is an ``Engine`` (typed ``Any``: the engine imports this module)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab._schema import VECTOR
from vecstore_lab._storage import indexes as _indexes
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from collections.abc import Callable

    from vecstore_lab.results import QueryResults

__all__ = ["explain", "measure_recall"]


def explain(engine: Any, spec: QuerySpec) -> dict[str, Any]:
    """How ``spec`` would run on ``engine`` (``Engine.explain``)."""
    where = engine.where(spec.where)
    plan: dict[str, Any] = {"mode": spec.mode, "k": spec.k, "filter": None}
    if where:
        plan["filter"] = {"sql": where, "applied": "before the search (prefilter)"}
    if spec.mode != "text":
        plan["vector"] = _vector_plan(engine, spec)
    if spec.mode != "vector":
        unindexed = engine.store.unindexed_rows()
        plan["text"] = {"index": _indexes.FTS_INDEX, "unindexed_rows": unindexed}
    return plan


def _vector_plan(engine: Any, spec: QuerySpec) -> dict[str, Any]:
    exact = engine.is_exact(spec)
    graph = engine.graph
    if graph is not None and not exact:
        s = graph.settings
        return {
            "path": "graph",
            "exact": False,
            "index": graph.describe(),
            "knobs": {"ef": spec.ef or s.expansion_search},
            "rescored": "2k + 16 candidates (k + 6 that match a filter), found ef wide, scored "
            "again from float32 vectors",
            "filter": graph.plan(engine.where(spec.where), engine.flat.probe.current()),
        }
    vector_index = next((ix for ix in engine.store.indexes() if VECTOR in ix["columns"]), None)
    if exact and engine.flat.fits(engine.store.count()):
        path = "memory"
    elif exact:
        path = "lancedb-flat"
    else:
        path = "lancedb-index"
    out: dict[str, Any] = {"path": path, "exact": exact, "index": vector_index}
    if path == "lancedb-index":
        out["knobs"] = {
            "nprobes": spec.nprobes,
            "refine_factor": spec.refine_factor,
            "ef": spec.ef,
        }
        out["unindexed_rows"] = (vector_index or {}).get("unindexed_rows")
    probe = np.zeros(engine.dim, np.float32)
    probe[0] = 1.0  # the plan does not depend on the values
    out["lancedb_plan"] = engine.store.vector_plan(
        probe, metric=engine.distance, limit=spec.k, where=engine.where(spec.where), exact=exact
    )
    return out


def measure_recall(
    engine: Any,
    search: Callable[[QuerySpec], QueryResults],
    sample: int,
    k: int,
    seed: int,
    **knobs: Any,
) -> dict[str, Any]:
    """Recall@k of the vector index against exact search (``Engine.measure_recall``)."""
    rows = engine.store.count()
    if not any(VECTOR in ix["columns"] for ix in engine.list_indexes()):
        raise InvalidInputError("no vector index to measure; build one with create_index()")
    rng = np.random.default_rng(seed)
    picks = rng.choice(rows, size=min(sample, rows), replace=False)
    # Only the sampled rows are read (in offset order, which does not matter here).
    taken = engine.store.at_offsets(sorted(int(i) for i in picks), [VECTOR])
    column = taken.column(VECTOR).combine_chunks()
    flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    queries = list(flat.reshape(len(column), engine.dim))
    hits: list[float] = []
    times: dict[str, list[float]] = {"index": [], "exact": []}
    for q in queries:
        results = {}
        for path, exact in (("index", False), ("exact", True)):
            t0 = time.perf_counter()
            results[path] = set(search(QuerySpec(vector=q, k=k, exact=exact, **knobs)).ids)
            times[path].append(time.perf_counter() - t0)
        hits.append(len(results["index"] & results["exact"]) / max(1, len(results["exact"])))
    return {
        "recall": float(np.mean(hits)),
        "k": k,
        "queries": len(queries),
        "knobs": knobs,
        "index_ms_p50": 1000 * float(np.median(times["index"])),
        "exact_ms_p50": 1000 * float(np.median(times["exact"])),
    }
