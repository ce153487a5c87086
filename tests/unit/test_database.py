"""VecDatabase: create/get/list/delete, settings that persist, and reopening in a new process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

import vecstore_lab as vl
from vecstore_lab import errors

if TYPE_CHECKING:
    from pathlib import Path


def test_create_list_contains_delete(db: vl.VecDatabase) -> None:
    assert db.list_collections() == []
    db.create_collection("b")
    db.create_collection("a", distance="l2")
    assert db.list_collections() == ["a", "b"]
    assert "a" in db and "zzz" not in db
    db.delete_collection("a")
    assert db.list_collections() == ["b"]
    with pytest.raises(errors.CollectionNotFoundError):
        db.delete_collection("a")


def test_exists_and_not_found_errors(db: vl.VecDatabase) -> None:
    db.create_collection("docs")
    with pytest.raises(errors.CollectionExistsError, match="exist_ok=True"):
        db.create_collection("docs")
    assert db.create_collection("docs", exist_ok=True).name == "docs"
    assert db.get_or_create_collection("docs").name == "docs"
    assert db.get_or_create_collection("other").name == "other"
    with pytest.raises(errors.CollectionNotFoundError, match="no collection 'nope'"):
        db.get_collection("nope")
    with pytest.raises(LookupError):  # builtin base class for users who catch broadly
        db.get_collection("nope")


@pytest.mark.parametrize("name", ["", "has space", "../escape", "_private", "a/b", 3])
def test_bad_collection_names(db: vl.VecDatabase, name: object) -> None:
    with pytest.raises(errors.InvalidInputError, match="not allowed"):
        db.create_collection(name)  # type: ignore[arg-type]


def test_create_argument_errors(tmp_path: Path) -> None:
    db = vl.connect(tmp_path)
    with pytest.raises(errors.InvalidInputError, match="vector length is known"):
        db.create_collection("x")
    with pytest.raises(errors.InvalidInputError, match="distance"):
        db.create_collection("x", dim=4, distance="manhattan")
    with pytest.raises(errors.DimensionMismatchError):
        db.create_collection("x", dim=4, embedder=vl.HashEmbedder(dim=8))
    with pytest.raises(errors.InvalidInputError, match="dim"):
        db.create_collection("x", dim=0)
    schema = pa.schema([("vector", pa.list_(pa.float32(), 6)), ("genre", pa.string())])
    c = db.create_collection("x", schema=schema)
    assert c.dim == 6 and c.schema.field("genre").type == pa.string()
    assert db.list_collections() == ["x"]


def test_embedder_given_by_name_or_config(tmp_path: Path) -> None:
    db = vl.connect(tmp_path)
    c = db.create_collection("n", embedder={"name": "hashing", "config": {"dim": 12}})
    assert c.dim == 12
    assert c.settings.embedder == {"name": "hashing", "config": {"dim": 12, "bigrams": True}}
    with pytest.raises(errors.UnknownComponentError, match="available: hashing"):
        db.create_collection("m", embedder="no-such-embedder")


def test_settings_persist_and_embedder_is_rebuilt(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=24))
    c = db.create_collection("docs", distance="dot")
    c.add(ids=["a"], texts=["persisted text"], metadatas=[{"k": 1}])
    reopened = vl.connect(tmp_path).get_collection("docs")
    assert reopened.dim == 24 and reopened.distance == "dot"
    assert isinstance(reopened.embedder, vl.HashEmbedder) and reopened.embedder.dim == 24
    assert reopened.query("persisted text", k=1)[0].id == "a"


def test_embedder_override_must_match_dim(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=24))
    db.create_collection("docs")
    with pytest.raises(errors.DimensionMismatchError, match="stores 24-dim"):
        db.get_collection("docs", embedder=vl.HashEmbedder(dim=8))


def test_unregistered_custom_embedder_opens_with_clear_error(tmp_path: Path) -> None:
    class Custom(vl.HashEmbedder):
        name = "my-custom"

    db = vl.connect(tmp_path)
    db.create_collection("docs", embedder=Custom(dim=8)).add(ids=["a"], texts=["hello"])
    reopened = vl.connect(tmp_path).get_collection("docs")
    assert reopened.embedder is None
    assert reopened.get().ids == ["a"]  # data is still readable
    with pytest.raises(errors.EmbedderError, match="my-custom"):
        reopened.query("hello")
    vl.register_embedder("my-custom", Custom)
    try:
        again = vl.connect(tmp_path).get_collection("docs")
        assert again.query("hello", k=1)[0].id == "a"
    finally:
        vl.embedders.registry._factories.pop("my-custom")


def test_reopen_in_a_new_process(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("docs", distance="l2")
    c.add(
        ids=["a", "b"],
        texts=["alpha text", "beta text"],
        metadatas=[{"n": 1, "tag": "x"}, {"n": 2, "tag": "y"}],
    )
    c.upsert(ids=["b"], texts=["beta changed"], metadatas=[{"n": 3, "tag": "y"}])
    version = c.version
    script = textwrap.dedent(
        f"""
        import json, vecstore_lab as vl
        c = vl.connect({str(tmp_path)!r}).get_collection("docs")
        hit = c.query("beta changed", k=1)[0]
        print(json.dumps({{
            "n": len(c), "dim": c.dim, "distance": c.distance, "version": c.version,
            "embedder": type(c.embedder).__name__, "top": hit.id, "meta": hit.metadata,
            "filtered": c.get(where="n >= 2").ids,
        }}))
        c.add(ids=["c"], texts=["written by the child"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {
        "n": 2,
        "dim": 16,
        "distance": "l2",
        "version": version,
        "embedder": "HashEmbedder",
        "top": "b",
        "meta": {"n": 3, "tag": "y"},
        "filtered": ["b"],
    }
    # The parent's handle sees the child's write (read consistency interval 0).
    assert len(c) == 3
    assert c.get(ids=["c"])[0].text == "written by the child"


def test_memory_uri(embedder: vl.HashEmbedder) -> None:
    db = vl.connect("memory://", embedder=embedder)
    c = db.create_collection("m")
    c.add(ids=["a"], texts=["in memory"])
    assert c.query("in memory", k=1)[0].id == "a"


def test_versions_checkout_and_restore(docs: vl.Collection) -> None:
    v_full = docs.version
    docs.delete(ids=["cat"])
    docs.add(ids=["new"], texts=["a new row"], vectors=np.ones((1, 32)))
    assert len(docs) == 5 and docs.version > v_full
    versions = docs.list_versions()
    assert [v.version for v in versions] == sorted(v.version for v in versions)
    assert versions[-1].version == docs.version
    assert versions[-1].num_rows == 5

    old = docs.checkout(v_full)
    assert old.read_only and old.version == v_full
    assert sorted(old.get().ids) == ["bonds", "bread", "cat", "dog", "stocks"]
    assert old.query("the cat sat on the mat", k=1)[0].id == "cat"
    with pytest.raises(errors.ReadOnlyCollectionError):
        old.add(ids=["x"], texts=["nope"])
    assert "cat" not in docs.get().ids  # the live collection is untouched

    docs.restore(v_full)
    assert sorted(docs.get().ids) == ["bonds", "bread", "cat", "dog", "stocks"]
    assert docs.version > versions[-1].version  # restore is a new version
    with pytest.raises(errors.InvalidInputError, match="does not exist"):
        docs.checkout(10_000)


def test_a_checked_out_version_keeps_the_collections_settings(docs: vl.Collection) -> None:
    """checkout() once rebuilt the view with defaults: its exact-search budget was lost."""
    docs.exact_cache_bytes = 12_345
    docs.exact_cache_storage = "float16"
    docs.write_batch_size = 7
    docs.auto_optimize_rows = 99
    old = docs.checkout(docs.version)
    assert (old.exact_cache_bytes, old.exact_cache_storage) == (12_345, "float16")
    assert (old.write_batch_size, old.auto_optimize_rows) == (7, 99)
    assert old.read_only and not docs.read_only
