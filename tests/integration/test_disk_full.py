"""A full disk: an add's outcome is its commit's outcome, however much space is left.

On a small tmpfs filled to a little below what an add and its index upkeep need, each add
either raises and stored nothing, or returns and stored all its rows. The upkeep (folding the
new rows into the full-text index) runs after the add returns, in the background; when the
space ran out there, ``stats()["upkeep_failure"]`` says so, and the next write warns
(``IndexUpkeepWarning``) and retries it once there is room. Mounting needs root (CAP_SYS_ADMIN):
elsewhere the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab.errors import IndexUpkeepWarning, StorageError

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def rows(prefix: str, n: int, rng: np.random.Generator) -> dict[str, Any]:
    ids = [f"{prefix}-{i}" for i in range(n)]
    return {
        "ids": ids,
        "texts": [f"{i} a text about things and more things " * 3 for i in ids],
        "vectors": rng.standard_normal((n, 32)).astype(np.float32),
    }


def settled(c: vl.Collection) -> dict[str, Any]:
    """``stats()`` once the upkeep running in the background has ended."""
    while (stats := c.stats())["upkeep_running"]:
        time.sleep(0.01)
    return stats


def add_warned(c: vl.Collection, batch: dict[str, Any]) -> bool:
    """Add ``batch``; whether the add warned of an upkeep failure."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c.add(**batch)
    return any(issubclass(w.category, IndexUpkeepWarning) for w in caught)


def try_add(c: vl.Collection, batch: dict[str, Any]) -> tuple[bool, bool]:
    """(returned, its upkeep failed), once the upkeep has ended."""
    error: StorageError | None = None
    try:
        add_warned(c, batch)
    except StorageError as exc:
        error = exc
    if error is not None:
        assert "No space left" in str(error) or "Unable to" in str(error), error
        return False, False
    return True, settled(c)["upkeep_failure"] is not None


def test_an_add_raises_only_if_nothing_was_stored(small_disk: Path) -> None:
    rng = np.random.default_rng(0)
    filler = small_disk / "filler"
    outcomes: Counter[str] = Counter()
    # Left free: from too little for the rows, through enough for the rows but not for the
    # upkeep that folds them into the full-text index, to enough for both. Twice over.
    for trial, leave in enumerate(list(range(16_000, 200_000, 12_000)) * 2):
        db = vl.connect(small_disk / "db", embedding_cache=False)
        c = db.create_collection(f"c{trial}", dim=32)
        c.auto_optimize_rows = 1  # upkeep after each add that doubles the unindexed rows
        c.add(**rows("base", 200, rng))
        settled(c)  # its upkeep has written the index: the space left is what is measured
        filler.write_bytes(b"\0" * max(0, free_bytes(small_disk) - leave))
        batch = rows("new", 400, rng)
        returned, warned = try_add(c, batch)
        filler.unlink()
        fresh = vl.connect(small_disk / "db", embedding_cache=False).get_collection(f"c{trial}")
        stored = len(fresh.get(ids=batch["ids"]))
        if returned:
            assert stored == 400 and len(fresh) == 600, (leave, stored)
        else:
            assert stored == 0 and len(fresh) == 200, (leave, stored)  # nothing of it
        outcomes["upkeep failed" if warned else "stored" if returned else "refused"] += 1
        if warned and outcomes["upkeep failed"] == 1:  # with room again, optimize() mends it
            c.optimize()
            assert c.stats()["upkeep_failure"] is None
            assert not add_warned(c, rows("more", 10, rng))  # nothing left to report
            assert settled(c)["upkeep_failure"] is None and len(c) == 610
        elif warned:  # or the next write says so and retries the upkeep
            assert add_warned(c, rows("more", 10, rng))
            assert settled(c)["upkeep_failure"] is None and len(c) == 610
        db.delete_collection(f"c{trial}")
    # every path was taken: refused whole, stored with upkeep failed, stored with upkeep
    assert set(outcomes) == {"refused", "upkeep failed", "stored"}, outcomes
    assert outcomes["upkeep failed"] >= 2, outcomes  # both ways of mending it were taken
