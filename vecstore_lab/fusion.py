"""Fuse vector and full-text result lists into one ranking (RRF or linear combination).

Both functions take the candidate tables of the two searches — each with an ``id`` column,
and ``vector_score``/``vector_rank`` or ``fts_score``/``fts_rank`` — and return one table
holding every candidate once, all breakdown columns, ``fused_score``, sorted best first.

- **RRF** (reciprocal rank fusion, Cormack et al. 2009): ``Σ 1 / (k + rank)`` over the lists
  a document appears in, ranks starting at 1. It uses ranks only, so BM25's unbounded scale
  and cosine's [-1, 1] never need reconciling; ``k=60`` is the paper's and LanceDB's default.
- **Linear**: ``alpha · v + (1 - alpha) · f`` where ``v`` and ``f`` are the vector and BM25
  scores min-max normalised to [0, 1] *within this query's candidates* (a document missing
  from a list gets 0 there; a list whose scores are all equal maps them to 1). Min-max keeps
  the relative gaps the scores express, which rank-based fusion throws away; ``alpha=1`` is
  pure vector order and ``alpha=0`` pure BM25 order.

Ties are broken by the rank in the list that weighs more (the vector list, unless linear
fusion has ``alpha < 0.5``), then the other list's rank, then id: output is deterministic.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import FTS_RANK, FTS_SCORE, FUSED_SCORE, VECTOR_RANK, VECTOR_SCORE
from vecstore_lab.errors import InvalidInputError

__all__ = ["check_alpha", "fuse", "linear_scores", "minmax", "rrf_scores"]


def check_alpha(alpha: object) -> float:
    """``alpha`` if it is a number within [0, 1] (the weight of the vector list), else an error."""
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float)
        or math.isnan(alpha)
        or not 0 <= alpha <= 1
    ):
        raise InvalidInputError(f"alpha must be a number within [0, 1], got {alpha!r}")
    return float(alpha)


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """Min-max normalise to [0, 1]; all-equal scores map to 1.0."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 0:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def rrf_scores(
    vector_ranks: dict[str, int], fts_ranks: dict[str, int], *, k: int = 60
) -> dict[str, float]:
    """Reciprocal rank fusion of two 1-based rankings."""
    out: dict[str, float] = {}
    for ranks in (vector_ranks, fts_ranks):
        for doc, rank in ranks.items():
            out[doc] = out.get(doc, 0.0) + 1.0 / (k + rank)
    return out


def linear_scores(
    vector_scores: dict[str, float], fts_scores: dict[str, float], *, alpha: float = 0.5
) -> dict[str, float]:
    """``alpha · minmax(vector) + (1 - alpha) · minmax(fts)``; missing scores count as 0."""
    check_alpha(alpha)
    v, f = minmax(vector_scores), minmax(fts_scores)
    return {doc: alpha * v.get(doc, 0.0) + (1 - alpha) * f.get(doc, 0.0) for doc in {*v, *f}}


def _column(table: pa.Table, name: str) -> dict[str, object]:
    return dict(zip(table.column("id").to_pylist(), table.column(name).to_pylist(), strict=True))


def fuse(
    vector_hits: pa.Table,
    fts_hits: pa.Table,
    *,
    method: str = "rrf",
    k: int = 60,
    alpha: float = 0.5,
) -> pa.Table:
    """Merge two candidate tables into one fused, sorted table (see module docstring)."""
    v_scores = _column(vector_hits, VECTOR_SCORE)
    v_ranks = _column(vector_hits, VECTOR_RANK)
    f_scores = _column(fts_hits, FTS_SCORE)
    f_ranks = _column(fts_hits, FTS_RANK)
    fused: dict[str, float]
    if method == "rrf":
        fused = rrf_scores(v_ranks, f_ranks, k=k)  # type: ignore[arg-type]
    elif method == "linear":
        fused = linear_scores(v_scores, f_scores, alpha=alpha)  # type: ignore[arg-type]
    else:
        raise InvalidInputError(f"unknown fusion method {method!r}; expected 'rrf' or 'linear'")

    # One row per candidate: the vector table's copy where present, else the FTS one.
    fts_only = fts_hits.filter(pc.invert(pc.is_in(fts_hits.column("id"), vector_hits.column("id"))))
    shared = [c for c in vector_hits.column_names if c in fts_hits.column_names]
    rows = pa.concat_tables(
        [vector_hits.select(shared), fts_only.select(shared)], promote_options="permissive"
    )
    ids = rows.column("id").to_pylist()

    # Ties go to the order of the list that weighs more (vector unless alpha < 0.5).
    first, second = (f_ranks, v_ranks) if method == "linear" and alpha < 0.5 else (v_ranks, f_ranks)

    def sort_key(i: int) -> tuple[float, int, int, str]:
        doc = ids[i]
        return (-fused[doc], int(first.get(doc) or 10**9), int(second.get(doc) or 10**9), doc)  # type: ignore[call-overload]

    order = sorted(range(len(ids)), key=sort_key)
    rows = rows.take(pa.array(order, pa.int64()))
    ids = rows.column("id").to_pylist()
    drop = [c for c in (VECTOR_SCORE, VECTOR_RANK, FTS_SCORE, FTS_RANK) if c in rows.column_names]
    rows = rows.drop_columns(drop)
    return (
        rows.append_column(VECTOR_SCORE, pa.array([v_scores.get(d) for d in ids], pa.float64()))
        .append_column(VECTOR_RANK, pa.array([v_ranks.get(d) for d in ids], pa.int32()))
        .append_column(FTS_SCORE, pa.array([f_scores.get(d) for d in ids], pa.float64()))
        .append_column(FTS_RANK, pa.array([f_ranks.get(d) for d in ids], pa.int32()))
        .append_column(FUSED_SCORE, pa.array([fused[d] for d in ids], pa.float64()))
    )
