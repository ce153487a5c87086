"""LanceDB's raw errors as typed ones that name the collection, without Rust source paths.

Lance reports damaged files, I/O failures and internal panics as ``RuntimeError``,
``ValueError`` or ``OSError`` whose text ends in a ``/rustc/…`` or ``~/.cargo/…`` location.
Every read and write of ``Collection`` passes them through ``storage_error``: the message
says which collection and operation failed and what to do, ``__cause__`` keeps the original.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, TypeVar

from vecstore_lab.errors import DataCorruptionError, StorageError, VecStoreError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["clean_message", "is_raw_storage_error", "storage_error", "typed_storage_errors"]

T = TypeVar("T")

# A Rust source location: "/rustc/<hash>/library/…rs:250:5", "~/.cargo/registry/…rs:273:40",
# "/home/runner/work/lance/…rs:779:5".
_SOURCE = re.compile(r",?\s*(?:at\s+)?/\S+\.rs:\d+(?::\d+)?")
_DAMAGE = re.compile(
    r"not found|no such file|corrupt|failed to fill whole buffer|unexpected eof|"
    r"out of bounds|invalid (?:data|file|footer|page)|checksum|panicked|truncated",
    re.IGNORECASE,
)


def clean_message(exc: BaseException) -> str:
    """``exc``'s message without Rust source locations."""
    return _SOURCE.sub("", str(exc)).strip()


def is_raw_storage_error(exc: BaseException) -> bool:
    """An error LanceDB raised for us to type (not ours, not a Python programming error)."""
    if isinstance(exc, VecStoreError):
        return False
    if type(exc).__name__ == "PanicException":  # pyo3's, a BaseException
        return True
    return isinstance(exc, OSError | RuntimeError | ValueError)


def storage_error(exc: BaseException, what: str, collection: str) -> StorageError:
    """The typed error for ``exc``, raised while ``what`` ran on ``collection``."""
    message = clean_message(exc)
    if _DAMAGE.search(message):
        return DataCorruptionError(
            f"{what} on collection {collection!r} failed: its files are damaged or missing "
            f"({message}). collection.verify() lists what is unreadable; restore() an "
            "earlier version or re-ingest (RELIABILITY.md, 'Damaged files')"
        )
    return StorageError(f"{what} on collection {collection!r} failed: {message}")


def _typed(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except BaseException as exc:
            if not is_raw_storage_error(exc):
                raise
            raise storage_error(exc, f"{method.__name__}()", self.name) from exc

    return wrapper


def typed_storage_errors(*names: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: the methods ``names`` raise typed errors instead of LanceDB's."""

    def decorate(cls: type[T]) -> type[T]:
        for name in names:
            setattr(cls, name, _typed(getattr(cls, name)))
        return cls

    return decorate
