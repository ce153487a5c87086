"""The installed ``vecstore-lab`` console script, run as a subprocess with the real model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_console_script_demo_with_minilm(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "vecstore_lab",
            "demo",
            "--path",
            str(tmp_path / "d"),
            "--query",
            "how do astronomers find planets around other stars?",
            "--mode",
            "vector",
            "-k",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "exoplanet-transits" in out.stdout


@pytest.mark.slow
def test_console_script_eval_on_packaged_set(tmp_path: Path) -> None:
    """The installed ``vecstore-lab`` script: ingest the packaged set with MiniLM, evaluate.

    The script is the one installed next to this interpreter: a virtual environment's bin/
    need not be on PATH (``make PY=venv/bin/python test`` does not put it there).
    """
    script = Path(sys.executable).parent / "vecstore-lab"
    assert script.exists(), f"{script} missing: is vecstore-lab installed in this environment?"
    out = subprocess.run(
        [
            str(script),
            "eval",
            "--collection",
            "pyref",
            "--db",
            str(tmp_path / "db"),
            "--ingest",
            "-k",
            "5",
            "--config",
            "vector:mode=vector",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert "1 configurations x 45 judged queries, k=5" in out.stdout
    assert "ingest pyref: 100%" in out.stderr
    ndcg = next(line for line in out.stdout.splitlines() if "ndcg@5" in line)
    assert float(ndcg.split()[2]) > 0.5  # MiniLM answers most of these questions
