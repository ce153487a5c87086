"""REST handlers of the server extension; each one is a thin call into the collection layer.

Every handler needs the server's auth (``@tornado.web.authenticated``: token or cookie, and
XSRF for browser posts). Errors are JSON ``{"error": {"type", "message"}}`` with a status that
fits (400 bad input, 403 a path outside the roots, 404 no such collection), never a traceback.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from vecstore_lab._arrow import arrow_ipc
from vecstore_lab._terms import matching_words
from vecstore_lab.errors import CollectionNotFoundError, InvalidInputError, VecStoreError
from vecstore_lab.results import without_vectors
from vecstore_lab.server._roots import PathOutsideRootsError
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vecstore_lab.results import QueryResults
    from vecstore_lab.server._state import State

__all__ = ["HANDLERS"]

ARROW = "application/vnd.apache.arrow.stream"
_STATUS = ((PathOutsideRootsError, 403), (CollectionNotFoundError, 404), (VecStoreError, 400))


def _typed_errors(method: Callable[..., Awaitable[None] | None]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: _Base, *args: Any, **kwargs: Any) -> None:
        try:
            result = method(self, *args, **kwargs)
            if result is not None:
                await result
        except VecStoreError as exc:
            status = next(code for kind, code in _STATUS if isinstance(exc, kind))
            self.reply_error(status, type(exc).__name__, str(exc))

    return wrapper


class _Base(APIHandler):
    @property
    def state(self) -> State:
        return self.settings["vecstore_lab"]  # type: ignore[no-any-return]

    def reply(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, default=str, ensure_ascii=False))

    def reply_error(self, status: int, kind: str, message: str) -> None:
        self.set_status(status)
        self.reply({"error": {"type": kind, "message": message}})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Anything unexpected: its type and message as JSON, never a traceback."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError):
            kind, message = "HTTPError", exc.log_message or exc.reason or ""
        elif exc is not None:
            kind, message = type(exc).__name__, str(exc)
        else:
            kind, message = "HTTPError", self._reason
        self.reply({"error": {"type": kind, "message": message}})

    def target(self) -> tuple[int, str]:
        try:
            root = int(self.get_argument("root", "0"))
        except ValueError as exc:
            raise InvalidInputError("root must be an integer") from exc
        return root, self.get_argument("path", "")

    def int_argument(self, name: str, default: int) -> int:
        raw = self.get_argument(name, str(default))
        try:
            value = int(raw)
        except ValueError as exc:
            raise InvalidInputError(f"{name} must be an integer, got {raw!r}") from exc
        if value < 0:
            raise InvalidInputError(f"{name} must be >= 0, got {value}")
        return value


class DatabasesHandler(_Base):
    """GET: every database under the roots, with its collections described."""

    @tornado.web.authenticated
    @_typed_errors
    def get(self) -> None:
        self.reply(self.state.databases())


class CollectionHandler(_Base):
    """GET ?root=&path=&name=: one collection: schema, stats, versions, indexes."""

    @tornado.web.authenticated
    @_typed_errors
    def get(self) -> None:
        root, path = self.target()
        self.reply(self.state.describe(root, path, self.get_argument("name"), full=True))


class RowsHandler(_Base):
    """GET ?root=&path=&name=&offset=&limit=&order_by=&descending=&where=: a page of rows."""

    @tornado.web.authenticated
    @_typed_errors
    def get(self) -> None:
        root, path = self.target()
        limit = self.int_argument("limit", 50)
        if limit > 1000:
            raise InvalidInputError("limit must be at most 1000 rows a page")
        order = self.get_argument("order_by", "")
        descending = self.get_argument("descending", "false").lower() in ("1", "true")
        offset = self.int_argument("offset", 0)
        collection = self.state.collection(root, path, self.get_argument("name"))
        where = self.get_argument("where", "") or None
        parsed = json.loads(where) if where and where.lstrip().startswith("{") else where
        page = collection.get(
            where=parsed,
            offset=offset,
            limit=limit,
            order_by=(order, "descending" if descending else "ascending") if order else None,
        )
        self.reply(
            {
                "total": collection.count(parsed),
                "offset": offset,
                "rows": page.to_arrow().to_pylist(),
            }
        )


class QueryHandler(_Base):
    """POST ?root=&path=&name= with a QuerySpec as JSON: the hits as JSON, or Arrow IPC when
    the request accepts ``application/vnd.apache.arrow.stream``."""

    @tornado.web.authenticated
    @_typed_errors
    def post(self) -> None:
        root, path = self.target()
        spec = QuerySpec.from_json(self.request.body or b"")
        results = self.state.search(root, path, self.get_argument("name"), spec)
        table = without_vectors(results.to_arrow())
        if ARROW in (self.request.headers.get("Accept") or ""):
            self.finish(arrow_ipc(table), set_content_type=ARROW)
            return
        self.reply({"spec": spec.to_dict(), "results": table.to_pylist(), **_marks(results)})


def _marks(results: QueryResults) -> dict[str, Any]:
    """The hits' words to mark, as the SearchWidget marks them."""
    return {"words": matching_words(results.query, results.texts) if results.query else []}


class TelemetryHandler(_Base):
    """GET: the server process's last telemetry summary (empty until telemetry is enabled)."""

    @tornado.web.authenticated
    @_typed_errors
    def get(self) -> None:
        self.reply(self.state.telemetry())


HANDLERS: list[tuple[str, type[_Base]]] = [
    ("databases", DatabasesHandler),
    ("collection", CollectionHandler),
    ("rows", RowsHandler),
    ("query", QueryHandler),
    ("telemetry", TelemetryHandler),
]
