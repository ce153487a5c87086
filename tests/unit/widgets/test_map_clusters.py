"""EmbeddingMap labels its clusters: k-means on the projection at two levels, each named by its
most distinctive words (c-TF-IDF), every point coded, cached per collection version."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._search.clusters import kmeans_2d, label_terms
from vecstore_lab._search.fulltext import LEGACY
from vecstore_lab.widgets import EmbeddingMap

TOPICS = {
    "tides": ["the moon pulls the tides", "high tide and low tide", "ocean tides rise"],
    "bread": ["sourdough bread needs a starter", "bake the loaf in the oven", "yeast dough"],
    "stocks": ["stock markets fell", "investors sold shares", "bond prices rose"],
}


@pytest.fixture
def docs(tmp_path: Path) -> vl.Collection:
    c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32)).create_collection("docs")
    rng = np.random.default_rng(0)
    centres = {"tides": [5, 0], "bread": [-5, 0], "stocks": [0, 6]}
    ids, texts, vectors = [], [], []
    for i in range(60):
        topic = list(TOPICS)[i % 3]
        ids.append(f"{topic}{i}")
        texts.append(f"{TOPICS[topic][i % 3]} {i}")
        v = np.zeros(32, np.float32)
        v[:2] = centres[topic]
        vectors.append(v + rng.normal(0, 0.3, 32).astype(np.float32))
    c.add(ids=ids, texts=texts, vectors=np.asarray(vectors))
    return c


def test_kmeans_finds_separate_groups_and_codes_every_point() -> None:
    rng = np.random.default_rng(1)
    xy = np.concatenate([rng.normal(c, 0.1, (200, 2)) for c in ([0, 0], [5, 5], [0, 5])])
    centres, codes = kmeans_2d(xy.astype(np.float32), 3, sample=300)
    assert len(centres) == 3 and codes.shape == (600,)
    for g in range(3):  # each true group is one cluster
        assert len(set(codes[g * 200 : (g + 1) * 200])) == 1
    assert len(set(codes)) == 3


def test_labels_name_what_sets_a_group_apart() -> None:
    groups = [
        ["the moon pulls the tides", "tides of the sea", "the moon and the sea"],
        ["the bread and the oven", "bread dough in the oven", "the oven"],
    ]
    words = label_terms(groups, LEGACY, top=2)
    assert set(words[0]) <= {"moon", "tides", "sea"} and set(words[1]) <= {"bread", "oven"}


def test_the_map_labels_and_codes_its_clusters(docs: vl.Collection, tmp_path: Path) -> None:
    em = EmbeddingMap(docs)
    table = em.clusters
    assert table.column_names == ["level", "cluster", "label", "size", "x", "y", "terms"]
    coarse = table.filter(np.asarray(table.column("level").to_pylist()) == 0).to_pylist()
    assert sum(r["size"] for r in coarse) == len(docs)
    # The three topics are three regions of the map: each coarse cluster is one topic, and
    # its label comes from that topic's words.
    codes = em.points.column("cluster_0").to_numpy()
    ids = em._ids().to_pylist()
    for r in coarse:
        members = {ids[i].rstrip("0123456789") for i in np.flatnonzero(codes == r["cluster"])}
        assert len(members) == 1, members
        topic = members.pop()
        text = " ".join(TOPICS[topic]).lower()
        assert all(w in text for w in r["terms"]), (topic, r["terms"])
        assert r["size"] == int((codes == r["cluster"]).sum())
    assert em.cluster_labels == table.to_pylist()
    assert "cluster_1" in em.points.column_names
    # Cached per version, in memory and next to the projection: a new connection reads the
    # clusters from their file; a write makes a new version, and new clusters.
    held = docs.map_clusters()
    assert docs.map_clusters() is held
    reopened = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32)).get_collection("docs")
    read = reopened.map_clusters()
    assert read.version == held.version and read.labels.equals(held.labels)
    np.testing.assert_array_equal(read.codes, held.codes)
    assert list(tmp_path.rglob("docs.pca.clusters/codes.npy"))
    docs.add(ids=["extra"], texts=["one more loaf of bread"], vectors=np.ones((1, 32)))
    assert docs.map_clusters().version == docs.version != held.version


def test_labels_can_be_turned_off(docs: vl.Collection) -> None:
    em = EmbeddingMap(docs, labels=False)
    assert em.clusters.num_rows == 0 and em.cluster_labels == []
    assert "cluster_0" not in em.points.column_names
    em.labels = True
    assert em.clusters.num_rows > 0
