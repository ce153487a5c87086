"""Validation shared by every embedder's inputs and outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.errors import EmbedderError, InvalidTextError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab.embedders._protocol import FloatMatrix


def check_texts(texts: Sequence[Any]) -> list[str]:
    """Reject non-string or empty texts with a message naming the first bad position."""
    if isinstance(texts, str):
        raise InvalidTextError("expected a sequence of strings, got a single str; wrap it: [text]")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InvalidTextError(f"text at position {i} is {type(t).__name__}, expected str")
        if not t.strip():
            raise InvalidTextError(
                f"text at position {i} is empty or whitespace; embedders cannot embed it"
            )
    return out


def check_output(name: str, vectors: Any, n: int, dim: int | None) -> FloatMatrix:
    """Coerce an embedder's output to float32 ``(n, dim)`` or raise ``EmbedderError``."""
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise EmbedderError(f"embedder {name!r} returned non-numeric output") from exc
    if arr.ndim != 2 or arr.shape[0] != n or (dim is not None and arr.shape[1] != dim):
        raise EmbedderError(f"embedder {name!r} returned shape {arr.shape}, expected ({n}, {dim})")
    if not np.isfinite(arr).all():
        raise EmbedderError(f"embedder {name!r} returned NaN or infinite values")
    return arr
