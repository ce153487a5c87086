"""What every vecstore-lab widget shares: its bundle, strict kwargs, Arrow table traits, and
one command mechanism for requests from the front end."""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable
from importlib.resources import files
from typing import Any, ClassVar, TypeVar

import anywidget
import pyarrow as pa
import traitlets as t

from vecstore_lab._render.html import RESULTS_MIME
from vecstore_lab._render.ipc import arrow_ipc
from vecstore_lab.errors import BundleNotBuiltError, VecStoreError

F = TypeVar("F", bound=Callable[..., Any])

BUILD_COMMAND = "npm --prefix js ci && npm --prefix js run build"


def _table_to_json(value: pa.Table | None, _widget: Any) -> bytes:
    return b"" if value is None else arrow_ipc(value)


def _table_from_json(value: Any, _widget: Any) -> pa.Table:
    data = bytes(value or b"")
    return pa.ipc.open_stream(data).read_all() if data else pa.table({})


class ArrowTable(t.TraitType[pa.Table, pa.Table]):
    """A ``pyarrow.Table`` trait, synced as Arrow IPC bytes (one binary buffer, no JSON), as
    lonboard does: Python code sees a table, the front end decodes the stream."""

    default_value = pa.table({})
    info_text = "a pyarrow Table"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tag(to_json=_table_to_json, from_json=_table_from_json)

    def validate(self, obj: Any, value: Any) -> pa.Table:
        if not isinstance(value, pa.Table):
            self.error(obj, value)  # raises TraitError
        return value


def command(name: str) -> Callable[[F], F]:
    """Mark a widget method as the handler of the front end's ``request(model, name, params)``.

    The method takes the params as keywords and returns ``(reply fields, binary buffers)``.
    """

    def mark(method: F) -> F:
        method._vecstore_command = name  # type: ignore[attr-defined]
        return method

    return mark


class VecWidget(anywidget.AnyWidget):
    """Base of the widgets: a thin view whose requests call the same API a script would.

    Subclasses name their bundle (``_bundle = "search.js"``) and mark request handlers with
    ``@command("name")``: a JS ``request(model, name, params)`` is answered with
    ``{"type": "response", "id", "ok": True, ...}`` (plus binary buffers) or ``ok=False`` and
    an ``error`` message: an exception never leaves the front end waiting (the front end
    also times out, after 60 s by default).
    """

    _bundle: ClassVar[str] = ""
    _commands: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._commands = {
            member._vecstore_command: attr
            for klass in reversed(cls.__mro__)
            for attr, member in vars(klass).items()
            if hasattr(member, "_vecstore_command")
        }

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self.class_trait_names()))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s) {unknown}; "
                f"known: {sorted(n for n in self.class_trait_names() if not n.startswith('_'))}"
            )
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_msg)

    @property
    def _esm(self) -> str:
        path = files("vecstore_lab").joinpath("static", self._bundle)
        if not path.is_file():
            raise BundleNotBuiltError(
                f"the front end of {type(self).__name__} ({self._bundle}) is not built; from a "
                f"source checkout run: {BUILD_COMMAND} (or `make setup`)"
            )
        return path.read_text(encoding="utf-8")

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        if not isinstance(content, dict) or content.get("type") != "request":
            return
        rid = content.get("id")
        method = self._commands.get(str(content.get("method")))
        try:
            if method is None:
                raise ValueError(f"unknown request {content.get('method')!r}")
            reply, out_buffers = getattr(self, method)(**(content.get("params") or {}))
        except VecStoreError as exc:
            self.send({"type": "response", "id": rid, "ok": False, "error": str(exc)})
            return
        except Exception as exc:  # shown in the widget, with the type, not swallowed
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.send({"type": "response", "id": rid, "ok": False, "error": detail})
            return
        self.send({"type": "response", "id": rid, "ok": True, **reply}, buffers=out_buffers)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, plus escaped static HTML of what it shows (``_static_html``) for
        pages that cannot run it (GitHub, nbviewer, a notebook opened without a kernel)."""
        bundle: Any = super()._repr_mimebundle_(**kwargs)  # (data, metadata) or data
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/html"] = self._static_html()
            payload = self._static_payload()
            if payload is not None:
                data[RESULTS_MIME] = payload
        return bundle

    def _static_html(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>"

    def _static_payload(self) -> dict[str, Any] | None:
        """Hits to show with the extension's renderer when the view cannot run (``None``:
        this widget shows no hits)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
