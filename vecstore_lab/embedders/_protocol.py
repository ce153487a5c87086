"""The Embedder protocol every embedding provider satisfies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from collections.abc import Sequence

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns text into float32 vectors.

    ``embed_documents`` and ``embed_query`` are separate because many models embed a query
    differently from a passage (prompts, prefixes). ``config()`` returns JSON primitives that,
    passed back as keyword arguments to the factory registered under ``name``, rebuild an
    equivalent embedder; a collection stores it so that reopening restores its embedder.
    Secrets never appear in a config (store the *name* of an environment variable instead).
    """

    name: str

    @property
    def dim(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed passages; returns a float32 array of shape ``(len(texts), dim)``."""
        ...

    def embed_query(self, text: str) -> FloatVector:
        """Embed one search query; returns a float32 array of shape ``(dim,)``."""
        ...

    def config(self) -> dict[str, Any]:
        """JSON-serialisable keyword arguments that rebuild this embedder."""
        ...
