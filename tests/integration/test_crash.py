"""An ingest killed with SIGKILL mid-run leaves whole batches, and a re-run completes it.

The child process ingests 60 documents in batches of 5 with a slowed-down embedder, and is
killed (no clean-up of any kind runs) once some batches are stored. The collection then holds
whole batches only, ids are unique, the write lock is free again, and re-running the same
ingest embeds only what is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import vecstore_lab as vl

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent(
    """
    import sys, time
    import vecstore_lab as vl

    class Slow(vl.HashEmbedder):
        def embed_documents(self, texts):
            time.sleep(0.3)  # a model takes time: the kill lands mid-ingest
            return super().embed_documents(texts)

    db = vl.connect(sys.argv[1], embedding_cache=False)
    c = db.create_collection("docs", embedder=Slow(dim=16))
    docs = [{"id": f"d{i:02d}", "text": f"document {i} about topic {i % 7}"} for i in range(60)]
    print("ready", flush=True)
    c.add_documents(docs, batch_size=5, progress=False)
    print("finished", flush=True)
    """
)


class Counting(vl.HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.texts = 0

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return super().embed_documents(texts)


def test_sigkill_mid_ingest_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    deadline = time.time() + 120
    stored = 0
    while stored < 10 and time.time() < deadline:  # at least two batches are in
        time.sleep(0.05)
        try:
            stored = len(vl.connect(path, embedding_cache=False).get_collection("docs"))
        except vl.VecStoreError:
            stored = 0
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    counting = Counting()
    c = vl.connect(path, embedding_cache=False).get_collection("docs", embedder=counting)
    ids = c.get().ids
    assert 10 <= len(ids) < 60, "the kill did not land mid-ingest"
    assert len(ids) % 5 == 0 and len(set(ids)) == len(ids)  # whole batches, no duplicates
    assert sorted(ids) == [f"d{i:02d}#0" for i in range(len(ids))]  # batches land in order

    docs = [{"id": f"d{i:02d}", "text": f"document {i} about topic {i % 7}"} for i in range(60)]
    report = c.add_documents(docs, batch_size=5, progress=False)  # the lock is free again
    assert report.unchanged == len(ids) and report.added == 60 - len(ids)
    assert counting.texts == 60 - len(ids)  # committed batches are not embedded again
    final = c.get().ids
    assert len(final) == len(set(final)) == 60


ADDER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import vecstore_lab as vl

    c = vl.connect(sys.argv[1], embedding_cache=False).get_collection("rows")
    rng = np.random.default_rng(int(sys.argv[2]))
    for n in range(1000):  # big adds, one after another, until the kill
        ids = [f"{sys.argv[2]}-{n}-{i}" for i in range(20_000)]
        c.add(ids=ids, vectors=rng.standard_normal((20_000, 16)).astype(np.float32),
              metadatas=[{"batch": f"{sys.argv[2]}-{n}"}] * 20_000)
        print("added", n, flush=True)
    """
)


def test_sigkill_mid_add_leaves_whole_adds(tmp_path: Path) -> None:
    """Killed while big adds run back to back (so mostly inside one): every add is stored
    whole or not at all, ids stay unique, and the lock is free for the next writer."""
    path = tmp_path / "db"
    vl.connect(path, embedding_cache=False).create_collection("rows", dim=16)
    for trial, delay in enumerate((0.05, 0.3, 0.6)):
        child = subprocess.Popen(
            [sys.executable, "-c", ADDER, str(path), str(trial)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().startswith("added 0")
        time.sleep(delay)  # into the next add (each takes about half a second)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        c = vl.connect(path, embedding_cache=False).get_collection("rows")
        rows = c.get(where="batch IS NOT NULL", select=["batch"]).to_arrow()
        counts = rows.group_by("batch").aggregate([("id", "count")])
        assert set(counts.column("id_count").to_pylist()) == {20_000}  # whole adds only
        ids = c.get(select=[]).ids
        assert len(ids) == len(set(ids))
        c.add(ids=[f"after-{trial}"], vectors=[[1.0] * 16])  # the lock was released
