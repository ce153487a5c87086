"""The VecStore panel's quick query against the same query in a notebook.

A real ``jupyter server`` with the extension over a collection of ``--rows`` rows (hashing
embedder, 64 dims, so the cost is the store's, not a model's). The panel's ``POST query``
runs ``--queries`` vector, full-text and hybrid queries; the notebook runs the same
``QuerySpec``s on a ``Collection`` it holds. With ``--before DIR`` the server of an older
checkout (its sources first on PYTHONPATH) answers the same requests first, side by side: one
that opened the collection afresh on every request. Appended to bench/RESULTS.md.

    python bench/bench_panel_query.py [--rows 100000] [--queries 40] [--before /old/checkout]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _results import RESULTS, publish

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from lab_server import running_server

import vecstore_lab as vl

WHERE = {"root": 0, "path": "db", "name": "docs"}
WORDS = ["moon", "orbit", "planet", "star", "comet", "galaxy", "telescope", "light", "dust", "ring"]


def build(root: Path, rows: int) -> vl.Collection:
    db = vl.connect(root / "db", embedder=vl.HashEmbedder(dim=64), embedding_cache=False)
    docs = db.create_collection("docs")
    rng = np.random.default_rng(0)
    for start in range(0, rows, 20_000):
        n = min(20_000, rows - start)
        words = rng.choice(WORDS, size=(n, 6))
        docs.add(
            ids=[f"d{start + i}" for i in range(n)],
            texts=[" ".join(w) for w in words],
            vectors=rng.standard_normal((n, 64)).astype(np.float32),
            metadatas=[{"year": 1990 + (start + i) % 30} for i in range(n)],
        )
    return docs


def specs(queries: int) -> list[vl.QuerySpec]:
    modes = ("vector", "text", "hybrid")
    return [
        vl.QuerySpec(f"{WORDS[i % len(WORDS)]} {WORDS[(i * 3) % len(WORDS)]}", mode=modes[i % 3])
        for i in range(queries)
    ]


def by_mode(items: list[vl.QuerySpec], ms: list[float]) -> str:
    """p50 per mode, as ``vector / text / hybrid``."""
    return " / ".join(
        f"{statistics.median([t for s, t in zip(items, ms, strict=True) if s.mode == m]):.1f}"
        for m in ("vector", "text", "hybrid")
    )


def timed(run: Any, items: list[vl.QuerySpec]) -> list[float]:
    out = []
    for spec in items:
        start = time.perf_counter()
        run(spec)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--before", help="source checkout of an earlier commit")
    parser.add_argument("--before-label", default="a collection opened per request")
    parser.add_argument("--quick", action="store_true", help="5,000 rows, 9 queries")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.queries = 5_000, 9
    items = specs(args.queries)
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        docs = build(root, args.rows)
        docs.search(items[0])  # the notebook's first query loads the vectors, as the panel's
        notebook = timed(docs.search, items)
        rows.append(
            f"| notebook: `collection.search(spec)` | (loaded) | {statistics.median(notebook):.1f} "
            f"| {float(np.percentile(notebook, 95)):.1f} | {by_mode(items, notebook)} |"
        )
        runs: list[tuple[str, dict[str, str] | None]] = []
        if args.before:
            runs.append(
                (
                    f"panel before: {args.before_label}",
                    {"PYTHONPATH": str(Path(args.before).resolve())},
                )
            )
        runs.append(("panel now: collections kept open (per root, path, name)", None))
        for label, env in runs:
            with running_server(root, env=env) as srv:

                def ask(spec: vl.QuerySpec, srv: Any = srv) -> None:
                    status, data, _ = srv.call("query", WHERE, body=spec.to_json().encode())
                    assert status == 200, (status, data[:300])

                first = timed(ask, items[:1])[0]
                panel = timed(ask, items)
            rows.append(
                f"| {label} | {first:.0f} | {statistics.median(panel):.1f} | "
                f"{float(np.percentile(panel, 95)):.1f} | {by_mode(items, panel)} |"
            )
    title = "Panel quick query against the notebook" + (" (quick)" if args.quick else "")
    publish(
        title,
        [
            f"{args.rows:,} rows (hashing embedder, 64 dims), {args.queries} queries (vector, "
            "full-text and hybrid in turn, k=10), one client, over HTTP to a real `jupyter server` "
            "on 127.0.0.1 (the panel's request); the notebook runs the same specs in-process. "
            "Target: a panel query on an open collection costs what it costs in a notebook (plus "
            "HTTP and JSON).",
            "",
            "| where | first query ms | p50 ms | p95 ms | p50 vector / text / hybrid ms |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ],
        args.output,
    )


if __name__ == "__main__":
    main()
