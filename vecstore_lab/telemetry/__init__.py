"""Telemetry: OpenTelemetry spans and metrics for every stage, and an in-notebook recorder.

vecstore-lab's code talks only to the OpenTelemetry API. Nothing is collected until an SDK is
configured — by your application, or with one call::

    recorder = vecstore_lab.telemetry.enable()            # in-process recorder
    vecstore_lab.telemetry.enable(prometheus_port=9464)   # + a /metrics endpoint
    vecstore_lab.telemetry.enable(otlp=True)              # + OTLP export (OTEL_EXPORTER_OTLP_*)

``enable`` composes with an SDK you set up yourself: it adds its span processor to your
tracer provider instead of replacing it (configure yours first). Span and metric names are
listed in ``vecstore_lab.telemetry._instruments``; the Grafana dashboard in
``dashboards/grafana/`` reads the Prometheus names.
"""

from __future__ import annotations

import threading
from typing import Any

from vecstore_lab.errors import InvalidInputError, MissingDependencyError
from vecstore_lab.telemetry._instruments import (
    METRIC_NAMES,
    add,
    enabled,
    replay,
    stage,
    use_providers,
)
from vecstore_lab.telemetry._recorder import Recorder, SpanRecord

__all__ = [
    "METRIC_NAMES",
    "Recorder",
    "SpanRecord",
    "add",
    "enable",
    "enabled",
    "get_recorder",
    "replay",
    "stage",
    "use_providers",
]

_lock = threading.Lock()
_enabled: dict[str, Any] = {"recorder": None, "prometheus_ports": set()}


def get_recorder() -> Recorder | None:
    """The recorder ``enable()`` attached, if any."""
    rec: Recorder | None = _enabled["recorder"]
    return rec


def _sdk() -> tuple[Any, Any]:
    try:
        from opentelemetry.sdk import metrics as sdk_metrics
        from opentelemetry.sdk import trace as sdk_trace
    except ImportError as exc:
        raise MissingDependencyError(
            "telemetry.enable() needs the OpenTelemetry SDK: pip install 'vecstore-lab[telemetry]'"
        ) from exc
    return sdk_trace, sdk_metrics


def enable(
    *,
    recorder: Recorder | bool = True,
    max_spans: int = 10_000,
    prometheus_port: int | None = None,
    prometheus_addr: str = "127.0.0.1",
    otlp: bool = False,
    tracer_provider: Any = None,
    meter_provider: Any = None,
) -> Recorder | None:
    """Start collecting vecstore-lab telemetry; returns the in-process ``Recorder``.

    Parameters:
        recorder: keep spans in memory for ``summary()`` and the widgets (or pass your own).
        prometheus_port: serve metrics for Prometheus at ``http://prometheus_addr:port/metrics``.
        otlp: export spans and metrics over OTLP/HTTP; endpoint, headers and protocol come
            from the standard ``OTEL_EXPORTER_OTLP_*`` environment variables.
        tracer_provider, meter_provider: SDK providers to use instead of the global ones.

    With no SDK provider set globally, SDK providers are created and made global; with yours
    already set, the recorder (and OTLP span export) are added to your tracer provider. Metric
    readers cannot be added to an existing meter provider: add ``PrometheusMetricReader`` or an
    OTLP reader to yours, and leave ``prometheus_port``/``otlp`` unset. Calling it again adds
    nothing twice.
    """
    sdk_trace, sdk_metrics = _sdk()
    from opentelemetry import metrics, trace

    with _lock:
        rec: Recorder | None
        if isinstance(recorder, Recorder):
            rec = recorder
        elif recorder:
            existing = _enabled["recorder"]  # not `or`: an empty Recorder is falsy (len 0)
            rec = existing if existing is not None else Recorder(max_spans=max_spans)
        else:
            rec = None

        tp = tracer_provider or trace.get_tracer_provider()
        created_tp = False
        if not isinstance(tp, sdk_trace.TracerProvider):
            tp = sdk_trace.TracerProvider()
            created_tp = True
        if rec is not None and not rec.attached:
            tp.add_span_processor(rec)
            rec.attached = True
        if otlp:
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            span_exporter, metric_exporter = _otlp_exporters()
            tp.add_span_processor(BatchSpanProcessor(span_exporter))
        if created_tp and tracer_provider is None:
            trace.set_tracer_provider(tp)

        readers = []
        if prometheus_port is not None and prometheus_port not in _enabled["prometheus_ports"]:
            readers.append(_prometheus_reader(prometheus_port, prometheus_addr))
        if otlp:
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

            readers.append(PeriodicExportingMetricReader(metric_exporter))
        mp = meter_provider or metrics.get_meter_provider()
        if isinstance(mp, sdk_metrics.MeterProvider):
            if readers:
                raise InvalidInputError(
                    "a MeterProvider is already set; add PrometheusMetricReader / an OTLP "
                    "reader to it yourself instead of passing prometheus_port/otlp"
                )
        else:
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader

            if rec is not None and rec.metric_reader is None:
                rec.metric_reader = InMemoryMetricReader()
                readers.append(rec.metric_reader)
            mp = sdk_metrics.MeterProvider(metric_readers=readers)
            if meter_provider is None:
                metrics.set_meter_provider(mp)
        if prometheus_port is not None:
            _enabled["prometheus_ports"].add(prometheus_port)
        use_providers(
            tracer_provider if tracer_provider is not None else None,
            meter_provider if meter_provider is not None else None,
        )
        if rec is not None and not isinstance(recorder, Recorder):
            _enabled["recorder"] = rec
        return rec


def _prometheus_reader(port: int, addr: str) -> Any:
    try:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import start_http_server
    except ImportError as exc:
        raise MissingDependencyError(
            "prometheus_port needs opentelemetry-exporter-prometheus: "
            "pip install 'vecstore-lab[telemetry]'"
        ) from exc
    reader = PrometheusMetricReader()
    start_http_server(port, addr=addr)
    return reader


def _otlp_exporters() -> tuple[Any, Any]:
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise MissingDependencyError(
            "otlp=True needs opentelemetry-exporter-otlp-proto-http: "
            "pip install 'vecstore-lab[telemetry]'"
        ) from exc
    return OTLPSpanExporter(), OTLPMetricExporter()
