"""VersionProbe: the table's version as LanceDB reports it, read again only when the dataset's
``_versions`` directory moved (or moved too recently to trust)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._storage import probe as _probe
from vecstore_lab._storage.probe import VersionProbe


class Counting:
    """A table whose ``version`` reads are counted (everything else is the real table)."""

    def __init__(self, table: Any) -> None:
        self._table, self.reads = table, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    @property
    def version(self) -> int:
        self.reads += 1
        return int(self._table.version)


def test_probe_follows_every_commit_and_skips_lancedb_when_nothing_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = vl.connect(tmp_path, embedding_cache=False)
    c = db.create_collection("docs", dim=4)
    c.add(ids=["a"], vectors=np.ones((1, 4), np.float32))
    table = Counting(c.table)
    probe = VersionProbe(table)
    assert probe.current() == c.version
    # Within the racy window every look asks LanceDB.
    probe.current()
    assert table.reads == 2
    monkeypatch.setattr(_probe, "RACY_NS", 0)  # as if the last commit were long ago
    probe.current()
    reads = table.reads
    for _ in range(50):
        assert probe.current() == c.version
    assert table.reads == reads  # nothing moved: no round trips
    # A commit from another handle (another process would do the same) is seen at once.
    other = vl.connect(tmp_path, embedding_cache=False).get_collection("docs")
    other.add(ids=["b"], vectors=np.ones((1, 4), np.float32))
    assert probe.current() == other.version == c.version
    other.delete(ids=["a"])
    assert probe.current() == c.version
    assert len(c.query(vector=np.ones(4, np.float32), k=5)) == 1  # the search sees it too


def test_object_storage_always_asks_lancedb() -> None:
    class Remote:
        uri = "s3://bucket/db/docs.lance"
        version = 7

    assert VersionProbe(Remote())._versions is None
    assert VersionProbe(Remote()).current() == 7
