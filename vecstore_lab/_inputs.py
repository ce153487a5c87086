"""Normalise and validate the columns a user passes to add/upsert/update."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vecstore_lab.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    InvalidIdError,
    InvalidInputError,
    InvalidTextError,
    InvalidVectorError,
)


@dataclass
class Batch:
    """Validated columns of one write; ``vectors`` may still be missing (to be embedded)."""

    ids: list[str]
    texts: list[str | None] | None
    vectors: npt.NDArray[np.float32] | None
    metadatas: list[Mapping[str, Any] | None] | None

    def __len__(self) -> int:
        return len(self.ids)


def _to_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, pa.ChunkedArray | pa.Array):
        return list(value.to_pylist())
    if isinstance(value, np.ndarray):
        return list(value.tolist())
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return list(value.tolist())  # pandas Series / Index
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    if isinstance(value, Mapping):
        raise InvalidInputError(f"{what} must be a list, got a dict")
    try:
        return list(value)
    except TypeError as exc:
        raise InvalidInputError(f"{what} must be a list, got {type(value).__name__}") from exc


def unencodable(value: str) -> int | None:
    """Position of the first character UTF-8 cannot encode (a lone surrogate), else None.

    Arrow and LanceDB store UTF-8, so such a string can be neither written nor matched.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _utf8(values: list[Any]) -> bool:
    """Whether Arrow takes every value as UTF-8 text (one pass in C: no lone surrogates)."""
    try:
        pa.array(values, pa.string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return False
    return True


def check_ids(ids: Any) -> list[str]:
    """Ids as a list of non-empty strings of storable characters, with no repeats.

    A quick pass finds whether anything is wrong; only then are the ids walked one by one
    to say which and why.
    """
    out = [ids] if isinstance(ids, str) else _to_list(ids, "ids")
    if any(type(v) is not str or not v or "\x00" in v for v in out) or not _utf8(out):
        _explain_bad_ids(out)
    if len(set(out)) != len(out):
        dupes = [k for k, c in Counter(out).items() if c > 1]
        shown = ", ".join(repr(d) for d in dupes[:5])
        raise DuplicateIdError(
            f"{len(dupes)} id(s) appear more than once in this batch: {shown}"
            f"{' …' if len(dupes) > 5 else ''}; ids must be unique",
            ids=dupes,
        )
    return out


def _explain_bad_ids(ids: list[Any]) -> None:
    for i, v in enumerate(ids):
        if not isinstance(v, str) or not v:
            raise InvalidIdError(f"id at position {i} is {v!r}; ids are non-empty strings")
        if "\x00" in v:
            raise InvalidIdError(
                f"id at position {i} ({v!r}) contains a NUL character, which could be stored but "
                "never looked up again; remove it"
            )
        bad = unencodable(v)
        if bad is not None:
            raise InvalidIdError(
                f"id at position {i} ({v!r}) has a lone surrogate at character {bad}, which "
                "UTF-8 cannot store; decode the source with errors='replace' or fix the id"
            )


def check_texts(texts: Any) -> list[str | None]:
    """Texts as a list of non-empty strings (checked in one quick pass, then, only if
    something is wrong, one by one to say which and why)."""
    out = [texts] if isinstance(texts, str) else _to_list(texts, "texts")
    if any(type(t) is not str or not t.strip() for t in out) or not _utf8(out):
        _explain_bad_texts(out)
    return out


def _explain_bad_texts(texts: list[Any]) -> None:
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InvalidTextError(
                f"text at position {i} is {type(t).__name__} ({t!r:.40}); texts are strings"
            )
        if not t.strip():
            raise InvalidTextError(
                f"text at position {i} is empty or only whitespace; drop the row or give it text"
            )
        bad = unencodable(t)
        if bad is not None:
            raise InvalidTextError(
                f"text at position {i} has a lone surrogate at character {bad} ({t[:40]!r}), "
                "which UTF-8 cannot store; decode the source with errors='replace'"
            )


def check_vectors(vectors: Any, dim: int) -> npt.NDArray[np.float32]:
    """Vectors as a finite float32 ``(n, dim)`` array."""
    if isinstance(vectors, pa.ChunkedArray | pa.Array):
        vectors = vectors.to_pylist()
    if isinstance(vectors, Sequence) and not isinstance(vectors, str | bytes):
        missing = next((i for i, v in enumerate(vectors) if v is None), None)
        if missing is not None and any(isinstance(v, int | float) for v in vectors):
            raise InvalidVectorError(
                f"the vector has None at component {missing}; vectors are numbers"
            )
        if missing is not None:
            raise InvalidVectorError(
                f"vector at position {missing} is None; give every row a vector, or pass texts "
                "without vectors to have them embedded"
            )
        for i, v in enumerate(vectors):
            if isinstance(v, Sequence) and any(x is None for x in v):
                raise InvalidVectorError(
                    f"vector at position {i} has a None component; vectors are numbers"
                )
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (ValueError, TypeError) as exc:
        rows = list(vectors) if isinstance(vectors, Sequence) else []
        bad = next((i for i, v in enumerate(rows) if hasattr(v, "__len__") and len(v) != dim), None)
        if bad is not None:
            raise DimensionMismatchError(
                f"every vector must have {dim} dims; the one at position {bad} has "
                f"{len(rows[bad])}",
                expected=dim,
                got=len(rows[bad]),
            ) from exc
        raise InvalidVectorError(f"vectors must be numbers of equal length: {exc}") from exc
    if arr.ndim == 1 and arr.size:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InvalidVectorError(f"vectors must be a 2-D array (n, {dim}), got shape {arr.shape}")
    if arr.shape[0] and arr.shape[1] != dim:
        raise DimensionMismatchError(
            f"vectors have {arr.shape[1]} dims but this collection stores {dim}; "
            "check the embedder/model that produced them",
            expected=dim,
            got=int(arr.shape[1]),
        )
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise InvalidVectorError(
            f"vector at position {row} contains NaN or infinity; vectors must be finite"
        )
    return np.ascontiguousarray(arr)


def check_query_vector(vector: Any, dim: int, distance: str) -> npt.NDArray[np.float32]:
    """A single query vector of the right length, finite, and non-zero for cosine."""
    fast = (  # a float32 vector of the right length (a QuerySpec's): checked in place
        isinstance(vector, np.ndarray)
        and vector.dtype == np.float32
        and vector.shape == (dim,)
        and bool(np.isfinite(vector).all())
    )
    arr = vector[None, :] if fast else check_vectors(vector, dim)
    if arr.shape[0] != 1:
        raise InvalidVectorError(f"query vector must be one vector, got {arr.shape[0]}")
    if distance == "cosine" and not np.any(arr[0]):
        raise InvalidVectorError("a zero query vector has no direction; cosine is undefined")
    return np.asarray(arr[0], dtype=np.float32)


def refuse_zero_vectors(ids: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
    """``InvalidVectorError`` naming the rows whose vector is all zeros: in a cosine
    collection such a row has no direction, so no query could ever find it."""
    zero = [ids[int(i)] for i in np.flatnonzero(~np.any(vectors, axis=1))]
    if zero:
        raise InvalidVectorError(
            f"{len(zero)} vector(s) are all zeros, which have no direction in a cosine "
            f"collection and could never be found: ids {zero[:5]}{' …' if len(zero) > 5 else ''}"
            "; nothing was written. Drop them, or use distance='l2' or 'dot'"
        )


def build_batch(
    ids: Any,
    texts: Any,
    vectors: Any,
    metadatas: Any,
    *,
    dim: int,
    auto_ids: bool,
) -> Batch:
    """Validate the columns of a write and check they have one length."""
    checked_texts = check_texts(texts) if texts is not None else None
    checked_vectors = check_vectors(vectors, dim) if vectors is not None else None
    if isinstance(metadatas, Mapping):
        metadatas = [metadatas]
    checked_meta = _to_list(metadatas, "metadatas") if metadatas is not None else None
    lengths = {
        name: len(col)
        for name, col in (
            ("texts", checked_texts),
            ("vectors", checked_vectors),
            ("metadatas", checked_meta),
        )
        if col is not None
    }
    if ids is None:
        if not auto_ids:
            raise InvalidIdError("ids are required for this operation")
        if not lengths:
            raise InvalidInputError("nothing to write: pass texts and/or vectors")
        n = next(iter(lengths.values()))
        checked_ids = [uuid.uuid4().hex for _ in range(n)]
    else:
        checked_ids = check_ids(ids)
    lengths = {"ids": len(checked_ids), **lengths}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise InvalidInputError(f"columns have different lengths ({detail}); they must match")
    return Batch(checked_ids, checked_texts, checked_vectors, checked_meta)
