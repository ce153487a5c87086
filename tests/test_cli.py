"""The ``vecstore-lab`` command line."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from vecstore_lab.cli import main

if TYPE_CHECKING:
    from pathlib import Path


def test_demo_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo")
    assert main(["demo", "--embedder", "hashing", "--path", path]) == 0
    out = capsys.readouterr().out
    assert "with 16 documents" in out
    assert "== text: 'interest rates'" in out
    # BM25 ranks the two finance articles that mention interest rates first.
    section = out.split("== text: 'interest rates'")[1].split("==")[0]
    assert "inflation" in section and "bond-prices" in section
    assert main(["info", path]) == 0
    assert "sample: 16 rows, dim=384" in capsys.readouterr().out


def test_single_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo")
    assert (
        main(
            [
                "demo",
                "--embedder",
                "hashing",
                "--path",
                path,
                "--query",
                "sourdough",
                "--mode",
                "text",
                "-k",
                "1",
            ]
        )
        == 0
    )
    assert "1. [" in capsys.readouterr().out.split("== text: 'sourdough'")[1]


def test_errors_exit_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--embedder", "no-such", "--path", str(tmp_path)]) == 1
    assert "no embedder is registered as 'no-such'" in capsys.readouterr().err


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
