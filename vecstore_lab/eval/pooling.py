"""Pooled judging (TREC-style): the union of several configurations' top hits, to be graded
blind, and how two rankings of one query differ.

``pool`` runs each configuration for each query, keeps the union of their top ``depth`` hits
and shuffles it with a seed, so that the pool is the same whenever it is built again from the
same collection version (a judge can stop and resume) and says nothing about which
configuration found a hit or where it ranked. ``Pool`` walks it: what is left to grade, and
progress ("37 of 120 judged"), read from the stored ``Judgements``.

``overlap`` and ``rank_biased_overlap`` compare two rankings of one query (compare mode).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.eval.configs import SearchConfig, search_config

if TYPE_CHECKING:
    from collections.abc import Container, Sequence

    from vecstore_lab.collection import Collection
    from vecstore_lab.eval.configs import Config
    from vecstore_lab.eval.judgements import Judgements

__all__ = ["Pool", "overlap", "pool", "rank_biased_overlap"]

POOL_SCHEMA = pa.schema(
    [
        pa.field("query", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)


def pool(
    collection: Collection,
    queries: Sequence[str],
    configs: Mapping[str, Config] | list[Config],
    *,
    depth: int = 10,
    seed: int = 0,
) -> pa.Table:
    """The union of every configuration's top ``depth`` hits for each query, each hit once,
    shuffled (per query, with ``seed``): ``query``, ``id``, ``text``, and nothing about which
    configuration found it or how it ranked. Queries keep their order."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidInputError(f"depth must be a positive int, got {depth!r}")
    texts = [q.strip() if isinstance(q, str) else q for q in queries]
    if not texts or any(not isinstance(q, str) or not q for q in texts):
        raise InvalidInputError("pool() needs a list of non-empty query strings")
    given = list(configs.values()) if isinstance(configs, Mapping) else list(configs)
    checked = [SearchConfig.of(c) for c in given]
    if not checked:
        raise InvalidInputError("pool() needs at least one configuration")
    rows: list[dict[str, Any]] = []
    for query in dict.fromkeys(texts):
        found: dict[str, str] = {}
        for config in checked:
            for hit in search_config(collection, query, config, k=depth):
                found.setdefault(hit.id, hit.text)
        ids = sorted(found)  # the order the configs found them in must not show
        random.Random(f"{seed}\x00{query}").shuffle(ids)
        rows += [{"query": query, "id": i, "text": found[i]} for i in ids]
    return pa.Table.from_pylist(rows, schema=POOL_SCHEMA)


@dataclass
class Pool:
    """A pool to grade (``pool``'s table) and the judgements that record the grades."""

    items: pa.Table
    judgements: Judgements

    def graded(self, judge: str | None = None) -> list[bool]:
        """Whether each pooled (query, id) has a grade (by ``judge``, or by anyone)."""
        standing = self.judgements.current(judge=judge)
        done = set(
            zip(
                standing.column("query").to_pylist(),
                standing.column("id").to_pylist(),
                strict=True,
            )
        )
        return self.graded_in(done)

    def graded_in(self, done: Container[tuple[str, str]]) -> list[bool]:
        """Whether each pooled (query, id) is among the ``done`` pairs."""
        pairs = zip(
            self.items.column("query").to_pylist(), self.items.column("id").to_pylist(), strict=True
        )
        return [p in done for p in pairs]

    def progress(self, judge: str | None = None) -> tuple[int, int]:
        """``(graded, total)``: "37 of 120 judged" (by ``judge``, or by anyone)."""
        done = self.graded(judge)
        return sum(done), len(done)

    def remaining(self, judge: str | None = None) -> pa.Table:
        """The pooled items not graded yet (by ``judge``, or by anyone), in pool order."""
        return self.items.filter(pa.array([not g for g in self.graded(judge)]))


def overlap(a: Sequence[str], b: Sequence[str], k: int) -> float:
    """overlap@k: the share of the top ``k`` the two rankings have in common."""
    if k < 1:
        raise InvalidInputError(f"k must be a positive int, got {k!r}")
    return len(set(a[:k]) & set(b[:k])) / k


def rank_biased_overlap(a: Sequence[str], b: Sequence[str], p: float = 0.9) -> float:
    """Rank-biased overlap (Webber, Moffat and Zobel, 2010) of two rankings, extrapolated
    (RBO_ext, their equation 32, which also covers rankings of different lengths): 1.0 for
    identical rankings, 0.0 for disjoint ones. Agreement near the top weighs more, the more
    so the smaller ``p`` (0.9: the top 10 carry about 86% of the weight). The tests check it
    against the ``rbo`` package.

    Examples:
        >>> rank_biased_overlap(["a", "b", "c"], ["a", "b", "c"])
        1.0
        >>> rank_biased_overlap(["a", "b"], ["c", "d"])
        0.0
    """
    if not 0.0 < p < 1.0:
        raise InvalidInputError(f"p must be between 0 and 1, got {p!r}")
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    s, n = len(short), len(long_)
    if s == 0:
        return 1.0 if n == 0 else 0.0
    x = [0] * (n + 1)  # x[d]: items the two prefixes of depth d share (short's whole past s)
    seen_s: set[str] = set()
    seen_l: set[str] = set()
    for d in range(1, n + 1):
        shared = x[d - 1]
        if d <= s:
            shared += short[d - 1] in seen_l
            seen_s.add(short[d - 1])
        shared += long_[d - 1] in seen_s
        seen_l.add(long_[d - 1])
        x[d] = shared
    summed = sum(x[d] / d * p**d for d in range(1, n + 1))
    tail = sum(x[s] * (d - s) / (s * d) * p**d for d in range(s + 1, n + 1))
    value = (1 - p) / p * (summed + tail) + ((x[n] - x[s]) / n + x[s] / s) * p**n
    return float(min(1.0, max(0.0, value)))
