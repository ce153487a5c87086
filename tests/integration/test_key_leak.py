"""The API key is nowhere: not in errors or their chain, spans, metrics, logs, reprs, widget
state, or files under the database, even when the server echoes it back.

The server here (real HTTP on 127.0.0.1) ends every error message with the Authorization
header it received, as careless servers and proxies do. In 0.1 the ``embed.http`` span's
status and exception event carried the key, and the raised error's ``__context__`` held the
SDK's exception with it.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.testing import FakeOpenAIServer, Fault

KEY = "sk-live-LEAKCHECK-7f3a9c2e51d04b8a"
SECRET_PART = "LEAKCHECK-7f3a9c2e51d04b8a"  # a fragment is a leak too


def chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def texts_of_error(exc: BaseException) -> list[str]:
    out = ["".join(traceback.format_exception(exc))]  # what a notebook or log would print
    for e in chain(exc):
        out += [str(e), repr(e), repr(getattr(e, "args", ())), repr(getattr(e, "report", None))]
        out.append(repr(vars(e)) if hasattr(e, "__dict__") else "")
    return out


def span_texts(exporter: InMemorySpanExporter) -> list[str]:
    out = []
    for span in exporter.get_finished_spans():
        out += [span.name, json.dumps(dict(span.attributes or {}), default=str)]
        out.append(str(span.status.description))
        for event in span.events:
            out += [event.name, json.dumps(dict(event.attributes or {}), default=str)]
    return out


def metric_texts(reader: InMemoryMetricReader) -> list[str]:
    data = reader.get_metrics_data()
    out = []
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                out += [m.name] + [str(dict(p.attributes)) for p in m.data.data_points]
    return out


@pytest.fixture
def otel() -> Any:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    telemetry.use_providers(tracer_provider, MeterProvider(metric_readers=[reader]))
    yield spans, reader
    telemetry.use_providers(None, None)


@pytest.mark.parametrize("failure", ["wrong key (401)", "server errors, retried (500)"])
def test_the_key_never_leaves_the_process(
    tmp_path: Path,
    otel: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    spans, reader = otel
    caplog.set_level(logging.DEBUG)  # every logger, the openai SDK's and httpx's included
    monkeypatch.setenv("VECSTORE_TEST_KEY", KEY)
    expected_key = "sk-the-server-wants-another" if failure.startswith("wrong") else KEY
    with FakeOpenAIServer(api_key=expected_key, echo_auth=True) as server:
        embedder = vl.OpenAIEmbedder(
            dimensions=8,
            api_key_env="VECSTORE_TEST_KEY",
            base_url=server.base_url,
            max_retries=2,
            backoff_base=0.001,
            backoff_max=0.01,
        )
        db = vl.connect(tmp_path / "db", embedder=embedder)
        c = db.create_collection("docs")
        if failure.startswith("server"):
            c.add(ids=["ok"], texts=["this one succeeds"])  # the key works until the server fails
            server.fail(*[Fault(status=500, message="upstream exploded")] * 20)
        errors: list[BaseException] = []
        for attempt in (
            lambda: c.add(ids=["a"], texts=["some text"]),
            lambda: c.add_documents([{"id": "d", "text": "a document"}], progress=False),
            lambda: c.query("a question"),
            lambda: c.query("a question", mode="hybrid"),
        ):
            with pytest.raises(vl.VecStoreError) as info:
                attempt()
            errors.append(info.value)
        # The server really did echo the key: the test would catch a leak.
        assert any(KEY in (r.authorization or "") for r in server.requests)

        from vecstore_lab.widgets import SearchWidget

        widget_state = json.dumps(SearchWidget(c).get_state(), default=str)

    places: dict[str, list[str]] = {
        "errors": [t for e in errors for t in texts_of_error(e)],
        "spans": span_texts(spans),
        "metrics": metric_texts(reader),
        "logs": [caplog.text],
        "reprs": [repr(embedder), repr(c), repr(db), json.dumps(embedder.config())],
        "widget state": [widget_state],
        "files": [
            p.read_bytes().decode("latin-1") for p in (tmp_path / "db").rglob("*") if p.is_file()
        ],
    }
    assert places["spans"] and places["files"]
    for place, texts in places.items():
        leaks = [t for t in texts if SECRET_PART in t]
        assert not leaks, f"the key leaked into {place}: {leaks[0][:300]}"
    # ...and what is shown still says what went wrong, with the key masked.
    assert "sk-***" in str(errors[0])
    assert any("sk-***" in t for t in places["spans"])
