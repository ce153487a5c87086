"""Embedders: the protocol, the registry, and the built-in providers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vecstore_lab._registry import Registry
from vecstore_lab.embedders._protocol import Embedder
from vecstore_lab.embedders.hashing import HashEmbedder
from vecstore_lab.embedders.openai import OpenAIEmbedder
from vecstore_lab.embedders.sentence_transformers import SentenceTransformerEmbedder
from vecstore_lab.errors import EmbedderError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "Embedder",
    "HashEmbedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "embedder_from_config",
    "get_embedder",
    "list_embedders",
    "register_embedder",
    "registry",
]

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
