"""Compare mode of the SearchWidget: two configurations answer one query, and how their
rankings differ (overlap@k, rank-biased overlap, and nDCG@k of each side where judged)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.eval.configs import SearchConfig, search_config
from vecstore_lab.eval.metrics import judged, ndcg
from vecstore_lab.eval.pooling import overlap, rank_biased_overlap
from vecstore_lab.telemetry import get_recorder

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.eval.configs import Config
    from vecstore_lab.results import QueryResults

__all__ = ["Side", "label_of", "sides_of", "summary_of"]


@dataclass(frozen=True)
class Side:
    """One column of compare mode: a name and the configuration it runs."""

    name: str
    config: SearchConfig

    def run(
        self, collection: Collection, query: str, k: int, where: Any
    ) -> tuple[QueryResults, str]:
        """This side's hits for ``query`` and its status line: hits, time, and the time of
        each stage when a telemetry recorder is on (``vl.telemetry.enable()``)."""
        config = self.config
        if where is not None:
            config = SearchConfig(config.spec.replace(where=where), config.collection)
        recorder = get_recorder()
        since = recorder.last_seq if recorder is not None else 0
        start = time.perf_counter()
        results = search_config(collection, query, config, k=k)
        ms = (time.perf_counter() - start) * 1e3
        stages = ""
        if recorder is not None:
            spans = [r for r in recorder.records(since) if r.stage != "query"]
            if spans:
                stages = " · " + " · ".join(f"{r.stage} {r.duration_ms:.0f} ms" for r in spans)
        return results, f"{len(results)} hits in {ms:.0f} ms{stages}"


def label_of(config: SearchConfig) -> str:
    """A short name for an unnamed configuration: its mode, reranker and collection."""
    spec = config.spec
    rerank = spec.to_dict().get("rerank")
    name = spec.mode
    if rerank:
        name += f" + {rerank['name'] if isinstance(rerank, Mapping) else rerank}"
    if config.collection is not None:
        name += f" on {config.collection.name}"
    return name


def sides_of(compare: Mapping[str, Config] | Sequence[Config]) -> tuple[Side, Side]:
    """The two sides of ``compare``: ``{name: config}`` or a pair of configurations."""
    given: object = compare
    if isinstance(given, Mapping):
        named = [(str(n), SearchConfig.of(c)) for n, c in given.items()]
    elif isinstance(given, (list, tuple)):
        named = [("", SearchConfig.of(c)) for c in given]
    else:
        raise InvalidInputError("compare= takes two configurations: {name: config} or (a, b)")
    if len(named) != 2:
        raise InvalidInputError(f"compare= takes two configurations, got {len(named)}")
    (na, a), (nb, b) = named
    na, nb = na or label_of(a), nb or label_of(b)
    if na == nb:
        na, nb = f"A: {na}", f"B: {nb}"
    return Side(na, a), Side(nb, b)


def _judged_keys(results: QueryResults, grades: Mapping[str, int], doc_key: str) -> list[str]:
    """The ranking as judged keys: a chunk's own id when it is graded, else its document's
    id for the document's best chunk (as ``eval`` rolls chunks up: no document counts twice)."""
    table = results.to_arrow()
    docs = table.column(doc_key).to_pylist() if doc_key in table.column_names else []
    keys, seen = [], set()
    for n, i in enumerate(results.ids):
        doc = str(docs[n]) if n < len(docs) and docs[n] is not None else None
        if i not in grades and doc is not None and doc in grades and doc not in seen:
            seen.add(doc)
            keys.append(doc)
        else:
            keys.append(i)
    return keys


def summary_of(
    a: QueryResults,
    b: QueryResults,
    k: int,
    grades: Mapping[str, int] | None = None,
    doc_key: str = "doc_id",
) -> dict[str, Any]:
    """``k``, ``overlap`` (overlap@k), ``rbo`` and, with ``grades`` (``{id: grade}`` of the
    query), ``ndcg`` and ``judged`` (judged@k) of each side."""
    out: dict[str, Any] = {
        "k": k,
        "overlap": overlap(a.ids, b.ids, k),
        "rbo": rank_biased_overlap(a.ids[:k], b.ids[:k]),
    }
    if grades:
        ranked = [_judged_keys(r, grades, doc_key) for r in (a, b)]
        out["ndcg"] = [ndcg(r, grades, k) for r in ranked]
        out["judged"] = [judged(r, grades, k) for r in ranked]
    return out
