"""Wall time of the ``vecstore-lab`` command: --help, info and a query, each a fresh process.

Side by side in one run: the same command at an earlier commit (``--before``, a source
checkout put first on PYTHONPATH) and now, plus two floors: a process that only does
``import lancedb``, and one that only does ``import lance``. Median of ``--runs`` runs each.
``-X importtime`` of one ``info`` run, before and now, says where its time goes (the top-level
packages' cumulative import times). Appended to bench/RESULTS.md.

    python bench/bench_cli.py [--before /path/to/old/checkout] [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _results import publish

INFO_TARGET = 1.0  # seconds (issue 29)


def wall(args: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_times(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Cumulative import seconds of each top-level package (``-X importtime``, one run)."""
    done = subprocess.run(
        [args[0], "-X", "importtime", *args[1:]],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    out: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if name.startswith(" ") and not name.startswith("  "):  # a top-level import
            with contextlib.suppress(ValueError):
                package = name.strip().split(".")[0]
                out[package] = out.get(package, 0.0) + int(cumulative) / 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="source checkout of the earlier commit")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "vecstore_lab"]
    with tempfile.TemporaryDirectory() as db:
        env = {**os.environ, "PYTHONPATH": ""}
        # A collection whose stored embedder is MiniLM: opening it used to load the model.
        subprocess.run([*cli, "demo", "--path", db], env=env, check=True, capture_output=True)
        query = ["query", "tides", "--collection", "sample", "--db", db]
        cases = {
            "--help": ["--help"],
            "info": ["info", db],
            "query (MiniLM, text mode)": [*query, "--mode", "text"],
            "query (MiniLM, hybrid: embeds)": query,
        }
        floor = wall([sys.executable, "-c", "import lancedb"], env, args.runs)
        lance_floor = wall([sys.executable, "-c", "import lance"], env, args.runs)
        old = {**os.environ, "PYTHONPATH": args.before or ""}
        rows = []
        for name, extra in cases.items():
            now = wall([*cli, *extra], env, args.runs)
            before = wall([*cli, *extra], old, args.runs) if args.before else None
            rows.append((name, before, now))
        imports_now = import_times([*cli, "info", db], env)
        imports_before = import_times([*cli, "info", db], old) if args.before else {}
    info = next(w for n, _, w in rows if n == "info")
    verdict = "met" if info <= INFO_TARGET else "**not met**"

    def cost(m: str) -> float:
        return max(imports_now.get(m, 0), imports_before.get(m, 0))

    heavy = [
        m
        for m in sorted({*imports_now, *imports_before}, key=cost, reverse=True)
        if cost(m) >= 0.02
    ][:8]
    lines = [
        f"Median of {args.runs} fresh processes each, 2-core machine. Floors: a process that "
        f"only imports lancedb takes {floor:.2f} s, one that only imports lance "
        f"{lance_floor:.2f} s.",
        "",
        "| command | before (s) | now (s) |",
        "|---|---:|---:|",
        *[
            f"| `vecstore-lab {n}` | {'' if b is None else f'{b:.2f}'} | {w:.2f} |"
            for n, b, w in rows
        ],
        "",
        "| target | now | verdict |",
        "|---|---:|---|",
        f"| `vecstore-lab info` on a MiniLM collection ≤ {INFO_TARGET} s | {info:.2f} s "
        f"| {verdict} |",
        "",
        "`-X importtime` of one `info` run: cumulative seconds of the top-level imports.",
        "",
        "| package | before (s) | now (s) |",
        "|---|---:|---:|",
        *[
            f"| `{m}` | {imports_before.get(m, 0):.2f} | {imports_now.get(m, 0):.2f} |"
            for m in heavy
        ],
        "",
    ]
    publish("CLI wall time", lines)


if __name__ == "__main__":
    main()
