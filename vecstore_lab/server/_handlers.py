"""REST handlers of the server extension; each one is a thin call into the collection layer.

Every handler needs the server's auth (``@tornado.web.authenticated``: token or cookie, and
XSRF for browser posts). Handlers are async: the collection work runs on the server's bounded
pool (``_pool.WorkPool``), never on Jupyter's event loop, and requests past the configured
limits (``_limits.Limits``) are refused before any work starts. Errors are JSON
``{"error": {"type", "message"}}`` with a status that fits (400 bad input, 403 a path outside
the roots, 404 no such collection, 413 too large, 500 damaged or failing storage, 503 busy),
never a traceback.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from vecstore_lab._render.ipc import arrow_ipc
from vecstore_lab._render.terms import matching_words
from vecstore_lab.errors import (
    CollectionNotFoundError,
    InvalidInputError,
    PathOutsideRootsError,
    StorageError,
    VecStoreError,
)
from vecstore_lab.filters import parse_where
from vecstore_lab.results import without_vectors
from vecstore_lab.server._limits import RequestTooLargeError
from vecstore_lab.server._pool import ClientGoneError, Gone, ServerBusyError
from vecstore_lab.spec import QuerySpec

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults
    from vecstore_lab.server._state import State

__all__ = ["HANDLERS"]

ARROW = "application/vnd.apache.arrow.stream"
_STATUS = (
    (PathOutsideRootsError, 403),
    (CollectionNotFoundError, 404),
    (RequestTooLargeError, 413),
    (ServerBusyError, 503),
    (StorageError, 500),
    (VecStoreError, 400),
)


def _typed_errors(method: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(self: _Base, *args: Any, **kwargs: Any) -> None:
        try:
            await method(self, *args, **kwargs)
        except ClientGoneError:
            return  # nobody is listening
        except VecStoreError as exc:
            status = next(code for kind, code in _STATUS if isinstance(exc, kind))
            self.reply_error(status, type(exc).__name__, str(exc))

    return wrapper


class _Base(APIHandler):
    def initialize(self) -> None:
        self.gone = Gone()

    def on_connection_close(self) -> None:
        """The client went away: its work is dropped before its turn, or at a checkpoint."""
        self.gone.set()
        super().on_connection_close()

    @property
    def state(self) -> State:
        return self.settings["vecstore_lab"]  # type: ignore[no-any-return]

    async def work(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` on the server's worker pool, off Jupyter's event loop."""
        return await self.state.pool.run(fn, self.gone)

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
    async def get(self) -> None:
        listing = await self.work(self.state.databases)
        # Where each database sits under Jupyter's own root, so "Open in notebook" can write a
        # path relative to the notebook (None: outside it, the absolute location is used).
        home = Path(self.settings.get("server_root_dir", ".")).expanduser().resolve()
        for db in listing["databases"]:
            where = Path(db["location"]).resolve()
            inside = "://" not in db["location"] and where.is_relative_to(home)
            db["server_path"] = where.relative_to(home).as_posix() if inside else None
        self.reply(listing)


class CollectionHandler(_Base):
    """GET ?root=&path=&name=: one collection: schema, stats, versions, indexes."""

    @tornado.web.authenticated
    @_typed_errors
    async def get(self) -> None:
        root, path = self.target()
        name = self.get_argument("name")
        self.reply(await self.work(lambda: self.state.describe(root, path, name, full=True)))
        # The panel shows this collection: its model and vectors load while the user types.
        self.state.pool.background(lambda: self.state.warm(root, path, name))


class RowsHandler(_Base):
    """GET ?root=&path=&name=&offset=&limit=&order_by=&descending=&where=: a page of rows."""

    @tornado.web.authenticated
    @_typed_errors
    async def get(self) -> None:
        root, path = self.target()
        limit = self.int_argument("limit", 50)
        if limit > 1000:
            raise InvalidInputError("limit must be at most 1000 rows a page")
        order = self.get_argument("order_by", "")
        descending = self.get_argument("descending", "false").lower() in ("1", "true")
        offset = self.int_argument("offset", 0)
        name = self.get_argument("name")
        where = parse_where(self.get_argument("where", ""))
        self.state.limits.check_filter(where)
        sort = (order, "descending" if descending else "ascending") if order else None

        def page() -> dict[str, Any]:
            collection: Collection = self.state.collection(root, path, name)
            self.gone.check()
            rows = collection.get(where=where, offset=offset, limit=limit, order_by=sort)
            self.gone.check()
            total = collection.count(where)
            return {"total": total, "offset": offset, "rows": rows.to_arrow().to_pylist()}

        self.reply(await self.work(page))


class QueryHandler(_Base):
    """POST ?root=&path=&name= with a QuerySpec as JSON: the hits as JSON, or Arrow IPC when
    the request accepts ``application/vnd.apache.arrow.stream``."""

    @tornado.web.authenticated
    @_typed_errors
    async def post(self) -> None:
        root, path = self.target()
        name = self.get_argument("name")
        body = self.request.body or b""
        self.state.limits.check_body(len(body))
        spec = QuerySpec.from_json(body)
        self.state.limits.check_spec(spec)
        results = await self.work(lambda: self.state.search(root, path, name, spec, self.gone))
        table = without_vectors(results.to_arrow())
        if ARROW in (self.request.headers.get("Accept") or ""):
            self.finish(arrow_ipc(table), set_content_type=ARROW)
            return
        self.reply({"spec": spec.to_dict(), "results": table.to_pylist(), **_marks(results)})


def _marks(results: QueryResults) -> dict[str, Any]:
    """The hits' words to mark, as the SearchWidget marks them."""
    if not results.query:
        return {"words": []}
    return {"words": matching_words(results.query, results.texts, results.full_text)}


class TelemetryHandler(_Base):
    """GET: the server process's last telemetry summary (empty until telemetry is enabled)."""

    @tornado.web.authenticated
    @_typed_errors
    async def get(self) -> None:
        self.reply(self.state.telemetry())


class StatusHandler(_Base):
    """GET: the worker pool (workers, requests in flight, done/failed/dropped/refused) and
    the request limits, answered on the event loop without waiting for a worker."""

    @tornado.web.authenticated
    @_typed_errors
    async def get(self) -> None:
        limits = self.state.limits
        self.reply({"pool": self.state.pool.status(), "limits": limits.__dict__})


HANDLERS: list[tuple[str, type[_Base]]] = [
    ("databases", DatabasesHandler),
    ("collection", CollectionHandler),
    ("rows", RowsHandler),
    ("query", QueryHandler),
    ("telemetry", TelemetryHandler),
    ("status", StatusHandler),
]
