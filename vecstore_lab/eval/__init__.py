"""Retrieval evaluation: relevance judgements (qrels), IR metrics, and configuration
comparison.

``metrics``: recall, precision, MRR, nDCG and MAP at k (trec_eval's definitions) and a run's
per-query scores · ``configs``: what is evaluated (a ``QuerySpec``, keywords, or a spec on
another collection) and running it · ``evaluation``: ``evaluate`` and ``compare`` (paired
randomization test) · ``files``: queries, qrels and runs in BEIR and TREC layouts ·
``judgements``: graded relevance stored with the collection · ``agreement``: Cohen's kappa
between two judges · ``runs``: every evaluation run, kept in the database · ``pooling``:
blind pooled judging, overlap and rank-biased overlap of two rankings.
"""

from __future__ import annotations

from vecstore_lab.eval.agreement import cohen_kappa
from vecstore_lab.eval.configs import (
    Config,
    SearchConfig,
    best_per_document,
    ranked_ids,
    run_config,
    search_config,
)
from vecstore_lab.eval.evaluation import compare, evaluate, run_id_of
from vecstore_lab.eval.files import EvalSet, load_beir, load_qrels, load_queries, load_run
from vecstore_lab.eval.judgements import GRADES, Judgements, default_judge, query_id
from vecstore_lab.eval.metrics import (
    METRICS,
    Qrels,
    average_precision,
    judged,
    mrr,
    ndcg,
    precision,
    recall,
    score_run,
)
from vecstore_lab.eval.pooling import Pool, overlap, pool, rank_biased_overlap
from vecstore_lab.eval.runs import export_trec_run, run, runs

__all__ = [
    "GRADES",
    "METRICS",
    "Config",
    "EvalSet",
    "Judgements",
    "Pool",
    "Qrels",
    "SearchConfig",
    "average_precision",
    "best_per_document",
    "cohen_kappa",
    "compare",
    "default_judge",
    "evaluate",
    "export_trec_run",
    "judged",
    "load_beir",
    "load_qrels",
    "load_queries",
    "load_run",
    "mrr",
    "ndcg",
    "overlap",
    "pool",
    "precision",
    "query_id",
    "rank_biased_overlap",
    "ranked_ids",
    "recall",
    "run",
    "run_config",
    "run_id_of",
    "runs",
    "score_run",
    "search_config",
]
