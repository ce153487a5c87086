"""Rerankers: the protocol, the registry, and the built-in rerankers.

Every reranker takes the candidates of a query as an Arrow table and returns them reordered
with a ``_rerank_score`` column; ``collection.query(..., rerank=...)`` records each hit's rank
before and after, so the score breakdown shows what the reranker changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._registry import Registry
from vecstore_lab._schema import RERANK_SCORE
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.rerankers._base import FunctionReranker, with_scores
from vecstore_lab.rerankers._protocol import Fuser, Reranker
from vecstore_lab.rerankers.colbert import ColBERTReranker
from vecstore_lab.rerankers.cross_encoder import CrossEncoderReranker
from vecstore_lab.rerankers.fusion import LinearCombinationReranker, RRFReranker
from vecstore_lab.rerankers.mmr import MMRReranker

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "RERANK_SCORE",
    "ColBERTReranker",
    "CrossEncoderReranker",
    "FunctionReranker",
    "Fuser",
    "LinearCombinationReranker",
    "MMRReranker",
    "RRFReranker",
    "Reranker",
    "get_reranker",
    "list_rerankers",
    "register_reranker",
    "registry",
    "resolve_reranker",
    "with_scores",
]

registry: Registry[Reranker] = Registry(
    "reranker",
    "vecstore_lab.rerankers",
    {
        "colbert": "vecstore_lab.rerankers.colbert:ColBERTReranker",
        "cross-encoder": "vecstore_lab.rerankers.cross_encoder:CrossEncoderReranker",
        "linear": "vecstore_lab.rerankers.fusion:LinearCombinationReranker",
        "mmr": "vecstore_lab.rerankers.mmr:MMRReranker",
        "rrf": "vecstore_lab.rerankers.fusion:RRFReranker",
    },
    protocol=Reranker,
    error=InvalidInputError,
)
_by_name: dict[str, tuple[object, Reranker]] = {}  # name -> (factory it was built by, reranker)


def get_reranker(name: str, **config: Any) -> Reranker:
    """Build the reranker registered as ``name``.

    Examples:
        >>> get_reranker("mmr", lambda_=0.7)
        MMRReranker(lambda_=0.7)
    """
    return registry.create(name, **config)


def register_reranker(
    name: str, factory: Callable[..., Reranker] | None = None, *, overwrite: bool = False
) -> Any:
    """Register a factory (usually the class) under ``name``; also usable as a decorator."""
    return registry.register(name, factory, overwrite=overwrite)


def list_rerankers() -> list[str]:
    """Names of every registered reranker."""
    return registry.names()


def resolve_reranker(spec: Reranker | str | Callable[..., Any]) -> Reranker:
    """A reranker from an instance, a registered name (built once, then reused), or a plain
    function ``(query, hits) -> scores``."""
    if isinstance(spec, Reranker):
        return spec
    if isinstance(spec, str):
        # Models load once per process, not once per query; a name registered again with
        # overwrite=True has another factory, and gets a new instance.
        factory = registry.factory(spec)
        cached = _by_name.get(spec)
        if cached is None or cached[0] is not factory:
            _by_name[spec] = (factory, get_reranker(spec))
        return _by_name[spec][1]
    if callable(spec):
        return FunctionReranker(spec)
    raise InvalidInputError(
        f"rerank must be a Reranker, a registered name or a function, got {type(spec).__name__}"
    )
