"""Every evaluation run, kept in the collection's database.

``evaluate`` records each run it makes: for every (configuration, query) the ranked ids it
scored and the metrics, with the run's id and label, who ran it and when, the collection's
name, version and embedder, and the configuration as ``QuerySpec`` JSON. ``runs(db)`` lists
them (one row per run and configuration, metric means as columns), ``run(db, run_id)`` gives a
run's per-query table (the same shape ``evaluate`` returns, so ``compare`` and ``EvalWidget``
take it), and ``export_trec_run`` writes a configuration's rankings as a TREC run file.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._storage.log import AppendLog
from vecstore_lab.collection import Collection
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.eval.judgements import default_judge
from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from vecstore_lab.database import VecDatabase
    from vecstore_lab.eval.configs import SearchConfig

__all__ = ["RUNS_TABLE", "export_trec_run", "record_run", "run", "runs"]

RUNS_TABLE = "_vecstore_eval_runs"
SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("label", pa.string()),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("who", pa.string(), nullable=False),
        pa.field("collection", pa.string(), nullable=False),
        pa.field("version", pa.int64(), nullable=False),
        pa.field("embedder", pa.string()),  # JSON of the collection's embedder config
        pa.field("config", pa.string(), nullable=False),
        pa.field("spec", pa.string(), nullable=False),  # QuerySpec JSON
        pa.field("on", pa.string()),  # the collection a config ran on, when another
        pa.field("k", pa.int32(), nullable=False),
        pa.field("query_id", pa.string(), nullable=False),
        pa.field("ranked", pa.list_(pa.string()), nullable=False),
        pa.field("scores", pa.string(), nullable=False),  # JSON {metric@k: value}
    ]
)


def _log(connection: Any) -> AppendLog:
    if connection is None:
        raise InvalidInputError("runs are kept in a database: open the collection through connect")
    return AppendLog(connection, RUNS_TABLE, SCHEMA)


def record_run(
    collection: Collection,
    configs: Mapping[str, SearchConfig],
    rankings: Mapping[str, Mapping[str, list[str]]],
    per_query: pa.Table,
    *,
    k: int,
    label: str | None,
) -> str:
    """Append one run (``evaluate`` calls this); its id."""
    run_id = uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC)
    embedder = collection.settings.embedder
    metric_cols = [c for c in per_query.column_names if "@" in c]
    rows: list[dict[str, Any]] = []
    for r in per_query.to_pylist():
        config = configs[r["config"]]
        rows.append(
            {
                "run_id": run_id,
                "label": label,
                "at": now,
                "who": default_judge(),
                "collection": collection.name,
                "version": collection.version,
                "embedder": json.dumps(embedder, sort_keys=True) if embedder else None,
                "config": r["config"],
                "spec": config.spec.to_json(),
                "on": config.collection.name if config.collection is not None else None,
                "k": k,
                "query_id": r["query_id"],
                "ranked": rankings[r["config"]].get(r["query_id"], []),
                "scores": json.dumps({m: r[m] for m in metric_cols}),
            }
        )
    _log(collection.store.connection).append(pa.Table.from_pylist(rows, schema=SCHEMA))
    return run_id


def _rows(db: VecDatabase | Collection, where: str | None = None) -> pa.Table:
    """The recorded rows of a database, or of one collection's runs (matching ``where``)."""
    if isinstance(db, Collection):
        scoped = f"collection = {quote_string(db.name)}"
        where = f"{scoped} AND {where}" if where else scoped
        return _log(db.store.connection).read(where)
    return _log(db.connection).read(where)


def runs(db: VecDatabase | Collection) -> pa.Table:
    """Every recorded run of a database (or of one collection), oldest first: one row per
    (run, configuration) with the run's metadata and each metric's mean over its queries."""
    rows = _rows(db)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    sums: dict[tuple[str, str], dict[str, list[float]]] = {}
    for r in rows.to_pylist():
        key = (r["run_id"], r["config"])
        if key not in out:
            out[key] = {
                c: r[c]
                for c in (
                    "run_id",
                    "label",
                    "at",
                    "who",
                    "collection",
                    "version",
                    "embedder",
                    "config",
                    "spec",
                    "on",
                    "k",
                )
            }
            sums[key] = {}
        for m, v in json.loads(r["scores"]).items():
            sums[key].setdefault(m, []).append(float(v))
    table = []
    for key, meta in out.items():
        means = {m: sum(v) / len(v) for m, v in sums[key].items()}
        table.append(
            {**meta, "queries": max((len(v) for v in sums[key].values()), default=0), **means}
        )
    if not table:
        return pa.table({c: pa.array([], SCHEMA.field(c).type) for c in ("run_id", "label", "at")})
    result = pa.Table.from_pylist(table)
    return result.take(pc.sort_indices(result, sort_keys=[("at", "ascending")]))


def run(db: VecDatabase | Collection, run_id: str) -> pa.Table:
    """One run's per-query table: ``config``, ``query_id`` and a column per metric, as
    ``evaluate`` returned it (``compare`` and ``EvalWidget(results=...)`` take it)."""
    rows = _rows(db, f"run_id = {quote_string(run_id)}")
    if rows.num_rows == 0:
        raise InvalidInputError(f"no evaluation run {run_id!r}; runs(db) lists them")
    out = [
        {"config": r["config"], "query_id": r["query_id"], **json.loads(r["scores"])}
        for r in rows.to_pylist()
    ]
    return pa.Table.from_pylist(out)


def export_trec_run(
    db: VecDatabase | Collection, run_id: str, config: str, path: str | os.PathLike[str]
) -> int:
    """Write one configuration of a run as a TREC run file (``qid Q0 id rank score tag``,
    score ``k - rank + 1``: the order is what was measured); how many lines."""
    rows = _rows(db, f"run_id = {quote_string(run_id)} AND config = {quote_string(config)}")
    if rows.num_rows == 0:
        raise InvalidInputError(f"run {run_id!r} has no configuration {config!r}")
    tag = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in config) or "run"
    lines = []
    for r in rows.to_pylist():
        k = len(r["ranked"])
        lines += [
            f"{r['query_id']} Q0 {d} {i} {k - i + 1} {tag}"
            for i, d in enumerate(r["ranked"], start=1)
        ]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
