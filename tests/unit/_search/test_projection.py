"""``Collection.project``: PCA fit on a sample and applied to every row, kept per version in
memory and on disk, carried across writes by transforming only the new rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._search.projection import CACHE_DIR


def _collection(tmp_path: Path, n: int = 3000, dim: int = 24) -> tuple[vl.Collection, np.ndarray]:
    rng = np.random.default_rng(1)
    # Structure worth projecting: three clusters along different axes, plus noise.
    centers = rng.normal(size=(3, dim)) * 4
    x = (centers[np.arange(n) % 3] + rng.normal(size=(n, dim))).astype(np.float32)
    db = vl.connect(tmp_path / "db", embedding_cache=False)
    c = db.create_collection("docs", dim=dim, distance="l2")
    c.add(ids=[f"d{i}" for i in range(n)], vectors=x, metadatas=[{"k": i % 3} for i in range(n)])
    return c, x


def _reference(x: np.ndarray) -> np.ndarray:
    centered = x.astype(np.float64) - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T


def test_pca_equals_numpy_on_every_row_from_memory_and_from_the_table(tmp_path: Path) -> None:
    c, x = _collection(tmp_path)
    from_memory = c.project()
    assert from_memory.ids.to_pylist() == [f"d{i}" for i in range(len(x))]
    ref = _reference(x)
    # Same axes as numpy's SVD up to sign (the sample is every row here).
    np.testing.assert_allclose(np.abs(from_memory.xy), np.abs(ref), atol=1e-3)
    assert c.stats()["exact_search"]["rows"] == len(x)  # read from the exact-search matrix

    db = vl.connect(tmp_path / "other", embedding_cache=False)
    d = db.create_collection("docs", dim=x.shape[1], distance="l2")
    d.exact_cache_bytes = 0  # nothing in memory: the rows are streamed from the table
    d.add(ids=[f"d{i}" for i in range(len(x))], vectors=x)
    streamed = d.project()
    assert d.stats()["exact_search"]["rows"] == 0
    np.testing.assert_allclose(streamed.xy, from_memory.xy, atol=1e-4)


def test_a_sample_fit_places_all_rows_close_to_the_full_fit(tmp_path: Path) -> None:
    c, x = _collection(tmp_path)
    sampled = c.project(sample=500)
    ref = _reference(x)
    # Within 5% of the map's extent of where the fit on every row puts them.
    assert np.abs(np.abs(sampled.xy) - np.abs(ref)).max() < 0.05 * np.ptp(ref)
    assert len(sampled) == len(x)


def test_writes_transform_only_new_rows_and_the_map_keeps_its_shape(tmp_path: Path) -> None:
    c, x = _collection(tmp_path)
    before = c.project()
    rng = np.random.default_rng(2)
    new = rng.normal(size=(10, x.shape[1])).astype(np.float32)
    c.add(ids=[f"n{i}" for i in range(10)], vectors=new)
    c.delete(ids=["d0", "d1"])
    c.upsert(ids=["d5"], vectors=new[:1])  # a changed vector moves its point
    after = c.project()
    assert after.version == c.version and len(after) == len(x) - 2 + 10
    pos = {row: i for i, row in enumerate(after.ids.to_pylist())}
    old = {row: i for i, row in enumerate(before.ids.to_pylist())}
    assert "d0" not in pos and "d1" not in pos
    kept = [r for r in old if r in pos and r != "d5"]
    np.testing.assert_array_equal(
        after.xy[[pos[r] for r in kept]], before.xy[[old[r] for r in kept]]
    )  # not refit: unchanged rows stay exactly where they were
    np.testing.assert_allclose(after.xy[pos["n3"]], before.transform(new[3])[0], atol=1e-5)
    np.testing.assert_allclose(after.xy[pos["d5"]], before.transform(new[0])[0], atol=1e-5)

    # A compaction renumbers every row: all are read again, still with the same model.
    c.optimize()
    compacted = c.project()
    again = {row: i for i, row in enumerate(compacted.ids.to_pylist())}
    np.testing.assert_allclose(
        compacted.xy[[again[r] for r in kept]], before.xy[[old[r] for r in kept]], atol=1e-5
    )


def test_a_reopened_collection_reads_its_map_from_disk(tmp_path: Path) -> None:
    c, _ = _collection(tmp_path)
    first = c.project()
    path = tmp_path / "db" / CACHE_DIR / "docs.pca.arrow"
    assert path.is_file()
    reopened = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("docs")
    again = reopened.project()
    np.testing.assert_array_equal(again.xy, first.xy)
    assert again.ids.equals(first.ids) and again.version == first.version
    # The vectors were not read: the exact-search matrix of the reopened collection is empty.
    assert reopened.stats()["exact_search"]["rows"] == 0
    # ... and the model came with the map, so new vectors can be placed.
    v = np.ones(c.dim, np.float32)
    np.testing.assert_allclose(again.transform(v), first.transform(v), atol=1e-6)

    path.write_bytes(b"not arrow")  # a damaged file is computed again, then rewritten
    fresh = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("docs")
    np.testing.assert_allclose(fresh.project().xy, first.xy, atol=1e-5)
    assert path.read_bytes()[:6] == b"ARROW1"


def test_checkouts_do_not_overwrite_the_map_on_disk(tmp_path: Path) -> None:
    c, _ = _collection(tmp_path, n=400)
    v1 = c.version
    c.add(ids=["extra"], vectors=np.ones((1, c.dim), np.float32))
    latest = c.project()
    old = c.checkout(v1).project()
    assert len(old) == 400 and len(latest) == 401
    reopened = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("docs")
    assert len(reopened.project()) == 401


def test_bad_requests_are_typed_errors(tmp_path: Path) -> None:
    c, _ = _collection(tmp_path, n=300)
    with pytest.raises(vl.InvalidInputError, match="method"):
        c.project("tsne")
    with pytest.raises(vl.InvalidInputError, match="sample"):
        c.project(sample=1)
    empty = vl.connect(tmp_path / "e", embedding_cache=False).create_collection("e", dim=4)
    with pytest.raises(vl.InvalidInputError, match="empty"):
        empty.project()


@pytest.mark.slow
def test_umap_fits_on_a_sample_and_transforms_the_rest(tmp_path: Path) -> None:
    pytest.importorskip("umap", reason="the [umap] extra (umap-learn) is not installed")
    c, x = _collection(tmp_path, n=1500, dim=16)
    proj = c.project("umap", sample=600)
    assert len(proj) == 1500 and proj.xy.shape == (1500, 2)
    assert np.isfinite(proj.xy).all()
    # The three clusters stay apart on the map: each point's nearest map neighbour is in its
    # own cluster (rows were added as cluster i % 3).
    labels = np.arange(1500) % 3
    d = ((proj.xy[:, None, :] - proj.xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (labels[d.argmin(axis=1)] == labels).mean() > 0.95
    # New rows are transformed with the fitted model, not refit: old points stay put.
    c.add(ids=["new"], vectors=x[:1])
    after = c.project("umap")
    np.testing.assert_array_equal(after.xy[:1500], proj.xy)
    assert np.isfinite(after.xy[-1]).all()
    # The model is held in memory only: a reopened collection reads the map, and placing new
    # vectors asks for a fresh projection.
    reopened = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("docs")
    again = reopened.project("umap")
    np.testing.assert_array_equal(again.xy, after.xy)
    with pytest.raises(vl.InvalidInputError, match="without its model"):
        again.transform(x[0])
