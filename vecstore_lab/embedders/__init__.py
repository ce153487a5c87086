"""Embedders: the protocol, the registry, the built-in providers, and embedder specs.

An embedder spec is an instance, a registered name, or the ``{"name", "config"}`` dict a
collection stores (and the embedding cache hashes): ``resolve_embedder`` builds one,
``embedder_spec`` describes one. Only this module turns one into the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vecstore_lab._registry import Registry
from vecstore_lab.embedders._protocol import Embedder
from vecstore_lab.embedders.hashing import HashEmbedder
from vecstore_lab.embedders.openai import OpenAIEmbedder
from vecstore_lab.embedders.sentence_transformers import SentenceTransformerEmbedder
from vecstore_lab.errors import EmbedderError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "Embedder",
    "EmbedderSpec",
    "HashEmbedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "embedder_from_config",
    "embedder_spec",
    "get_embedder",
    "list_embedders",
    "register_embedder",
    "registry",
    "resolve_embedder",
]

EmbedderSpec = Embedder | str | Mapping[str, Any] | None

registry: Registry[Embedder] = Registry(
    "embedder",
    "vecstore_lab.embedders",
    {
        "hashing": "vecstore_lab.embedders.hashing:HashEmbedder",
        "openai": "vecstore_lab.embedders.openai:OpenAIEmbedder",
        "sentence-transformers": (
            "vecstore_lab.embedders.sentence_transformers:SentenceTransformerEmbedder"
        ),
    },
    protocol=Embedder,
    error=EmbedderError,
)


def get_embedder(name: str, **config: Any) -> Embedder:
    """Build the embedder registered as ``name``.

    Examples:
        >>> get_embedder("hashing", dim=8).dim
        8
    """
    return registry.create(name, **config)


def register_embedder(
    name: str, factory: Callable[..., Embedder] | None = None, *, overwrite: bool = False
) -> Any:
    """Register a factory (usually the class) under ``name``; also usable as a decorator."""
    return registry.register(name, factory, overwrite=overwrite)


def list_embedders() -> list[str]:
    """Names of every registered embedder (built-in, user and entry-point)."""
    return registry.names()


def embedder_from_config(spec: dict[str, Any]) -> Embedder:
    """Rebuild an embedder from a stored ``{"name": ..., "config": {...}}``."""
    return get_embedder(spec["name"], **spec.get("config", {}))


def resolve_embedder(spec: EmbedderSpec) -> Embedder | None:
    """An embedder from an instance, a registered name, or a ``{"name", "config"}`` dict."""
    if spec is None or isinstance(spec, Embedder):
        return spec
    if isinstance(spec, str):
        return get_embedder(spec)
    if isinstance(spec, Mapping) and "name" in spec:
        return embedder_from_config(dict(spec))
    raise InvalidInputError(
        f"embedder must be an Embedder, a registered name or a {{'name', 'config'}} dict; "
        f"got {type(spec).__name__}"
    )


def embedder_spec(embedder: Embedder) -> dict[str, Any]:
    """The ``{"name", "config"}`` that rebuilds ``embedder`` (checked to be JSON)."""
    spec = {"name": embedder.name, "config": embedder.config()}
    try:
        json.dumps(spec)
    except (TypeError, ValueError) as exc:
        raise EmbedderError(
            f"embedder {embedder.name!r} config() must return JSON primitives: {exc}"
        ) from exc
    return spec
