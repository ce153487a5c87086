"""What one REST request may ask of the server: body size, query text, k and filter depth.

Each limit is a ``c.VecStoreLab`` setting; a request past one is refused before any work
starts (413 for sizes, 400 for the rest), so one client cannot tie up a worker for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidFilterError, InvalidInputError
from vecstore_lab.filters import filter_depth

if TYPE_CHECKING:
    from vecstore_lab.spec import QuerySpec

__all__ = ["Limits", "RequestTooLargeError"]


class RequestTooLargeError(InvalidInputError):
    """A request body or query text past the server's configured size (HTTP 413)."""


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_000_000
    max_text_chars: int = 10_000
    max_k: int = 1_000
    max_filter_depth: int = 12

    def check_body(self, size: int) -> None:
        if size > self.max_body_bytes:
            raise RequestTooLargeError(
                f"the request body has {size} bytes; this server takes at most "
                f"{self.max_body_bytes} (c.VecStoreLab.max_body_bytes)"
            )

    def check_spec(self, spec: QuerySpec) -> None:
        if spec.text is not None and len(spec.text) > self.max_text_chars:
            raise RequestTooLargeError(
                f"the query text has {len(spec.text)} characters; this server takes at most "
                f"{self.max_text_chars} (c.VecStoreLab.max_text_chars)"
            )
        for name in ("k", "candidates", "rerank_k"):
            value = getattr(spec, name)
            if value is not None and value > self.max_k:
                raise InvalidInputError(
                    f"{name} is {value}; this server returns at most {self.max_k} hits a "
                    "query (c.VecStoreLab.max_k)"
                )
        self.check_filter(spec.where)

    def check_filter(self, where: Any) -> None:
        depth = filter_depth(where)
        if depth > self.max_filter_depth:
            raise InvalidFilterError(
                f"the filter nests {depth} levels deep; this server takes at most "
                f"{self.max_filter_depth} (c.VecStoreLab.max_filter_depth)"
            )
