"""A full disk: an add's outcome is its commit's outcome, however much space is left.

On a small tmpfs filled to a little below what an add and its index upkeep need, each add
either raises and stored nothing, or returns and stored all its rows. When the space ran
out during the index upkeep after the commit, the add returns, with an
``IndexUpkeepWarning`` and ``stats()["upkeep_failure"]``; the next write (or
``optimize()``) retries the upkeep once there is room. Mounting needs root (CAP_SYS_ADMIN):
elsewhere the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
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


def try_add(c: vl.Collection, batch: dict[str, Any]) -> tuple[bool, bool]:
    """(returned, warned of an upkeep failure)."""
    error: StorageError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            c.add(**batch)
        except StorageError as exc:
            error = exc
    if error is not None:
        assert "No space left" in str(error) or "Unable to" in str(error), error
        return False, False
    return True, any(issubclass(w.category, IndexUpkeepWarning) for w in caught)


def test_an_add_raises_only_if_nothing_was_stored(small_disk: Path) -> None:
    rng = np.random.default_rng(0)
    filler = small_disk / "filler"
    outcomes: Counter[str] = Counter()
    # Left free: from too little for the rows, through enough for the rows but not for the
    # upkeep that rewrites them with the rest, to enough for both. Twice over.
    for trial, leave in enumerate(list(range(16_000, 200_000, 12_000)) * 2):
        db = vl.connect(small_disk / "db", embedding_cache=False)
        c = db.create_collection(f"c{trial}", dim=32)
        c.auto_optimize_rows = 1  # upkeep after each add that doubles the unindexed rows
        c.add(**rows("base", 200, rng))
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
        if warned:
            assert c.stats()["upkeep_failure"] is not None
            c.add(**rows("more", 10, rng))  # with room again, the next write retries upkeep
            assert c.stats()["upkeep_failure"] is None and len(c) == 610
        db.delete_collection(f"c{trial}")
    # every path was taken: refused whole, stored with upkeep failed, stored with upkeep
    assert set(outcomes) == {"refused", "upkeep failed", "stored"}, outcomes
