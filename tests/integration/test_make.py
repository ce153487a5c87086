"""`make lab` and `make test` install and build only what changed: make's own rules decide,
from stamp files (asked with `make -n`, "what would you do", and `-W`, "if this file were
new"). It runs `make setup` first, as `make lab` does, then asks."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


@pytest.fixture(scope="module", autouse=True)
def set_up() -> None:
    """`make setup` once, as `make lab` starts: afterwards nothing is out of date (what ran
    before this test, the suite's own set-up or other tests, may have left a stamp behind)."""
    subprocess.run(
        ["make", f"PY={sys.executable}", "setup"], cwd=ROOT, check=True, capture_output=True
    )


def plan(*args: str) -> str:
    done = subprocess.run(
        ["make", "-n", f"PY={sys.executable}", *args, "setup"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    # What make would run ("make: Nothing to be done" is make talking, not a step).
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("make"))


def test_nothing_changed_nothing_runs() -> None:
    assert plan().strip() == "", plan()


def test_a_changed_front_end_rebuilds_and_reaches_jupyter_without_pip() -> None:
    steps = plan("-W", "js/src/search.ts")
    assert "npm --prefix js run build" in steps
    assert "share/jupyter/labextensions/vecstore-lab" in steps  # the served copy follows
    assert "pip install" not in steps and "npm --prefix js ci" not in steps


def test_a_changed_lockfile_reinstalls_node_packages() -> None:
    steps = plan("-W", "js/package-lock.json")
    assert "npm --prefix js ci" in steps and "npm --prefix js run build" in steps


def test_a_changed_pyproject_reinstalls_the_package_only() -> None:
    steps = plan("-W", "pyproject.toml")
    assert "pip install" in steps and "npm" not in steps
