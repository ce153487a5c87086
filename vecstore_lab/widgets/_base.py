"""What every vecstore-lab widget shares: its bundle, strict kwargs, request/response, Arrow IPC."""

from __future__ import annotations

import traceback
from importlib.resources import files
from typing import Any, ClassVar

import anywidget
import pyarrow as pa

from vecstore_lab.errors import BundleNotBuiltError, VecStoreError

BUILD_COMMAND = "npm --prefix js ci && npm --prefix js run build"


def arrow_ipc(table: pa.Table) -> bytes:
    """A table as Arrow IPC stream bytes (sent to the front end as a binary buffer)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


class VecWidget(anywidget.AnyWidget):
    """Base of the widgets: a thin view whose requests call the same API a script would.

    Subclasses name their bundle (``_bundle = "search.js"``) and register request handlers in
    ``_handlers``: a JS ``request(model, method, params)`` is answered with
    ``{"type": "response", "id", "ok": True, ...}`` (plus binary buffers) or ``ok=False`` and
    an ``error`` message — an exception never leaves the front end waiting.
    """

    _bundle: ClassVar[str] = ""
    _handlers: ClassVar[dict[str, str]] = {}

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
        method = self._handlers.get(str(content.get("method")))
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

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
