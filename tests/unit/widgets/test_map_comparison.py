"""EmbeddingMap.compare: neighbours, shared counts and the alignment checked against plain numpy,
on two real embedders (MiniLM and the hashing embedder) over the same documents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.widgets import EmbeddingMap, MapComparison
from vecstore_lab.widgets._neighbours import align, nearest, shared_counts

TOPICS = {
    "tides": ["the moon pulls the sea", "high tide and low tide", "spring tides at full moon"],
    "bread": ["sourdough needs a starter", "knead the dough and let it rise", "bake the loaf"],
    "bonds": ["bond prices fell", "interest rates rose", "yields on treasury bonds"],
    "stars": ["a telescope finds distant stars", "planets orbit the sun", "a comet's tail"],
}


def _texts(n: int) -> list[str]:
    flat = [t for group in TOPICS.values() for t in group]
    return [f"{flat[i % len(flat)]} ({i})" for i in range(n)]


def _pair(path: Path, a: vl.Embedder, b: vl.Embedder, n: int = 60) -> tuple[vl.Collection, ...]:
    out = []
    for name, embedder in (("a", a), ("b", b)):
        c = vl.connect(path / name, embedder=embedder).create_collection(f"docs_{name}")
        c.add(ids=[f"d{i}" for i in range(n)], texts=_texts(n))
        out.append(c)
    return tuple(out)


def test_neighbours_and_shared_counts_match_numpy() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 24)).astype(np.float32)
    got = nearest(x, 7)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    assert (got == np.argsort(-sims, axis=1, kind="stable")[:, :7]).all()
    a = np.array([[1, 2, 3], [4, 5, 6]])
    b = np.array([[3, 9, 1], [7, 8, 0]])
    assert shared_counts(a, b).tolist() == [2, 0]


def test_align_undoes_a_rotation_a_mirror_and_a_scale() -> None:
    rng = np.random.default_rng(1)
    fixed = rng.normal(size=(200, 2))
    turn = np.array([[0.0, -1.0], [-1.0, 0.0]])  # a rotation and a mirror
    moving = 3.5 * fixed @ turn + [4.0, -2.0]
    moved, anchored = align(moving, fixed)
    assert np.abs(moved - anchored).max() < 1e-5
    assert np.abs(anchored).max() <= 1.0


def test_two_real_embedders_compared(tmp_path: Path) -> None:
    minilm, hashing = vl.SentenceTransformerEmbedder(), vl.HashEmbedder(dim=64)
    a, b = _pair(tmp_path, minilm, hashing)
    m = EmbeddingMap.compare(a, b, k=5)
    assert isinstance(m, MapComparison) and m.total == 60 and m.names == ["docs_a", "docs_b"]
    # The shared counts are the stored vectors' own neighbours, recomputed here.
    ids = m.ids.to_pylist()
    va = np.stack([r.vector for r in a.get(ids=ids, include_vectors=True)])
    vb = np.stack([r.vector for r in b.get(ids=ids, include_vectors=True)])
    expected = shared_counts(nearest(va, 5), nearest(vb, 5))
    assert m.table.column("shared").to_pylist() == expected.tolist()
    assert m.points.column("shared").to_pylist() == expected.tolist()
    # A semantic and a lexical embedder agree on some neighbours, not on all.
    assert 0 < m.mean_shared < 5
    moved = m.moved.column("shared").to_pylist()
    assert moved == sorted(moved) and m.moved_rows.num_rows == 15
    first = m.moved.slice(0, 1).to_pylist()[0]
    assert len(first["neighbours_a"]) == 5 and first["text"] == a.get(ids=[first["id"]])[0].text


def test_the_same_embedder_twice_agrees_everywhere(tmp_path: Path) -> None:
    a, b = _pair(tmp_path, vl.HashEmbedder(dim=32), vl.HashEmbedder(dim=32), n=40)
    m = EmbeddingMap.compare(a, b, k=4)
    assert set(m.table.column("shared").to_pylist()) == {4}
    xy = m.points.to_pydict()
    assert np.allclose(xy["xa"], xy["xb"], atol=1e-5) and np.allclose(xy["ya"], xy["yb"], atol=1e-5)
    m.set_state({"picked": [3, 1, 99]})  # what a selection on either map sets
    assert m.selected_ids == [m.ids[1].as_py(), m.ids[3].as_py()] and m.picked == [1, 3]
    m.selected_ids = [m.ids[5].as_py(), "nope"]  # set from Python: the points follow
    assert m.picked == [5]


def test_a_sample_bounds_the_work_and_only_shared_ids_count(tmp_path: Path) -> None:
    a, b = _pair(tmp_path, vl.HashEmbedder(dim=32), vl.HashEmbedder(dim=48), n=80)
    b.delete(ids=[f"d{i}" for i in range(0, 80, 2)])  # b keeps the odd ones
    m = EmbeddingMap.compare(a, b, k=3, sample=25, seed=3)
    assert m.common == 40 and m.total == 25
    assert all(int(i[1:]) % 2 == 1 for i in m.ids.to_pylist())
    html = m._static_html()
    assert "moved most" in html and "of 3 nearest neighbours shared" in html


def test_bad_comparisons_are_typed_errors(tmp_path: Path) -> None:
    a, b = _pair(tmp_path, vl.HashEmbedder(dim=32), vl.HashEmbedder(dim=32), n=20)
    with pytest.raises(errors.InvalidInputError, match="k must be"):
        EmbeddingMap.compare(a, b, k=0)
    with pytest.raises(errors.InvalidInputError, match="sample"):
        EmbeddingMap.compare(a, b, k=5, sample=6)
    other = vl.connect(tmp_path / "c", embedder=vl.HashEmbedder(dim=32)).create_collection("c")
    other.add(ids=["x1", "x2", "x3"], texts=["a", "b", "c"])
    with pytest.raises(errors.InvalidInputError, match="share 0 ids"):
        EmbeddingMap.compare(a, other)
