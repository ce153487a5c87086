"""``Recorder``: an in-process, bounded sink for vecstore-lab spans, read by the widgets."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

__all__ = ["Recorder", "SpanRecord"]

PREFIX = "vecstore_lab."


@dataclass(frozen=True)
class SpanRecord:
    """One finished stage."""

    seq: int
    stage: str
    start: float  # unix seconds
    duration_ms: float
    status: str  # "ok" | "error"
    error_type: str | None
    trace_id: str
    span_id: str
    parent_span_id: str | None
    attributes: dict[str, Any]


_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("stage", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("duration_ms", pa.float64()),
        ("status", pa.string()),
        ("error_type", pa.string()),
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("collection", pa.string()),
        ("mode", pa.string()),
        ("attributes", pa.string()),
    ]
)


class Recorder:
    """Keeps the last ``max_spans`` vecstore-lab spans in memory (a ring buffer).

    It is an OpenTelemetry span processor: ``vecstore_lab.telemetry.enable()`` adds it to the
    tracer provider, next to whatever processors the application already has. Read it with
    ``to_arrow()``/``to_pandas()``, ``summary()`` (latency percentiles per stage) and
    ``totals()``; ``subscribe(fn)`` calls ``fn(record)`` for every new span (the telemetry
    widget uses it).
    """

    def __init__(self, max_spans: int = 10_000) -> None:
        self.max_spans = max_spans
        self._records: deque[SpanRecord] = deque(maxlen=max_spans)
        self._lock = threading.Lock()
        self._seq = 0
        self._listeners: list[Callable[[SpanRecord], None]] = []
        self.paused = False
        self.attached = False  # added to a tracer provider by telemetry.enable (once)
        self.metric_reader: Any = None  # an InMemoryMetricReader when enable() created one

    # -- span processor interface (duck-typed: the SDK is optional at import time) ----------
    def on_start(self, span: Any, parent_context: Any = None) -> None:
        return

    def _on_ending(self, span: Any) -> None:
        return

    def on_end(self, span: Any) -> None:
        if self.paused or not span.name.startswith(PREFIX):
            return
        ctx = span.get_span_context()
        parent = span.parent
        attrs = dict(span.attributes or {})
        status = "error" if span.status.status_code.name == "ERROR" else "ok"
        with self._lock:
            self._seq += 1
            record = SpanRecord(
                seq=self._seq,
                stage=span.name[len(PREFIX) :],
                start=span.start_time / 1e9,
                duration_ms=(span.end_time - span.start_time) / 1e6,
                status=status,
                error_type=attrs.get("error.type"),
                trace_id=f"{ctx.trace_id:032x}",
                span_id=f"{ctx.span_id:016x}",
                parent_span_id=f"{parent.span_id:016x}" if parent is not None else None,
                attributes=attrs,
            )
            self._records.append(record)
            listeners = list(self._listeners)
        for fn in listeners:
            # A broken listener must never break the traced operation.
            with contextlib.suppress(Exception):
                fn(record)

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    # -- reading ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest record (0 when empty)."""
        return self._seq

    def records(self, since: int = 0) -> list[SpanRecord]:
        """Records with ``seq > since``, oldest first."""
        with self._lock:
            return [r for r in self._records if r.seq > since]

    def subscribe(self, fn: Callable[[SpanRecord], None]) -> Callable[[], None]:
        """Call ``fn(record)`` for every new span; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def to_arrow(self, since: int = 0) -> pa.Table:
        """One row per span: stage, start, duration, status, ids, and the attributes as JSON."""
        rows = []
        for r in self.records(since):
            d = asdict(r)
            attrs = d.pop("attributes")
            d["start"] = int(r.start * 1e6)
            d["collection"] = attrs.get("db.collection.name")
            d["mode"] = attrs.get("vecstore_lab.query.mode")
            d["attributes"] = json.dumps(attrs, default=str, sort_keys=True)
            rows.append(d)
        if not rows:
            return _SCHEMA.empty_table()
        return pa.Table.from_pylist(rows, schema=_SCHEMA.remove_metadata())

    def to_pandas(self, since: int = 0) -> pd.DataFrame:
        df: pd.DataFrame = self.to_arrow(since).to_pandas()
        return df

    def summary(self) -> pd.DataFrame:
        """Per stage: count, errors, p50/p95/p99/mean/max latency in ms and total seconds."""
        import pandas as pd

        by_stage: dict[str, list[SpanRecord]] = {}
        for r in self.records():
            by_stage.setdefault(r.stage, []).append(r)
        rows = []
        for stage_name, recs in sorted(by_stage.items()):
            ms = np.array([r.duration_ms for r in recs])
            p50, p95, p99 = np.percentile(ms, [50, 95, 99])
            rows.append(
                {
                    "stage": stage_name,
                    "count": len(recs),
                    "errors": sum(r.status == "error" for r in recs),
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "p99_ms": p99,
                    "mean_ms": float(ms.mean()),
                    "max_ms": float(ms.max()),
                    "total_s": float(ms.sum() / 1e3),
                }
            )
        columns = [
            "stage",
            "count",
            "errors",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "mean_ms",
            "max_ms",
            "total_s",
        ]
        return pd.DataFrame(rows, columns=columns).set_index("stage")

    def totals(self) -> dict[str, float]:
        """Counts over the recorded spans: queries, rows written, texts embedded, cache hits,
        tokens, retries and errors."""
        out = dict.fromkeys(
            (
                "queries",
                "rows_written",
                "texts_embedded",
                "cache_hits",
                "tokens",
                "retries",
                "errors",
            ),
            0.0,
        )
        for r in self.records():
            a = r.attributes
            out["queries"] += r.stage == "query"
            out["rows_written"] += a.get("vecstore_lab.rows", 0) if r.stage == "write" else 0
            if r.stage == "embed":
                out["texts_embedded"] += a.get(
                    "vecstore_lab.embed.cache_misses", a.get("vecstore_lab.embed.inputs", 0)
                )
                out["cache_hits"] += a.get("vecstore_lab.embed.cache_hits", 0)
            if r.stage == "embed.http":
                out["tokens"] += a.get("vecstore_lab.embed.tokens", 0) if r.status == "ok" else 0
                out["retries"] += a.get("vecstore_lab.retry", 0) > 0
            out["errors"] += r.status == "error"
        return out

    def __repr__(self) -> str:
        return f"Recorder({len(self)} spans, max {self.max_spans})"
