"""The benchmarks' quick modes run end to end and write their results (they assert nothing
about time: speed targets live in bench/RESULTS.md, measured by the full run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

BENCH = ROOT / "bench"


def quick_run(script: str, tmp_path: Path) -> str:
    """What ``script --quick`` writes to its results file."""
    out = tmp_path / "RESULTS.md"
    subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", "--output", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return out.read_text()


UNITS = {"s": 1000.0, "ms": 1.0, "MB": 1.0, "": 1.0}
ROW = re.compile(
    r"^\| (?P<label>[^|]+?) \| (?P<value>[\d.,]+) ?(?P<unit>s|ms|MB)? \| "
    r"≤ (?P<target>[\d.,]+) ?(?P<tunit>s|ms|MB)?:? ?\|? ?(?P<verdict>met|\*\*not met\*\*) \|$",
    re.M,
)


def verdicts(text: str) -> list[tuple[str, float, float, bool]]:
    """(label, value, target, met) of every results row that states a verdict, in one unit
    (a target's unit is its value's when it has none: "≤ 100: met" under "ms")."""
    out = []
    for m in ROW.finditer(text):
        unit = m["unit"] or m["tunit"] or ""
        value = float(m["value"].replace(",", "")) * UNITS[unit]
        target = float(m["target"].replace(",", "")) * UNITS[m["tunit"] or unit]
        out.append((m["label"], value, target, m["verdict"] == "met"))
    return out


def test_verdicts_are_read_from_results_rows() -> None:
    text = (
        "| cached re-open | 0.31 s | ≤ 2 s | met |\n"
        "| pan/zoom frame | 140 ms | ≤ 100 ms | **not met** |\n"
        "| first sorted page | 12 | ≤ 100: met |\n"
    )
    assert verdicts(text) == [
        ("cached re-open", 310.0, 2000.0, True),
        ("pan/zoom frame", 140.0, 100.0, False),
        ("first sorted page", 12.0, 100.0, True),
    ]


@pytest.mark.slow
def test_engine_bench_quick_mode_writes_results(tmp_path: Path) -> None:
    text = quick_run("bench_engine.py", tmp_path)
    assert text.startswith("## engine: exact search and writes (quick)")
    assert "### Exact top-10 at 5,000 x 384" in text
    assert "Same top-10 ids as numpy: True" in text
    for engine in ("numpy", "raw LanceDB flat", "vecstore-lab", "vecstore-lab, filtered"):
        assert f"| {engine} |" in text
    assert "exact top-10 <= 1.5x numpy" in text.replace("≤", "<=")
    assert "### `add` of precomputed vectors" in text and "### Peak RSS" in text
    assert "### Text query end to end at 5,000 rows" in text
    for backend in ("torch", "onnx", "onnx-int8"):  # each query encoder, timed end to end
        assert f"| {backend} |" in text
    # Cost growth: a row per size and the PNG the suite writes next to the results.
    assert "### Cost growth" in text and "| 2,000 |" in text and "| 5,000 |" in text
    png = tmp_path / "cost_growth.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_widget_scale_bench_quick_mode_writes_every_target(tmp_path: Path) -> None:
    text = quick_run("bench_scale.py", tmp_path)
    assert text.startswith("## widgets at scale (quick)")
    for target in (
        "projection (PCA) in Python",
        "cached re-open",
        "map payload",
        "data arrival → first paint",
        "pan/zoom frame",
        "→ `selected_ids` in Python",
        "first sorted page",
        "other sorted pages",
        "keystroke queries",
        "facet brush: one category",
        "map lasso of 10,000 points",
        "browser filter typed",
    ):
        assert target in text, target
    assert "WebGL2 available" in text  # the map really drew in the browser
    # Each verdict follows from its own row's numbers: "met" exactly when value <= target.
    checked = verdicts(text)
    assert len(checked) >= 13, checked
    for label, value, target, met in checked:
        assert met == (value <= target), (label, value, target, met)
    lassoed = re.search(r"lasso of ([\d,]+) points", text)
    assert lassoed is not None and int(lassoed.group(1).replace(",", "")) > 0


@pytest.mark.slow
def test_distributed_bench_quick_mode_compares_one_and_two_workers(tmp_path: Path) -> None:
    text = quick_run("bench_distributed.py", tmp_path)
    assert text.startswith("## distributed ingest on Ray (quick)")
    rows = re.findall(r"^\| (single process `add_documents`|Ray, \d worker\(s\)) \|", text, re.M)
    assert rows == ["single process `add_documents`", "Ray, 1 worker(s)", "Ray, 2 worker(s)"]


@pytest.mark.slow
def test_server_bench_quick_mode_measures_jupyters_status_under_load(tmp_path: Path) -> None:
    text = quick_run("bench_server.py", tmp_path)
    assert text.startswith("## REST API under load (quick)")
    (row,) = re.findall(r"^\| now: async handlers, a pool of 4 \|.*$", text, re.M)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[7] == "64/64 (0 busy)", cells  # 16 clients x 4 requests, all answered
    assert float(cells[3]) > 0  # a p95 of Jupyter's own status was measured
    assert "answers other than 200: none" in text


def test_panel_query_bench_quick_mode_compares_the_panel_with_the_notebook(
    tmp_path: Path,
) -> None:
    text = quick_run("bench_panel_query.py", tmp_path)
    assert text.startswith("## Panel quick query against the notebook (quick)")
    rows = re.findall(r"^\| (notebook|panel now)[^|]*\|.*$", text, re.M)
    assert len(rows) == 2, text
    for line in text.splitlines():
        if line.startswith(("| notebook", "| panel now")):
            p50 = float(line.strip("|").split("|")[2])
            assert 0 < p50 < 60_000, line
