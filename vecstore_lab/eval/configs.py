"""Configurations under evaluation, and running one over a set of queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults

__all__ = [
    "Config",
    "SearchConfig",
    "best_per_document",
    "ranked_ids",
    "run_config",
    "search_config",
]


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
