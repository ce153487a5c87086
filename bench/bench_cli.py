"""Wall time of the ``vecstore-lab`` command: --help, info and a query, each a fresh process.

Side by side in one run: the same command at the commit before lazy embedders (``--before``,
a source checkout put first on PYTHONPATH) and now, plus the floor no command can beat, a
process that only does ``import lancedb``. Median of ``--runs`` runs each. Appended to
bench/RESULTS.md.

    python bench/bench_cli.py [--before /path/to/old/checkout] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _results import publish


def wall(args: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        rows = []
        for name, extra in cases.items():
            now = wall([*cli, *extra], env, args.runs)
            before = None
            if args.before:
                old = {**os.environ, "PYTHONPATH": args.before}
                before = wall([*cli, *extra], old, args.runs)
            rows.append((name, before, now))
    lines = [
        f"Median of {args.runs} fresh processes each, 2-core machine. Floor: a process that only "
        f"imports lancedb takes {floor:.2f} s.",
        "",
        "| command | before (s) | now (s) |",
        "|---|---:|---:|",
        *[
            f"| `vecstore-lab {n}` | {'' if b is None else f'{b:.2f}'} | {w:.2f} |"
            for n, b, w in rows
        ],
        "",
    ]
    publish("CLI wall time", lines)


if __name__ == "__main__":
    main()
