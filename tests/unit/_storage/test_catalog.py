"""``_storage.catalog``: what ``vecstore-lab info`` reads through ``lance`` alone is what the
database's own connection reports, for every kind of table a database directory may hold."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

import vecstore_lab as vl
from vecstore_lab._storage.catalog import CollectionFacts, local_directory, read_facts
from vecstore_lab.database import describe


def test_facts_read_through_lance_equal_the_connections(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=8))  # the embedding cache: "_" table
    notes = db.create_collection("notes")
    notes.add(ids=["a", "b", "c"], texts=["one", "two", "three"])
    notes.delete(ids=["b"])
    other = db.create_collection("other", distance="l2", embedder=vl.HashEmbedder(dim=4))
    other.add(ids=["x"], texts=["x"])
    # a table that is not a collection of ours, and a folder that is not a table at all
    db.connection.db.create_table("plain", pa.table({"n": [1, 2]}))
    (tmp_path / "junk.lance").mkdir()
    assert "_vecstore_embedding_cache.lance" in {p.name for p in tmp_path.iterdir()}

    facts = read_facts(tmp_path)
    assert facts == db.describe() == describe(tmp_path) == describe(str(tmp_path))
    assert [f.name for f in facts] == db.list_collections() == ["notes", "other"]
    assert facts[0] == CollectionFacts("notes", 2, notes.version, notes.settings)
    assert (facts[1].rows, facts[1].settings.distance, facts[1].settings.dim) == (1, "l2", 4)


def test_local_directory_is_only_an_existing_local_folder(tmp_path: Path) -> None:
    assert local_directory(str(tmp_path)) == tmp_path
    assert local_directory(f"file://{tmp_path}") == tmp_path
    assert local_directory(str(tmp_path / "not-yet")) is None
    assert local_directory("s3://bucket/db") is None
    assert local_directory("memory://") is None


def test_describe_of_an_empty_or_new_database(tmp_path: Path) -> None:
    assert describe(tmp_path) == []
    assert describe(tmp_path / "new") == []  # opened (and made) through a connection
