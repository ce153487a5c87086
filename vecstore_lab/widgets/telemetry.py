"""``TelemetryWidget``: live latency charts per stage from a telemetry ``Recorder``."""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa
import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.telemetry import Recorder, get_recorder
from vecstore_lab.widgets._base import ArrowTable, VecWidget

__all__ = ["TelemetryWidget"]


class TelemetryWidget(VecWidget):
    """Latency over time and p50/p95 per stage, plus throughput, retries and errors.

    It follows ``recorder`` (default: the one ``vecstore_lab.telemetry.enable()`` attached) and
    pushes new data to the page at most every ``interval`` seconds from a background thread,
    so a running workload updates the charts without flooding the kernel's message stream.
    """

    _bundle = "telemetry.js"

    spans = ArrowTable().tag(sync=True)
    summary = ArrowTable().tag(sync=True)
    totals = t.Dict().tag(sync=True)
    interval = t.Float(0.5).tag(sync=True)
    window = t.Int(2000).tag(sync=True)
    updates = t.Int(0).tag(sync=True)

    def __init__(self, recorder: Recorder | None = None, **kwargs: Any) -> None:
        rec = recorder if recorder is not None else get_recorder()
        if rec is None:
            raise InvalidInputError(
                "no telemetry recorder: call vecstore_lab.telemetry.enable() first, or pass "
                "TelemetryWidget(recorder)"
            )
        self.recorder = rec
        super().__init__(**kwargs)
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._unsubscribe = rec.subscribe(lambda _record: self._dirty.set())
        self.refresh()
        self._thread = threading.Thread(target=self._pump, daemon=True, name="vecstore-telemetry")
        self._thread.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            if self._dirty.wait(timeout=1.0) and not self._stop.is_set():
                self._dirty.clear()
                self.refresh()
                self._stop.wait(max(self.interval, 0.05))

    def refresh(self) -> None:
        """Send the latest spans, per-stage summary and totals to the page now."""
        spans = self.recorder.to_arrow()
        if spans.num_rows > self.window:
            spans = spans.slice(spans.num_rows - self.window)
        keep = spans.select(["seq", "stage", "start", "duration_ms", "status"])
        summary = self.recorder.summary().reset_index()
        self.spans = keep
        self.summary = pa.Table.from_pandas(
            summary[["stage", "count", "errors", "p50_ms", "p95_ms", "p99_ms"]],
            preserve_index=False,
        )
        self.totals = self.recorder.totals()
        self.updates += 1

    def close(self) -> None:
        # Also runs from __del__ of a widget whose __init__ failed half way.
        if hasattr(self, "_stop"):
            self._stop.set()
            self._dirty.set()
            self._unsubscribe()
        super().close()

    def _static_html(self) -> str:
        timings = {c: "ms" for c in self.summary.column_names if c.endswith("_ms")}
        title = f"Telemetry: {len(self.recorder)} spans recorded"
        return table_html(self.summary, title=title, units=timings)

    def __repr__(self) -> str:
        return f"TelemetryWidget({len(self.recorder)} spans recorded)"
