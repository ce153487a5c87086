"""Damaged data files give typed errors that name the collection, ``verify()`` finds them,
and ``restore()`` of a version written before the damage brings the collection back.

Each case damages one data file of a real collection the way a disk, a sync tool or a
hand would: truncated to half, a span of bytes overwritten, or deleted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import vecstore_lab as vl
from vecstore_lab import errors

RAW_SOURCE = re.compile(r"/rustc/|\.cargo/|\.rs:\d+")
#: Reads that touch every fragment (or the damaged one): these must fail. The others may
#: answer from healthy fragments alone (a first page), and then must answer right.
MUST_FAIL = {"count(where)", "get all", "get by id", "vector query", "to_arrow", "add"}
OPS: dict[str, Any] = {
    "count(where)": lambda c: c.count({"year": {"$gte": 3}}),
    "get page": lambda c: c.get(limit=10),
    "get all": lambda c: c.get(),
    "get by id": lambda c: c.get(ids=["r4999"]),
    "sorted page": lambda c: c.get(order_by="year", limit=5),
    "vector query": lambda c: c.query(vector=np.ones(8, np.float32), k=3),
    "text query": lambda c: c.query("moon", mode="text", k=3),
    "hybrid query": lambda c: c.query("moon", mode="hybrid", k=3),
    "to_arrow": lambda c: c.to_arrow(),
    "add": lambda c: c.add(ids=["r4999", "fresh"], texts=["x", "y"]),
}


def raised(op: Any, c: vl.Collection) -> BaseException | None:
    """What ``op(c)`` raised, if anything (any exception: a raw one fails the test)."""
    try:
        op(c)
    except Exception as exc:
        return exc
    return None


def damage(path: Path, how: str) -> None:
    if how == "truncate":
        with path.open("r+b") as f:
            f.truncate(path.stat().st_size // 2)
    elif how == "overwrite":
        data = bytearray(path.read_bytes())
        data[1000:5000] = b"\x55" * 4000
        path.write_bytes(bytes(data))
    else:
        path.unlink()


@pytest.fixture
def damaged(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[vl.VecDatabase, int, str]:
    """A collection of 5000 rows in three fragments whose last data file is damaged, with a
    healthy neighbour; returns the database and the version before the last write."""
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=8), embedding_cache=False)
    c = db.create_collection("docs")
    for start, stop in ((0, 2000), (2000, 4000), (4000, 5000)):
        if start == 4000:
            before = c.version
        ids = [f"r{i}" for i in range(start, stop)]
        c.add(
            ids=ids,
            texts=[f"moon text {i}" for i in ids],
            metadatas=[{"year": i} for i in range(start, stop)],
        )
    db.create_collection("neighbour").add(ids=["a", "b"], texts=["moon", "sun"])
    newest = max((tmp_path / "db" / "docs.lance" / "data").glob("*.lance"), key=os.path.getmtime)
    how = request.param
    damage(newest, how)
    return db, before, how


@pytest.mark.parametrize("damaged", ["truncate", "overwrite", "delete"], indirect=True)
def test_damage_is_typed_found_and_restorable(damaged: tuple[vl.VecDatabase, int, str]) -> None:
    db, before, how = damaged
    c = db.get_collection("docs")
    for name, op in OPS.items():
        exc = raised(op, c)
        if exc is None:
            # Overwritten bytes may decode as other valid values: only verify() sees it.
            assert how == "overwrite" or name not in MUST_FAIL, f"{name} read a {how}d file"
            continue
        assert isinstance(exc, errors.StorageError), (name, repr(exc))
        message = str(exc)
        assert "'docs'" in message, (name, message)
        assert not RAW_SOURCE.search(message), (name, message)
        assert exc.__cause__ is not None  # the original is kept
        if how != "overwrite":
            assert isinstance(exc, errors.DataCorruptionError), (name, message)
            assert "verify()" in message

    report = c.verify()
    assert not report.ok and report.fragments == 3
    (problem,) = report.problems
    assert problem.kind == ("missing" if how == "delete" else "unreadable")
    assert report.to_arrow().num_rows == 1 and not RAW_SOURCE.search(problem.detail)
    assert "problem" in str(report)

    neighbour = db.get_collection("neighbour")  # other collections are untouched
    assert neighbour.verify().ok and neighbour.query("moon", k=1).ids == ["a"]

    c.restore(before)  # the version before the damaged fragment was written
    assert c.verify().ok and len(c) == 4000
    assert c.query("moon", mode="hybrid", k=3).ids
    c.add(ids=["again"], texts=["moon again"])  # and it takes writes again
    assert c.verify().ok and len(c) == 4001


def test_verify_of_a_healthy_collection(docs: vl.Collection) -> None:
    report = docs.verify()
    assert report.ok and report.rows_read == report.rows_expected == len(docs)
    assert report.files >= 1 and str(report).endswith("OK")
    assert docs.verify(vectors=False).ok


def test_verify_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vecstore_lab.cli import main

    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=8), embedding_cache=False)
    db.create_collection("good").add(ids=["a"], texts=["moon"])
    db.create_collection("bad").add(ids=["b"], texts=["sun"])
    assert main(["verify", "--db", str(tmp_path / "db")]) == 0
    assert capsys.readouterr().out.count(": OK") == 2
    (data_file,) = (tmp_path / "db" / "bad.lance" / "data").glob("*.lance")
    damage(data_file, "truncate")
    assert main(["verify", "--db", str(tmp_path / "db")]) == 2
    out, err = capsys.readouterr()
    assert "'good' at version" in out and "fragment 0 unreadable" in out
    assert "1 of 2 collection(s) damaged" in err and not RAW_SOURCE.search(out)
    assert main(["verify", "--db", str(tmp_path / "db"), "--collection", "good"]) == 0


def tamper(c: vl.Collection, row_id: str, vector: np.ndarray) -> None:
    """Overwrite one stored vector behind the library's back (LanceDB directly)."""
    row = c.get(ids=[row_id], include_vectors=True).to_arrow()
    index = row.schema.get_field_index("vector")
    values = pa.FixedSizeListArray.from_arrays(pa.array(vector, pa.float32()), len(vector))
    c.table.merge_insert("id").when_matched_update_all().execute(
        row.set_column(index, "vector", values)
    )


@pytest.mark.parametrize("checksums", [False, True])
def test_vector_checksums_make_tampering_visible(tmp_path: Path, checksums: bool) -> None:
    """Without checksums a vector overwritten with other finite values ranks first, silently;
    with them, exact search and verify() name the row, and our own writes keep them right."""
    db = vl.connect(tmp_path / "db", embedding_cache=False)
    c = db.create_collection("docs", dim=8, vector_checksums=checksums)
    rng = np.random.default_rng(0)
    c.add(
        ids=[f"r{i}" for i in range(300)], vectors=rng.standard_normal((300, 8)).astype(np.float32)
    )
    c.update(ids=["r1"], vectors=[rng.standard_normal(8)])  # our own writes recompute it
    c.upsert(ids=["r2"], vectors=[rng.standard_normal(8)])
    assert "_vector_crc32" not in c.get(limit=1).to_arrow().column_names  # never in results
    assert c.verify().ok
    q = rng.standard_normal(8).astype(np.float32)
    assert c.query(vector=q, k=3).ids
    good = c.version

    tamper(c, "r7", q)
    fresh = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("docs")
    if not checksums:
        assert fresh.query(vector=q, k=1).ids == ["r7"]  # the tampered row wins, unseen
        assert fresh.verify().ok
        return
    with pytest.raises(errors.DataCorruptionError, match=r"checksums \(ids \['r7'\]\)"):
        fresh.query(vector=q, k=1)
    report = fresh.verify()
    (problem,) = report.problems
    assert problem.kind == "checksum" and "r7" in problem.detail
    fresh.restore(good)
    assert fresh.verify().ok and fresh.query(vector=q, k=1).ids != ["r7"]
