"""Retrieval evaluation: relevance judgements (qrels), IR metrics, and configuration comparison.

Metrics (per query, then averaged over queries), for a ranked list of ids and graded judgements
``{doc_id: grade}`` where grade > 0 means relevant:

- ``recall@k``: relevant documents in the top k / all relevant documents.
- ``precision@k``: relevant documents in the top k / k.
- ``mrr@k``: 1 / rank of the first relevant document in the top k (0 if none).
- ``ndcg@k``: DCG@k / IDCG@k with gain = grade and discount ``log2(rank + 1)``; the ideal
  ranking puts every judged document in grade order.
- ``map@k`` (average precision at k): the sum of precision@i over the ranks i ≤ k holding a
  relevant document, divided by the number of relevant documents.

These are trec_eval's definitions (``ndcg_cut``, ``P``, ``recall``, ``recip_rank`` on the top k,
``map_cut``), the ones BEIR reports; the tests check them against ``pytrec_eval``. Queries
without any relevant document are skipped, as trec_eval does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.judgements import EvalSet, load_beir, load_qrels, load_queries, load_run
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults

__all__ = [
    "METRICS",
    "Config",
    "EvalSet",
    "SearchConfig",
    "average_precision",
    "compare",
    "evaluate",
    "load_beir",
    "load_qrels",
    "load_queries",
    "load_run",
    "mrr",
    "ndcg",
    "precision",
    "ranked_ids",
    "recall",
    "run_config",
    "score_run",
    "search_config",
]

Qrels = Mapping[str, Mapping[str, int]]


def _relevant(judgements: Mapping[str, int]) -> set[str]:
    return {d for d, g in judgements.items() if g > 0}


def recall(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = _relevant(judgements)
    return len(rel.intersection(ranked[:k])) / len(rel) if rel else 0.0


def precision(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = _relevant(judgements)
    return sum(1 for d in ranked[:k] if d in rel) / k


def mrr(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = _relevant(judgements)
    for i, d in enumerate(ranked[:k], start=1):
        if d in rel:
            return 1.0 / i
    return 0.0


def ndcg(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    def dcg(grades: Iterable[int]) -> float:
        return sum(g / math.log2(i + 1) for i, g in enumerate(grades, start=1))

    ideal = dcg(sorted((g for g in judgements.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(max(judgements.get(d, 0), 0) for d in ranked[:k]) / ideal


def average_precision(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = _relevant(judgements)
    if not rel:
        return 0.0
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:k], start=1):
        if d in rel:
            hits += 1
            total += hits / i
    return total / len(rel)


METRICS: dict[str, Callable[[Sequence[str], Mapping[str, int], int], float]] = {
    "recall": recall,
    "precision": precision,
    "mrr": mrr,
    "ndcg": ndcg,
    "map": average_precision,
}


def score_run(
    run: Mapping[str, Sequence[str]],
    qrels: Qrels,
    *,
    k: int = 10,
    metrics: Sequence[str] = ("recall", "precision", "mrr", "ndcg", "map"),
) -> pa.Table:
    """Per-query metrics for a run ``{query_id: ranked doc ids}``; one row per judged query."""
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InvalidInputError(f"unknown metrics {unknown}; known: {sorted(METRICS)}")
    rows: list[dict[str, Any]] = []
    for qid, judgements in qrels.items():
        if not _relevant(judgements):
            continue
        ranked = list(run.get(qid, []))
        row: dict[str, Any] = {"query_id": qid}
        for m in metrics:
            row[f"{m}@{k}"] = METRICS[m](ranked, judgements, k)
        rows.append(row)
    return pa.Table.from_pylist(rows)


def best_per_document(
    hits: Iterable[Any], doc_key: str | None = None, k: int | None = None
) -> list[tuple[int, str]]:
    """``(position, judged id)`` of each document's best hit, in rank order, at most ``k``."""
    seen: dict[str, int] = {}
    for i, h in enumerate(hits):
        if k is not None and len(seen) >= k:
            break
        doc = h.id if doc_key is None else str(h.metadata.get(doc_key, h.id))
        seen.setdefault(doc, i)
    return [(i, doc) for doc, i in seen.items()]


def ranked_ids(hits: Iterable[Any], doc_key: str | None = None) -> list[str]:
    """The ranking of a result list as judged ids.

    With ``doc_key`` (e.g. ``"doc_id"``, set by ``add_documents``) hits are chunks: each is
    mapped to ``hit.metadata[doc_key]`` and a document keeps the rank of its best chunk.
    """
    return [doc for _, doc in best_per_document(hits, doc_key)]


@dataclass(frozen=True)
class SearchConfig:
    """One configuration under evaluation: a ``QuerySpec`` whose text and depth are set per
    query, run on ``collection`` when given (the same documents embedded by another embedder,
    say) instead of the evaluated one."""

    spec: QuerySpec
    collection: Collection | None = None

    @classmethod
    def of(cls, config: Config) -> SearchConfig:
        """A config from a ``SearchConfig``, a ``QuerySpec``, or ``Collection.query`` keywords
        (``{"mode": "hybrid", "fusion": "linear", "alpha": 0.3}``)."""
        if isinstance(config, SearchConfig):
            return config
        if isinstance(config, QuerySpec):
            return cls(config)
        if not isinstance(config, Mapping):
            raise InvalidInputError(
                f"a configuration is a QuerySpec, a SearchConfig or a dict of query options, "
                f"got {type(config).__name__}"
            )
        if "collection" in config:
            raise InvalidInputError(
                "to run a configuration on another collection, pass "
                "SearchConfig(QuerySpec(...), collection=other)"
            )
        return cls(QuerySpec.build(**config))


Config = QuerySpec | SearchConfig | Mapping[str, Any]


def search_config(
    collection: Collection,
    text: str,
    config: Config,
    *,
    k: int,
    doc_key: str | None = None,
    depth: int | None = None,
) -> QueryResults:
    """One query under one configuration, fetching ``depth`` hits (default ``5 * k`` when
    hits are chunks of judged documents, else ``k``)."""
    run = SearchConfig.of(config)
    fetch = depth if depth is not None else (k * 5 if doc_key else k)
    if fetch < k:
        raise InvalidInputError(f"depth ({fetch}) must be at least k ({k})")
    target = run.collection if run.collection is not None else collection
    return target.search(run.spec.replace(text=text, k=fetch))


def run_config(
    collection: Collection,
    queries: Mapping[str, str],
    config: Config,
    *,
    k: int = 10,
    doc_key: str | None = None,
    depth: int | None = None,
) -> dict[str, list[str]]:
    """``{query_id: ranked ids}`` for one configuration (see ``evaluate``)."""
    return {
        qid: [
            doc
            for _, doc in best_per_document(
                search_config(collection, text, config, k=k, doc_key=doc_key, depth=depth),
                doc_key,
                k,
            )
        ]
        for qid, text in queries.items()
    }


def evaluate(
    collection: Collection,
    queries: Mapping[str, str],
    qrels: Qrels,
    configs: Mapping[str, Config],
    *,
    k: int = 10,
    metrics: Sequence[str] = ("recall", "precision", "mrr", "ndcg", "map"),
    doc_key: str | None = None,
    depth: int | None = None,
) -> pa.Table:
    """Run every judged query under each configuration and score it.

    ``configs`` maps a name to a ``QuerySpec`` (its text and k are set per query), to keyword
    arguments of ``collection.query`` (``mode``, ``where``, ``rerank``, ``fusion``…), or to a
    ``SearchConfig`` that runs the spec on another collection. Returns one row per
    (config, query) with ``config``, ``query_id`` and a column per metric; ``compare``
    summarises it.

    When the collection holds chunks of the judged documents, pass ``doc_key="doc_id"``:
    each query then fetches ``depth`` chunks (default ``5 * k``) and ranks documents by their
    best chunk.

    Examples:
        >>> import vecstore_lab as vl
        >>> c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32)).create_collection("c")
        >>> _ = c.add(ids=["a", "b"], texts=["moon and tides", "bond prices"])
        >>> t = evaluate(c, {"q": "tides"}, {"q": {"a": 1}}, {"text": {"mode": "text"}}, k=1)
        >>> t.column("recall@1").to_pylist()
        [1.0]
    """
    if not configs:
        raise InvalidInputError("evaluate() needs at least one configuration")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InvalidInputError(f"unknown metrics {unknown}; known: {sorted(METRICS)}")
    judged = {qid: queries[qid] for qid, j in qrels.items() if qid in queries and _relevant(j)}
    if not judged:
        raise InvalidInputError("no query has both a text and a relevant judgement")
    checked = {name: SearchConfig.of(c) for name, c in configs.items()}  # all fail up front
    tables = []
    for name, config in checked.items():
        run = run_config(collection, judged, config, k=k, doc_key=doc_key, depth=depth)
        scored = score_run(run, {q: qrels[q] for q in run}, k=k, metrics=metrics)
        tables.append(scored.add_column(0, "config", pa.array([name] * scored.num_rows)))
    return pa.concat_tables(tables)


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
