"""telemetry.enable(): Prometheus endpoint, OTLP export, composing with a user's SDK, and the
Grafana dashboard's metric names. Each runs in a fresh process: OTel providers are global."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from helpers import ROOT

DASHBOARD = ROOT / "dashboards" / "grafana" / "vecstore-lab.json"

WORKLOAD = """
import json, socket, tempfile, urllib.request
import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.testing import FakeOpenAIServer, Fault

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    return port

def workload():
    db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("docs")
    c.add(ids=["a", "b", "c"], texts=["cats purr", "dogs bark", "bonds fall"])
    c.query("cats", k=2)
    c.query("cats", k=2, mode="hybrid", rerank="mmr")
    try:
        c.query("cats", where="nope = 1")
    except vl.InvalidFilterError:
        pass
    with FakeOpenAIServer(api_key="sk-t") as server:
        server.fail(Fault(status=429, headers={"retry-after": "0.01"}))
        emb = vl.OpenAIEmbedder(dimensions=8, api_key="sk-t", base_url=server.base_url)
        oc = db.create_collection("oa", embedder=emb)
        oc.add(ids=["x"], texts=["hello there"])
"""


def run(script: str, env: dict[str, str] | None = None) -> Any:
    import os

    out = subprocess.run(
        [sys.executable, "-c", WORKLOAD + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,  # the assertion below shows stderr
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def scrape() -> dict[str, Any]:
    return run(
        """
        port = free_port()
        recorder = telemetry.enable(prometheus_port=port)
        workload()
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        print(json.dumps({"body": body, "totals": recorder.totals(),
                          "stages": sorted(recorder.summary().index)}))
        """
    )


def samples(body: str) -> dict[str, float]:
    out = {}
    for line in body.splitlines():
        if line.startswith("vecstore_lab"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def value(body: str, name: str, **labels: str) -> float:
    total = 0.0
    for key, v in samples(body).items():
        if key.split("{")[0] == name and all(f'{k}="{lv}"' in key for k, lv in labels.items()):
            total += v
    return total


def test_prometheus_endpoint_serves_the_metrics(scrape: dict[str, Any]) -> None:
    body = scrape["body"]
    assert value(body, "vecstore_lab_queries_total", mode="vector", status="ok") == 1
    assert value(body, "vecstore_lab_queries_total", mode="hybrid", status="ok") == 1
    assert value(body, "vecstore_lab_queries_total", mode="vector", status="error") == 1
    assert value(body, "vecstore_lab_rows_written_total", operation="add") == 4
    assert (
        value(body, "vecstore_lab_errors_total", stage="query", error_type="InvalidFilterError")
        == 1
    )
    assert value(body, "vecstore_lab_retries_total", embedder="openai", reason="429") == 1
    assert value(body, "vecstore_lab_embed_tokens_total", embedder="openai") > 0
    assert value(body, "vecstore_lab_stage_duration_seconds_count", stage="rerank") == 1
    assert value(body, "vecstore_lab_stage_duration_seconds_bucket", stage="query", le="+Inf") == 3
    assert {"query", "rerank", "fuse", "embed.http", "write"} <= set(scrape["stages"])
    assert scrape["totals"]["retries"] == 1


def test_dashboard_queries_only_emitted_metrics(scrape: dict[str, Any]) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    used = {m for e in exprs for m in re.findall(r"vecstore_lab_[a-z_]+", e)}
    emitted = {k.split("{")[0] for k in samples(scrape["body"])}
    assert used, "the dashboard queries no metric"
    assert used <= emitted, f"not emitted: {sorted(used - emitted)}"
    labels_used = {lb for e in exprs for lb in re.findall(r"by \(([^)]*)\)", e)}
    for group in labels_used:
        for label in (x.strip() for x in group.split(",")):
            if label != "le":
                assert f'{label}="' in scrape["body"], label


def test_dashboard_structure_imports_cleanly() -> None:
    d = json.loads(DASHBOARD.read_text())
    assert d["uid"] and d["title"] and isinstance(d["schemaVersion"], int)
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    for p in d["panels"]:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert (
            set(p["gridPos"]) == {"x", "y", "w", "h"}
            and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
        )
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs)) and all(t["expr"] for t in p["targets"])
    import yaml

    prov = ROOT / "dashboards" / "grafana" / "provisioning"
    dash = yaml.safe_load((prov / "dashboards" / "vecstore-lab.yaml").read_text())
    assert dash["apiVersion"] == 1 and dash["providers"][0]["type"] == "file"
    ds = yaml.safe_load((prov / "datasources" / "prometheus.yaml").read_text())
    assert ds["datasources"][0]["type"] == "prometheus"


class _Collector(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, int]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.seen.append((self.path, self.headers.get("content-type", ""), length))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def test_otlp_export_uses_standard_env_vars() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run(
            """
            from opentelemetry import metrics, trace
            telemetry.enable(otlp=True)
            workload()
            trace.get_tracer_provider().force_flush()
            metrics.get_meter_provider().force_flush()
            print("{}")
            """,
            env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
                "OTEL_SERVICE_NAME": "vecstore-test",
            },
        )
    finally:
        server.shutdown()
    paths = {p for p, _, _ in _Collector.seen}
    assert {"/v1/traces", "/v1/metrics"} <= paths
    assert all(ct == "application/x-protobuf" and n > 0 for _, ct, n in _Collector.seen)


def test_enable_composes_with_a_users_sdk() -> None:
    got = run(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        mine = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(mine))
        trace.set_tracer_provider(provider)
        recorder = telemetry.enable()
        assert telemetry.enable() is recorder   # idempotent
        workload()
        print(json.dumps({
            "same_provider": trace.get_tracer_provider() is provider,
            "mine": len([s for s in mine.get_finished_spans() if s.name == "vecstore_lab.query"]),
            "recorder": int(recorder.totals()["queries"]),
        }))
        """
    )
    assert got == {"same_provider": True, "mine": 3, "recorder": 3}
