"""Sorted pages (``Collection.get(order_by=..., limit, offset)``): a page sorted on one column
with a scalar index is read through an index window instead of ranking every row, and it is
exactly the page a full sort gives (key order, ties by id, nulls last), wherever it falls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._storage import window as _window

N = 4000


def _rows(n: int = N) -> tuple[list[str], list[dict[str, Any]]]:
    rng = np.random.default_rng(7)
    ids = [f"d{i:05d}" for i in rng.permutation(n)]  # stored in no particular order
    metas: list[dict[str, Any]] = []
    for i in range(n):
        meta: dict[str, Any] = {
            "price": float(rng.normal()),
            "name": f"o'n{(i * 7919) % 700:04d}",  # ties, and a quote in every key
            "topic": f"t{i % 5}",
        }
        if i % 97:
            meta["score"] = (i * 37) % 500  # eight rows a value; every 97th row has none
        metas.append(meta)
    return ids, metas


@pytest.fixture(scope="module")
def sorted_db(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    db = vl.connect(tmp_path_factory.mktemp("pages") / "db", embedding_cache=False)
    c = db.create_collection("docs", dim=4)
    ids, metas = _rows()
    vectors = np.random.default_rng(0).normal(size=(N, 4)).astype(np.float32)
    half = N // 2  # two fragments
    c.add(ids=ids[:half], vectors=vectors[:half], metadatas=metas[:half])
    c.add(ids=ids[half:], vectors=vectors[half:], metadatas=metas[half:])
    for name in ("score", "price", "name"):
        c.create_scalar_index(name)
    c.create_scalar_index("topic", kind="bitmap")
    return c


def _reference(c: vl.Collection, name: str, direction: str) -> list[str]:
    rows = c.get(select=["id", name]).to_arrow().to_pylist()
    present = [r for r in rows if r[name] is not None]
    missing = sorted(r["id"] for r in rows if r[name] is None)
    present.sort(key=lambda r: r["id"])
    present.sort(key=lambda r: r[name], reverse=direction == "descending")  # stable: ids stay
    return [r["id"] for r in present] + missing


def _page(c: vl.Collection, name: str, direction: str, offset: int, limit: int) -> list[str]:
    got = c.get(order_by=(name, direction), limit=limit, offset=offset, select=["id"])
    return got.to_arrow().column("id").to_pylist()


OFFSETS = [0, 50, 1234, 1999, 2000, 3100, 3950, 3990, 4000, 4100]


@pytest.mark.parametrize("name", ["score", "price", "name", "topic"])
@pytest.mark.parametrize("direction", ["ascending", "descending"])
def test_index_window_pages_equal_a_full_sort(
    sorted_db: vl.Collection, name: str, direction: str
) -> None:
    ref = _reference(sorted_db, name, direction)
    for offset in OFFSETS:
        assert _page(sorted_db, name, direction, offset, 50) == ref[offset : offset + 50], offset


def test_the_window_answers_without_a_full_ranking(sorted_db: vl.Collection) -> None:
    windows = _window.Windows()
    tbl = sorted_db.table
    for name in ("score", "price", "name"):
        for offset in (0, 1500, 3800):
            got = windows.page(tbl, [(name, "descending")], offset=offset, limit=50)
            assert got is not None and len(got) == 50, (name, offset)
    # Not indexed, two keys, or the page reaches the null keys: the caller ranks every row.
    assert windows.page(tbl, [("text", "ascending")], offset=0, limit=50) is None
    assert windows.page(tbl, [("score", "ascending"), ("price", "ascending")], 0, 50) is None
    assert windows.page(tbl, [("score", "ascending")], offset=N - 60, limit=50) is None


def test_pages_stay_exact_when_the_sample_misleads(
    sorted_db: vl.Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight sampled keys, no margin: windows miss, widen, or give way to a full ranking; the
    # counted rows ahead of a window keep every page exact all the same.
    monkeypatch.setattr(_window, "_SAMPLE", 8)
    monkeypatch.setattr(_window, "_Z", (0.0,))
    fresh = vl.connect(Path(sorted_db.table.uri).parent, embedding_cache=False)
    c = fresh.get_collection("docs")
    for name in ("score", "price"):
        ref = _reference(c, name, "ascending")
        for offset in OFFSETS:
            assert _page(c, name, "ascending", offset, 70) == ref[offset : offset + 70]


def test_a_write_moves_the_pages_to_the_new_version(tmp_path: Path) -> None:
    db = vl.connect(tmp_path / "db", embedding_cache=False)
    c = db.create_collection("docs", dim=2)
    c.add(
        ids=[f"r{i}" for i in range(500)],
        vectors=np.ones((500, 2), np.float32),
        metadatas=[{"rank": i} for i in range(500)],
    )
    c.create_scalar_index("rank")
    assert _page(c, "rank", "descending", 0, 3) == ["r499", "r498", "r497"]
    c.add(ids=["top"], vectors=np.ones((1, 2), np.float32), metadatas=[{"rank": 10_000}])
    c.delete(["r498"])
    assert _page(c, "rank", "descending", 0, 3) == ["top", "r499", "r497"]
    assert _page(c, "rank", "ascending", 497, 5) == ["r497", "r499", "top"]
