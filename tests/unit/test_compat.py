"""Collections written by vecstore-lab 0.1.0 open, read, search and take writes today.

``tests/data/store_v0_1`` was written by the code at commit 4c1a899 (three rows, metadata
``topic``/``year``/``tags``, an update, the FTS index, five versions).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from helpers import ROOT

import vecstore_lab as vl

STORE = ROOT / "tests" / "data" / "store_v0_1"
PK = b"lance-schema:unenforced-primary-key"


def open_copy(tmp_path: Path) -> vl.Collection:
    shutil.copytree(STORE, tmp_path / "store")
    return vl.connect(tmp_path / "store", embedding_cache=False).get_collection("articles")


def test_v0_1_collection_reads_and_searches(tmp_path: Path) -> None:
    c = open_copy(tmp_path)
    assert c.dim == 16 and c.embedder is not None and c.embedder.name == "hashing"
    assert sorted(c.get().ids) == ["bonds", "bread", "tides"]
    assert c.get(ids="bonds")[0].metadata == {"topic": "finance", "year": 2022, "tags": None}
    assert c.query("bond prices", k=1, mode="text")[0].id == "bonds"
    assert c.query("ocean bulges", k=3)[0].id == "tides"
    assert [v.version for v in c.list_versions()] == [1, 2, 3, 4, 5]


def test_v0_1_collection_is_migrated_on_first_write(tmp_path: Path) -> None:
    c = open_copy(tmp_path)
    assert PK not in (c.schema.field("id").metadata or {})  # as 0.1 wrote it
    c.add(ids=["new"], texts=["a new row"], metadatas=[{"score": 0.5, "rank": 2}])
    assert (c.schema.field("id").metadata or {}).get(PK) == b"true"
    assert c.get(ids="new")[0].metadata["score"] == 0.5
    c.upsert(ids=["tides"], vectors=np.ones((1, 16), np.float32))
    stored = c.get().ids
    assert sorted(stored) == ["bonds", "bread", "new", "tides"]
