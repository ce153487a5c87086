"""Jupyter under REST load: how fast Jupyter's own ``/api/status`` answers while 16 clients
query the vecstore-lab API and another process writes to the collection they query.

A real ``jupyter server`` with the extension; a collection of ``--rows`` rows (hashing
embedder, so the queries' cost is search, not a model); 16 client threads each send
``--queries`` requests (vector, full-text and hybrid queries, and sorted pages) while a
writer process adds 200 rows every 50 ms; a probe thread asks ``/api/status`` every 50 ms.
With ``--before DIR`` the same load runs first against the extension of an older checkout
(its sources put first on PYTHONPATH), side by side. Appended to bench/RESULTS.md.

    python bench/bench_server.py [--rows 100000] [--queries 30] [--before /old/checkout]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from _results import RESULTS, publish

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from lab_server import running_server

import vecstore_lab as vl

CLIENTS = 16
WRITER = textwrap.dedent(
    """
    import sys, time, pathlib
    import numpy as np
    import vecstore_lab as vl
    c = vl.connect(sys.argv[1], embedder=vl.HashEmbedder(dim=64), embedding_cache=False
                   ).get_collection("docs")
    stop, n = pathlib.Path(sys.argv[2]), 0
    while not stop.exists():
        ids = [f"{stop.name}-{n}-{i}" for i in range(200)]
        c.add(ids=ids, texts=[f"written later about topic {i % 13}" for i in range(200)],
              metadatas=[{"year": 2000 + i % 25} for i in range(200)])
        n += 1
        time.sleep(0.05)
    print(n * 200)
    """
)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def build(root: Path, rows: int) -> None:
    db = vl.connect(root / "db", embedder=vl.HashEmbedder(dim=64), embedding_cache=False)
    c = db.create_collection("docs")
    rng = np.random.default_rng(0)
    words = np.array([f"word{i}" for i in range(3000)])
    for start in range(0, rows, 20_000):
        n = min(20_000, rows - start)
        texts = [" ".join(row) for row in rng.choice(words, (n, 12))]
        c.add(
            ids=[f"r{start + i}" for i in range(n)],
            texts=texts,
            metadatas=[{"year": 2000 + int(y)} for y in rng.integers(0, 25, n)],
        )
    c.optimize()


def requests(queries: int, seed: int) -> list[tuple[str, dict[str, Any], bytes | None]]:
    rng = random.Random(seed)
    where = {"root": 0, "path": "db", "name": "docs"}
    out: list[tuple[str, dict[str, Any], bytes | None]] = []
    for _ in range(queries):
        text = " ".join(f"word{rng.randrange(3000)}" for _ in range(4))
        kind = rng.choice(["vector", "text", "hybrid", "page"])
        if kind == "page":
            params = {**where, "limit": 50, "offset": rng.randrange(0, 5000), "order_by": "year"}
            out.append(("rows", params, None))
        else:
            body = json.dumps({"text": text, "mode": kind, "k": 10}).encode()
            out.append(("query", where, body))
    return out


def run_load(srv: Any, root: Path, queries: int) -> dict[str, Any]:
    latencies: list[float] = []
    codes: list[int] = []
    status: list[float] = []
    done = threading.Event()

    def client(seed: int) -> None:
        for endpoint, params, body in requests(queries, seed):
            start = time.perf_counter()
            try:
                code = srv.call(endpoint, params, body=body, timeout=300)[0]
            except OSError:  # a timeout or a dropped connection: counted, not fatal
                code = 0
            latencies.append(time.perf_counter() - start)
            codes.append(code)

    def probe() -> None:
        while not done.is_set():
            status.append(srv.jupyter_status(timeout=300))
            time.sleep(0.05)

    idle = [srv.jupyter_status() for _ in range(20)]
    stop = root / f"stop-{time.time_ns()}"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root / "db"), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    prober = threading.Thread(target=probe)
    prober.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    done.set()
    prober.join()
    stop.touch()
    out, _ = writer.communicate(timeout=300)
    if writer.returncode != 0:
        raise RuntimeError(f"the writer process failed (exit {writer.returncode})")
    written = int(out.strip())
    return {
        "idle": idle,
        "status": status,
        "latencies": latencies,
        "codes": codes,
        "wall": wall,
        "written": written,
    }


def row(label: str, r: dict[str, Any]) -> str:
    ms = 1000.0
    ok = sum(1 for c in r["codes"] if c == 200)
    busy = sum(1 for c in r["codes"] if c == 503)
    return (
        f"| {label} | {statistics.median(r['idle']) * ms:.1f} | "
        f"{percentile(r['status'], 50) * ms:.1f} | {percentile(r['status'], 95) * ms:.1f} | "
        f"{max(r['status']) * ms:.0f} | {percentile(r['latencies'], 50) * ms:.0f} | "
        f"{percentile(r['latencies'], 95) * ms:.0f} | {ok}/{len(r['codes'])} ({busy} busy) | "
        f"{r['written']:,} | {r['wall']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30, help="requests per client")
    parser.add_argument("--before", help="source checkout of an earlier commit")
    parser.add_argument(
        "--before-label", default="synchronous handlers", help="what --before is, for the table"
    )
    parser.add_argument("--quick", action="store_true", help="5,000 rows, 4 requests a client")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.queries = 5_000, 4
    results: list[tuple[str, dict[str, Any]]] = []
    runs: list[tuple[str, dict[str, str] | None]] = []
    if args.before:
        before = {"PYTHONPATH": str(Path(args.before).resolve())}
        runs.append((f"before: {args.before_label}", before))
    runs.append(("now: async handlers, a pool of 4", None))
    with tempfile.TemporaryDirectory() as tmp:
        pristine = Path(tmp) / "pristine"
        pristine.mkdir()
        build(pristine, args.rows)
        for number, (label, env) in enumerate(runs):
            root = Path(tmp) / f"root{number}"  # each run starts from the same collection
            shutil.copytree(pristine, root)
            with running_server(root, env=env) as srv:
                results.append((label, run_load(srv, root, args.queries)))
    title = "REST API under load" + (" (quick)" if args.quick else "")
    lines = [
        f"{args.rows:,} rows (hashing embedder, 64 dims); {CLIENTS} clients x {args.queries} "
        "requests (vector, full-text, hybrid queries and sorted pages of 50), while another "
        "process adds 200 rows every 50 ms; Jupyter's `/api/status` asked every 50 ms "
        "throughout. Target: its p95 under 100 ms.",
        "",
        "| server | status idle p50 ms | status p50 ms | status p95 ms | status max ms | "
        "request p50 ms | request p95 ms | answered 200 | rows written meanwhile | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(row(label, r) for label, r in results),
        "",
        *(
            f"- {label}: answers other than 200: "
            + (", ".join(f"{code} x{n}" for code, n in sorted(other.items())) or "none")
            for label, r in results
            for other in [Counter(c for c in r["codes"] if c != 200)]
        ),
    ]
    publish(title, lines, args.output)


if __name__ == "__main__":
    main()
