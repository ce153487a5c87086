"""``evaluate``: every judged query under each configuration, scored; ``compare``: the
configurations against a baseline, with a paired test."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab.errors import InvalidInputError, UnjudgedHitsWarning
from vecstore_lab.eval.configs import Config, SearchConfig, run_config
from vecstore_lab.eval.judgements import Judgements, query_id
from vecstore_lab.eval.metrics import METRICS, Qrels, relevant_ids, score_run
from vecstore_lab.eval.runs import record_run

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vecstore_lab.collection import Collection

__all__ = ["compare", "evaluate", "run_id_of"]

RUN_ID = "vecstore_lab.run_id"


def evaluate(
    collection: Collection,
    queries: Mapping[str, str] | None,
    qrels: Qrels | Judgements,
    configs: Mapping[str, Config],
    *,
    k: int = 10,
    metrics: Sequence[str] = ("recall", "precision", "mrr", "ndcg", "map"),
    doc_key: str | None = None,
    depth: int | None = None,
    record: bool = True,
    label: str | None = None,
) -> pa.Table:
    """Run every judged query under each configuration and score it.

    ``configs`` maps a name to a ``QuerySpec`` (its text and k are set per query), to keyword
    arguments of ``collection.query`` (``mode``, ``where``, ``rerank``, ``fusion``…), or to a
    ``SearchConfig`` that runs the spec on another collection. Returns one row per
    (config, query) with ``config``, ``query_id``, a column per metric, and ``judged@k``:
    the share of the top k that has a grade. ``compare`` summarises it.

    ``qrels`` is ``{query_id: {id: grade}}`` (a BEIR or TREC file: unjudged means not
    relevant, by that file's convention), or a ``Judgements`` of your own grades, keyed by
    query text (``queries`` may then be None: every graded query is evaluated). With your
    own grades an unjudged hit is one nobody has looked at yet: when grading every unjudged
    hit of the top k as relevant could change which configuration is best on a metric, an
    ``UnjudgedHitsWarning`` says so.

    Each run is kept in the collection's database (``record=False`` to skip it), under an
    optional ``label``: ``vecstore_lab.eval.runs(db)`` lists every run, and the returned
    table's schema metadata holds its ``run_id`` (``run_id_of``).

    When the collection holds chunks of the judged documents, pass ``doc_key="doc_id"``:
    each query then fetches ``depth`` chunks (default ``5 * k``) and ranks documents by their
    best chunk (and ``Judgements`` roll chunk grades up to their documents).

    Examples:
        >>> import vecstore_lab as vl
        >>> c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32)).create_collection("c")
        >>> _ = c.add(ids=["a", "b"], texts=["moon and tides", "bond prices"])
        >>> t = evaluate(c, {"q": "tides"}, {"q": {"a": 1}}, {"text": {"mode": "text"}}, k=1)
        >>> t.column("recall@1").to_pylist(), t.column("judged@1").to_pylist()
        ([1.0], [1.0])
    """
    if not configs:
        raise InvalidInputError("evaluate() needs at least one configuration")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InvalidInputError(f"unknown metrics {unknown}; known: {sorted(METRICS)}")
    own = isinstance(qrels, Judgements)
    queries, qrels = _judged(queries, qrels, doc_key is not None)
    judged = {qid: queries[qid] for qid, j in qrels.items() if qid in queries and relevant_ids(j)}
    if not judged:
        raise InvalidInputError("no query has both a text and a relevant judgement")
    checked = {name: SearchConfig.of(c) for name, c in configs.items()}  # all fail up front
    scoring = [*dict.fromkeys([*metrics, "judged"])]
    tables, what_if, rankings = [], [], {}
    for name, config in checked.items():
        run = run_config(collection, judged, config, k=k, doc_key=doc_key, depth=depth)
        rankings[name] = run
        scored = score_run(run, {q: qrels[q] for q in run}, k=k, metrics=scoring)
        tables.append(scored.add_column(0, "config", pa.array([name] * scored.num_rows)))
        if own:
            hopeful = {q: _all_relevant(run[q][:k], qrels[q]) for q in run}
            what_if.append(score_run(run, hopeful, k=k, metrics=metrics))
    out = pa.concat_tables(tables)
    if own:
        _warn_if_unjudged_could_change(list(checked), tables, what_if, metrics, k)
    if record:
        run_id = record_run(collection, checked, rankings, out, k=k, label=label)
        out = out.replace_schema_metadata({RUN_ID: run_id})
    return out


def run_id_of(per_query: pa.Table) -> str | None:
    """The id under which ``evaluate`` kept the run that made ``per_query``."""
    meta = per_query.schema.metadata or {}
    value = meta.get(RUN_ID.encode())
    return value.decode() if value is not None else None


def _judged(
    queries: Mapping[str, str] | None, qrels: Qrels | Judgements, documents: bool
) -> tuple[Mapping[str, str], Qrels]:
    """``(queries, qrels)`` by query id, from a qrels mapping or a ``Judgements``."""
    if not isinstance(qrels, Judgements):
        if queries is None:
            raise InvalidInputError("queries are needed with a qrels mapping")
        return queries, qrels
    by_text = qrels.qrels(documents=documents)
    if queries is None:
        queries = {query_id(text): text for text in sorted(by_text)}
    return queries, {qid: by_text[t] for qid, t in queries.items() if t in by_text}


def _all_relevant(top: Sequence[str], judgements: Mapping[str, int]) -> dict[str, int]:
    """The judgements if every unjudged id of ``top`` were graded 3."""
    return {**{d: 3 for d in top if d not in judgements}, **judgements}


def _mean(table: pa.Table, column: str) -> float:
    return float(pc.mean(table.column(column)).as_py() or 0.0)


def _warn_if_unjudged_could_change(
    names: list[str],
    scored: list[pa.Table],
    what_if: list[pa.Table],
    metrics: Sequence[str],
    k: int,
) -> None:
    """Warn when a config that scores lower would score at least as high as a better one if
    its unjudged hits were all relevant (the most they could move it)."""
    for m in metrics:
        col = f"{m}@{k}"
        mean = {
            n: pc.mean(t.column(col)).as_py() or 0.0 for n, t in zip(names, scored, strict=True)
        }
        best = {
            n: pc.mean(t.column(col)).as_py() or 0.0 for n, t in zip(names, what_if, strict=True)
        }
        for a in names:
            for b in names:
                if mean[a] > mean[b] and best[b] >= mean[a]:
                    share = pc.mean(scored[names.index(b)].column(f"judged@{k}")).as_py()
                    warnings.warn(
                        UnjudgedHitsWarning(
                            f"{col}: {a!r} ({mean[a]:.3f}) beats {b!r} ({mean[b]:.3f}), but "
                            f"{b!r} has only {share:.0%} of its top {k} graded; were its "
                            f"ungraded hits relevant it would reach {best[b]:.3f}. Grade them "
                            "(JudgeWidget, Judgements.grade) before trusting this comparison"
                        ),
                        stacklevel=3,
                    )
                    return


def compare(per_query: pa.Table, baseline: str, *, resamples: int = 10_000) -> pa.Table:
    """Mean of each metric per config, its paired difference from ``baseline`` over the same
    queries, the number of queries each config wins, loses and ties against it, and
    ``p_value``: a two-sided paired randomization (sign-flip) test of that mean difference —
    exact when there are few queries, else ``resamples`` random sign flips with a fixed seed,
    so results repeat. Small p (say < 0.05) means the difference is unlikely to be luck of
    the queries; the baseline's own rows have no p-value.

    Examples:
        >>> t = pa.table({"config": ["a"] * 4 + ["b"] * 4, "query_id": ["1", "2", "3", "4"] * 2,
        ...               "ndcg@10": [0.2, 0.3, 0.1, 0.5, 0.3, 0.5, 0.4, 0.9]})
        >>> row = compare(t, "a").to_pylist()[1]
        >>> row["wins"], round(row["mean_diff"], 3), row["p_value"]  # 2 of 16 sign patterns
        (4, 0.25, 0.125)
    """
    from scipy.stats import permutation_test

    df = per_query.to_pandas()
    if baseline not in set(df["config"]):
        raise InvalidInputError(f"baseline {baseline!r} is not one of {sorted(set(df['config']))}")
    metric_cols = [c for c in df.columns if "@" in c]
    base = df[df["config"] == baseline].set_index("query_id")
    rows = []
    for name, group in df.groupby("config", sort=False):
        g = group.set_index("query_id").reindex(base.index)
        for m in metric_cols:
            diff = g[m] - base[m]
            p_value = None
            paired = diff.dropna().to_numpy(dtype=float)
            if name != baseline and len(paired) == 1:
                p_value = 1.0  # both sign patterns are as extreme as the one observed
            elif name != baseline and len(paired) > 1:
                test = permutation_test(
                    (paired,),
                    lambda d, axis: d.mean(axis=axis),
                    permutation_type="samples",
                    vectorized=True,
                    n_resamples=resamples,
                    alternative="two-sided",
                    random_state=0,
                )
                p_value = float(test.pvalue)
            rows.append(
                {
                    "config": name,
                    "metric": m,
                    "mean": float(g[m].mean()),
                    "baseline_mean": float(base[m].mean()),
                    "mean_diff": float(diff.mean()),
                    "wins": int((diff > 1e-12).sum()),
                    "losses": int((diff < -1e-12).sum()),
                    "ties": int((diff.abs() <= 1e-12).sum()),
                    "p_value": p_value,
                }
            )
    return pa.Table.from_pylist(rows)
