"""Telemetry overhead on Collection.query: off (no SDK) vs not instrumented at all, and with
the in-process recorder on. Interleaved in one process; appended to bench/RESULTS.md.

"Not instrumented" swaps ``telemetry.stage``/``telemetry.add`` for empty stand-ins, which is
what the code would cost without any telemetry calls.

    python bench/bench_telemetry.py [--rows 2000] [--queries 400]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from _results import publish
from opentelemetry.trace import INVALID_SPAN

import vecstore_lab as vl
from vecstore_lab import telemetry

REAL_STAGE, REAL_ADD = telemetry.stage, telemetry.add


@contextlib.contextmanager
def _bare_stage(name: str, attributes: Any = None) -> Iterator[Any]:
    yield INVALID_SPAN


def _bare_add(metric: str, value: float, attributes: Any = None) -> None:
    return


@contextlib.contextmanager
def uninstrumented() -> Iterator[None]:
    telemetry.stage, telemetry.add = _bare_stage, _bare_add  # type: ignore[assignment]
    try:
        yield
    finally:
        telemetry.stage, telemetry.add = REAL_STAGE, REAL_ADD  # type: ignore[assignment]


def interleaved(a: Callable[[], object], b: Callable[[], object], n: int) -> tuple[float, float]:
    ta, tb = [], []
    for i in range(n):
        order = [(ta, a), (tb, b)] if i % 2 else [(tb, b), (ta, a)]
        for bucket, fn in order:
            t0 = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - t0)
    return statistics.median(ta) * 1e3, statistics.median(tb) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as path:
        c = vl.connect(path, embedder=vl.HashEmbedder(dim=64)).create_collection("t")
        c.add(
            ids=[str(i) for i in range(args.rows)],
            texts=[f"document {i} about topic {i % 7}" for i in range(args.rows)],
            vectors=rng.normal(size=(args.rows, 64)).astype(np.float32),
        )

        def query() -> object:
            return c.query("topic 3", k=10, mode="hybrid")

        def bare() -> object:
            with uninstrumented():
                return c.query("topic 3", k=10, mode="hybrid")

        for _ in range(20):
            query(), bare()
        off, none = interleaved(query, bare, args.queries)
        recorder = telemetry.enable()
        on, none2 = interleaved(query, bare, args.queries)
        assert recorder is not None and len(recorder) > 0
    lines = [
        f"Hybrid query (k=10) on {args.rows} rows, {args.queries} queries per variant, "
        "interleaved; median latency.",
        "",
        "| variant | ms | ratio to not instrumented |",
        "|---|---:|---:|",
        f"| not instrumented (stand-ins) | {none:.3f} | 1.000 |",
        f"| telemetry off (no SDK; the default) | {off:.3f} | {off / none:.3f} |",
        f"| recorder on (`telemetry.enable()`, OTel SDK) | {on:.3f} | {on / none2:.3f} |",
        "",
    ]
    publish("telemetry overhead", lines)


if __name__ == "__main__":
    main()
