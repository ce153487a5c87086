"""Retrieval evaluation: relevance judgements (qrels), IR metrics, and configuration
comparison.

``metrics``: recall, precision, MRR, nDCG and MAP at k (trec_eval's definitions) and a run's
per-query scores · ``configs``: what is evaluated (a ``QuerySpec``, keywords, or a spec on
another collection) and running it · ``evaluation``: ``evaluate`` and ``compare`` (paired
randomization test) · ``files``: queries, qrels and runs in BEIR and TREC layouts.
"""

from __future__ import annotations

from vecstore_lab.eval.configs import (
    Config,
    SearchConfig,
    best_per_document,
    ranked_ids,
    run_config,
    search_config,
)
from vecstore_lab.eval.evaluation import compare, evaluate
from vecstore_lab.eval.files import EvalSet, load_beir, load_qrels, load_queries, load_run
from vecstore_lab.eval.metrics import (
    METRICS,
    Qrels,
    average_precision,
    mrr,
    ndcg,
    precision,
    recall,
    score_run,
)

__all__ = [
    "METRICS",
    "Config",
    "EvalSet",
    "Qrels",
    "SearchConfig",
    "average_precision",
    "best_per_document",
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
