"""IR metrics of one ranked list against graded judgements, and a run's per-query scores.

For a ranked list of ids and graded judgements ``{doc_id: grade}`` where grade > 0 means
relevant:

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
from typing import Any

import pyarrow as pa

from vecstore_lab.errors import InvalidInputError

__all__ = [
    "METRICS",
    "Qrels",
    "average_precision",
    "judged",
    "mrr",
    "ndcg",
    "precision",
    "recall",
    "relevant_ids",
    "score_run",
]

Qrels = Mapping[str, Mapping[str, int]]


def relevant_ids(judgements: Mapping[str, int]) -> set[str]:
    return {d for d, g in judgements.items() if g > 0}


def recall(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = relevant_ids(judgements)
    return len(rel.intersection(ranked[:k])) / len(rel) if rel else 0.0


def precision(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = relevant_ids(judgements)
    return sum(1 for d in ranked[:k] if d in rel) / k


def mrr(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    rel = relevant_ids(judgements)
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
    rel = relevant_ids(judgements)
    if not rel:
        return 0.0
    hits, total = 0, 0.0
    for i, d in enumerate(ranked[:k], start=1):
        if d in rel:
            hits += 1
            total += hits / i
    return total / len(rel)


def judged(ranked: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    """judged@k: the share of the top ``k`` that has a grade (any grade, 0 included). Below
    1.0, the other metrics count hits nobody looked at as not relevant."""
    top = ranked[:k]
    return sum(1 for d in top if d in judgements) / len(top) if top else 1.0


METRICS: dict[str, Callable[[Sequence[str], Mapping[str, int], int], float]] = {
    "recall": recall,
    "precision": precision,
    "mrr": mrr,
    "ndcg": ndcg,
    "map": average_precision,
    "judged": judged,
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
        if not relevant_ids(judgements):
            continue
        ranked = list(run.get(qid, []))
        row: dict[str, Any] = {"query_id": qid}
        for m in metrics:
            row[f"{m}@{k}"] = METRICS[m](ranked, judgements, k)
        rows.append(row)
    return pa.Table.from_pylist(rows)
