"""Spans and metrics for every stage, through the OpenTelemetry *API* only.

Library code calls ``stage("query", ...)``; what happens to the data is the application's
choice (its SDK set-up, or ``vecstore_lab.telemetry.enable()``). With no SDK configured
``stage`` does nothing but one cheap check, so instrumentation costs nothing when off.

Span names are ``vecstore_lab.<stage>``. Metric names (as OTel instruments; Prometheus adds
unit suffixes and ``_total``):

========================================  =========  ======================================
``vecstore_lab.stage.duration`` (s)        histogram  ``stage``, ``status``, ``mode``
``vecstore_lab.queries``                   counter    ``mode``, ``status``
``vecstore_lab.rows.written``              counter    ``operation``
``vecstore_lab.embed.calls``               counter    ``embedder``
``vecstore_lab.embed.texts``               counter    ``embedder``, ``cache`` (hit|miss)
``vecstore_lab.embed.tokens``              counter    ``embedder``
``vecstore_lab.retries``                   counter    ``embedder``, ``reason``
``vecstore_lab.errors``                    counter    ``stage``, ``error.type``
========================================  =========  ======================================

Attributes never carry document or query text.
"""

from __future__ import annotations

import time
import traceback
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider, Span, Status, StatusCode

from vecstore_lab._secrets import scrub

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["METRIC_NAMES", "add", "enabled", "replay", "stage", "use_providers"]

SCOPE = "vecstore_lab"
METRIC_NAMES = (
    "vecstore_lab.stage.duration",
    "vecstore_lab.queries",
    "vecstore_lab.rows.written",
    "vecstore_lab.embed.calls",
    "vecstore_lab.embed.texts",
    "vecstore_lab.embed.tokens",
    "vecstore_lab.retries",
    "vecstore_lab.errors",
)
# Attributes that may label metrics; everything else goes on spans only (cardinality).
_METRIC_LABELS = frozenset({"mode", "operation", "embedder", "cache", "reason", "reranker"})
_DISABLED = trace.INVALID_SPAN
DURATION_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)


class _State:
    def __init__(self) -> None:
        self.tracer_provider: Any = None  # None: follow the global provider
        self.meter_provider: Any = None
        self._build()

    def _build(self) -> None:
        tp = self.tracer_provider or trace.get_tracer_provider()
        mp = self.meter_provider or metrics.get_meter_provider()
        self.tracer = tp.get_tracer(SCOPE)
        meter = mp.get_meter(SCOPE)
        self.duration = meter.create_histogram(
            "vecstore_lab.stage.duration",
            unit="s",
            description="Duration of each stage",
            # The SDK's default buckets (0..10000) suit milliseconds; stages here take
            # from a fraction of a millisecond (fusion) to seconds (embedding, ingest).
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.counters = {
            name: meter.create_counter(name, description=desc)
            for name, desc in (
                ("vecstore_lab.queries", "Queries run"),
                ("vecstore_lab.rows.written", "Rows written (add, upsert, update)"),
                ("vecstore_lab.embed.calls", "Calls into an embedder"),
                ("vecstore_lab.embed.texts", "Texts embedded or served from the cache"),
                ("vecstore_lab.embed.tokens", "Tokens sent to an embedding API"),
                ("vecstore_lab.retries", "Retried requests to an embedding API"),
                ("vecstore_lab.errors", "Failed stages"),
            )
        }

    def active(self) -> bool:
        tp = self.tracer_provider or trace.get_tracer_provider()
        mp = self.meter_provider or metrics.get_meter_provider()
        tracing = not isinstance(tp, ProxyTracerProvider | NoOpTracerProvider)
        metering = not isinstance(mp, NoOpMeterProvider) and type(mp).__name__ != (
            "_ProxyMeterProvider"
        )
        return tracing or metering


_state = _State()


def use_providers(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Send telemetry to these providers instead of the global ones (``None``: global)."""
    _state.tracer_provider = tracer_provider
    _state.meter_provider = meter_provider
    _state._build()


def enabled() -> bool:
    """Whether any SDK is listening (else ``stage`` is a no-op)."""
    return _state.active()


def _labels(name: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "stage": name,
        **{k: v for k, v in attributes.items() if k in _METRIC_LABELS and v is not None},
    }


@contextmanager
def stage(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Span]:
    """A span ``vecstore_lab.<name>`` plus its duration in ``vecstore_lab.stage.duration``.

    Yields the span so the caller can add attributes known only at the end (result counts).
    An exception marks the span as an error (status, ``error.type``, recorded exception),
    counts in ``vecstore_lab.errors`` and propagates.
    """
    if not _state.active():
        yield _DISABLED
        return
    attrs = {k: v for k, v in (attributes or {}).items() if v is not None}
    labels = _labels(name, attrs)
    start = time.perf_counter()
    status = "ok"
    with _state.tracer.start_as_current_span(
        f"{SCOPE}.{name}", attributes=attrs, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except BaseException as exc:
            status = "error"
            error_type = type(exc).__qualname__
            span.set_attribute("error.type", error_type)
            _record_exception(span, exc)
            span.set_status(Status(StatusCode.ERROR, scrub(str(exc))[:200]))
            _state.counters["vecstore_lab.errors"].add(1, {"stage": name, "error.type": error_type})
            raise
        finally:
            _state.duration.record(time.perf_counter() - start, {**labels, "status": status})


def replay(
    name: str, start_ns: int, end_ns: int, attributes: Mapping[str, Any] | None = None
) -> None:
    """A span ``vecstore_lab.<name>`` measured elsewhere (a Ray worker, which has no exporter),
    with the wall-clock times it was measured at, as a child of the current span."""
    if not _state.active():
        return
    attrs = {k: v for k, v in (attributes or {}).items() if v is not None}
    span = _state.tracer.start_span(f"{SCOPE}.{name}", attributes=attrs, start_time=start_ns)
    span.end(end_time=end_ns)
    _state.duration.record((end_ns - start_ns) / 1e9, {**_labels(name, attrs), "status": "ok"})


def _record_exception(span: Span, exc: BaseException) -> None:
    """The OTel ``exception`` event, with every registered secret scrubbed from its text.

    ``span.record_exception`` would format the message and traceback (with its chained
    exceptions) as they are; a server that echoes an API key would put it in every export.
    """
    stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    span.add_event(
        "exception",
        {
            "exception.type": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "exception.message": scrub(str(exc)),
            "exception.stacktrace": scrub(stack),
        },
    )


def add(metric: str, value: float, attributes: Mapping[str, Any] | None = None) -> None:
    """Add to one of the counters in ``METRIC_NAMES`` (no-op when telemetry is off)."""
    if value and _state.active():
        labels = {k: v for k, v in (attributes or {}).items() if v is not None}
        _state.counters[metric].add(value, labels)
