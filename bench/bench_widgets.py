"""Widget front-end cost: SearchWidget rendering 1,000 hits in Chromium, and bytes on the wire
for 10k rows as Arrow IPC vs JSON. Appended to bench/RESULTS.md.

The render benchmark loads the real bundle (vecstore_lab/static/search.js) into a page served
on 127.0.0.1 with a minimal stand-in for the widget model, hands it the Arrow IPC bytes of a
real 1,000-hit hybrid + rerank result, and reads the time the view itself measured from data
arrival (on a page that has already rendered results once) to the first screenful painted
(``paintMs``: the first 40 hits built, two animation
frames later) and to all 1,000 hits in the DOM (``renderMs``; the rest is built in chunks
between frames so the page never freezes).

    python bench/bench_widgets.py [--repeats 7] [--scale] [--quick]

``--scale`` also runs bench_scale.py's cases (the widgets at a million rows: EmbeddingMap,
CollectionBrowser, live SearchWidget), so one command reports every widget target.
"""

from __future__ import annotations

import argparse
import base64
import http.server
import json
import statistics
import tempfile
import threading
from importlib.resources import files
from pathlib import Path

import numpy as np
import pyarrow as pa
from _results import publish

import vecstore_lab as vl
from vecstore_lab.results import without_vectors
from vecstore_lab.testing.browser import launch_chromium
from vecstore_lab.widgets._base import arrow_ipc

PAGE = """<!doctype html><html><body><div id="root"></div><script type="module">
import widget from "./search.js";
const b64 = await (await fetch("./results.b64")).text();
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const traits = {query: "topic words", k: 1000, mode: "hybrid", where: "", rerank: "mmr",
  rerankers: ["mmr"], results: new DataView(new ArrayBuffer(0)), error: "", status: "", busy: false,
  selected: null};
const handlers = {};
const model = {
  get: (n) => traits[n],
  set: (n, v) => { traits[n] = v; (handlers["change:" + n] || []).forEach((f) => f()); },
  save_changes() {}, send() {},
  on: (e, f) => { (handlers[e] = handlers[e] || []).push(f); },
  off() {},
};
const root = document.getElementById("root");
widget.render({ model, el: root });
window.deliver = () => model.set("results", new DataView(bytes.buffer));
window.clear = () => model.set("results", new DataView(new ArrayBuffer(0)));
window.ready = true;
</script></body></html>"""


def result_table(n_docs: int = 3000) -> tuple[bytes, int, int]:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as path:
        c = vl.connect(path, embedder=vl.HashEmbedder(dim=64)).create_collection("b")
        c.add(
            ids=[f"doc-{i}" for i in range(n_docs)],
            texts=[
                f"document {i} with topic words {rng.integers(0, 50)} and more text " * 3
                for i in range(n_docs)
            ],
            metadatas=[{"topic": f"t{i % 12}", "year": 2000 + i % 25} for i in range(n_docs)],
        )
        res = c.query(
            "topic words", k=1000, mode="hybrid", rerank="mmr", rerank_k=1000, candidates=1000
        )
        hits = without_vectors(res.to_arrow())
        big = without_vectors(c.query("topic words", k=n_docs, mode="vector").to_arrow())
        ten_k = pa.concat_tables([big] * (10_000 // n_docs + 1)).slice(0, 10_000)
        as_arrow = len(arrow_ipc(ten_k))
        as_json = len(json.dumps(ten_k.to_pylist(), default=str).encode())
        return arrow_ipc(hits), as_arrow, as_json


def render_times(ipc: bytes, repeats: int) -> tuple[list[float], list[float], int]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "search.js").write_text(
            files("vecstore_lab").joinpath("static", "search.js").read_text()
        )
        (root / "results.b64").write_text(base64.b64encode(ipc).decode())
        (root / "index.html").write_text(PAGE)

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a: object, **k: object) -> None:
                super().__init__(*a, directory=tmp, **k)  # type: ignore[misc]

            def log_message(self, *args: object) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        renders, paints, hits = [], [], 0
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                for _ in range(repeats):
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
                    page.wait_for_function("() => window.ready === true")
                    done = (
                        "() => document.getElementById('root').dataset.paintMs"
                        " && document.getElementById('root').dataset.renderMs"
                    )
                    # A first delivery warms the page up (JIT, styles, fonts), as in a
                    # notebook that has already shown results; the second one is measured.
                    page.evaluate("() => window.deliver()")
                    page.wait_for_function(done)
                    page.evaluate("() => window.clear()")
                    page.wait_for_function(done)
                    page.evaluate("() => window.deliver()")
                    page.wait_for_function(done)
                    data = page.evaluate("() => ({...document.getElementById('root').dataset})")
                    renders.append(float(data["renderMs"]))
                    paints.append(float(data["paintMs"]))
                    hits = int(data["hits"])
                    page.close()
                browser.close()
        finally:
            server.shutdown()
    return renders, paints, hits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scale", action="store_true", help="also the 1M-row cases")
    parser.add_argument("--quick", action="store_true", help="with --scale: small sizes")
    args = parser.parse_args()
    if args.scale:
        import bench_scale

        bench_scale.run(quick=args.quick)
    ipc, as_arrow, as_json = result_table()
    renders, paints, hits = render_times(ipc, args.repeats)
    lines = [
        f"SearchWidget bundle in headless Chromium, {hits} hybrid + MMR hits with score "
        f"breakdowns delivered as {len(ipc) / 1024:.0f} KiB of Arrow IPC; median of "
        f"{args.repeats} fresh pages.",
        "",
        "| measurement | value | target |",
        "|---|---:|---:|",
        f"| data arrival → first screen of hits painted | {statistics.median(paints):.0f} ms"
        " | < 300 ms |",
        f"| data arrival → all {hits:,} hits with breakdowns in the DOM | "
        f"{statistics.median(renders):.0f} ms | < 300 ms |",
        f"| 10,000 result rows as Arrow IPC | {as_arrow / 1024:.0f} KiB | |",
        f"| the same rows as JSON (list of dicts) | {as_json / 1024:.0f} KiB "
        f"({as_json / as_arrow:.2f}x Arrow) | |",
        "",
    ]
    publish("widget rendering and payload", lines)


if __name__ == "__main__":
    main()
