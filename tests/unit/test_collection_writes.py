"""add / upsert / update / delete / get / count against real LanceDB on disk."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest
from helpers import snapshot

import vecstore_lab as vl
from vecstore_lab import errors

if TYPE_CHECKING:
    from pathlib import Path


def test_add_returns_ids_and_counts(docs: vl.Collection) -> None:
    assert len(docs) == 5
    assert docs.count() == 5
    assert docs.count(where={"topic": "pets"}) == 2


def test_auto_ids_are_unique_strings(db: vl.VecDatabase) -> None:
    c = db.create_collection("auto")
    ids = c.add(texts=["one thing", "another thing", "a third"])
    assert len(ids) == len(set(ids)) == 3
    assert all(isinstance(i, str) and i for i in ids)
    assert sorted(c.get().ids) == sorted(ids)


def test_get_by_ids_keeps_requested_order_and_skips_missing(docs: vl.Collection) -> None:
    got = docs.get(ids=["bread", "nope", "cat"])
    assert got.ids == ["bread", "cat"]
    assert got[0].text == "sourdough bread needs a lively starter"
    assert got[0].metadata["topic"] == "food"
    assert got[1].metadata["tags"] == ["animal", "home"]


def test_get_where_limit_offset(docs: vl.Collection) -> None:
    assert set(docs.get(where={"topic": "finance"}).ids) == {"stocks", "bonds"}
    all_ids = docs.get().ids
    assert docs.get(limit=2).ids == all_ids[:2]
    assert docs.get(limit=2, offset=2).ids == all_ids[2:4]
    assert docs.get(offset=4).ids == all_ids[4:]
    assert docs.peek(3).ids == all_ids[:3]


def test_get_include_vectors_and_select(docs: vl.Collection, embedder: vl.HashEmbedder) -> None:
    rec = docs.get(ids=["cat"], include_vectors=True)[0]
    assert rec.vector is not None
    np.testing.assert_allclose(rec.vector, embedder.embed_documents([rec.text or ""])[0])
    only = docs.get(ids=["cat"], select=["topic"])
    assert only.to_arrow().column_names == ["id", "topic"]
    with pytest.raises(errors.InvalidInputError, match="unknown field"):
        docs.get(select=["nope"])


def test_metadata_columns_are_typed_arrow_columns(docs: vl.Collection) -> None:
    schema = docs.schema
    assert schema.field("topic").type == pa.string()
    assert schema.field("year").type == pa.int64()
    assert schema.field("rating").type == pa.float64()
    assert schema.field("tags").type == pa.list_(pa.string())
    assert schema.field("vector").type == pa.list_(pa.float32(), 32)


def test_new_metadata_keys_extend_the_schema(docs: vl.Collection) -> None:
    when = dt.datetime(2024, 5, 1, 12, 30)
    docs.add(ids=["new"], texts=["brand new row"], metadatas=[{"published": when, "ok": True}])
    assert docs.schema.field("published").type == pa.timestamp("us")
    assert docs.schema.field("ok").type == pa.bool_()
    assert docs.get(ids=["new"])[0].metadata["published"] == when
    assert docs.get(ids=["cat"])[0].metadata["published"] is None


def test_int_values_fit_a_float_column(docs: vl.Collection) -> None:
    docs.add(ids=["intscore"], texts=["an integer score"], metadatas=[{"rating": 1}])
    assert docs.get(ids=["intscore"])[0].metadata["rating"] == 1.0
    assert docs.schema.field("rating").type == pa.float64()


def test_explicit_schema_is_honoured(db: vl.VecDatabase) -> None:
    schema = pa.schema([("category", pa.string()), ("rating", pa.float32())])
    c = db.create_collection("typed", schema=schema)
    c.add(ids=["a"], texts=["hello there"], metadatas=[{"category": "x", "rating": 2}])
    assert c.schema.field("rating").type == pa.float32()
    assert c.get()[0].metadata == {"category": "x", "rating": 2.0}


def test_large_batch_is_written_in_chunks_in_one_commit(tmp_path: Path) -> None:
    c = vl.connect(tmp_path).create_collection("big", dim=8)
    c.write_batch_size = 1000
    n = 12_345
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    before = c.version
    ids = c.add(
        ids=[f"r{i}" for i in range(n)], vectors=vectors, metadatas=[{"i": i} for i in range(n)]
    )
    assert len(ids) == n == len(c)
    assert c.version == before + 2  # add_columns for "i" + one data commit
    got = c.get(ids=["r12344"], include_vectors=True)[0]
    np.testing.assert_allclose(got.vector, vectors[-1])
    assert got.metadata["i"] == n - 1


def test_upsert_inserts_and_replaces_whole_rows(docs: vl.Collection) -> None:
    docs.upsert(
        ids=["cat", "fish"],
        texts=["the cat slept", "a fish swam"],
        metadatas=[{"topic": "sleep"}, {"topic": "pets", "year": 2024}],
    )
    assert len(docs) == 6
    cat = docs.get(ids=["cat"])[0]
    assert cat.text == "the cat slept"
    assert cat.metadata["topic"] == "sleep"
    assert cat.metadata["year"] is None  # upsert replaces the row, it does not merge
    assert docs.get(ids=["fish"])[0].metadata["year"] == 2024


def test_upsert_reembeds_changed_text(docs: vl.Collection, embedder: vl.HashEmbedder) -> None:
    docs.upsert(ids="cat", texts="completely different words")
    vec = docs.get(ids=["cat"], include_vectors=True)[0].vector
    np.testing.assert_allclose(vec, embedder.embed_documents(["completely different words"])[0])


def test_update_merges_metadata_and_keeps_other_fields(docs: vl.Collection) -> None:
    before = docs.get(ids=["dog"], include_vectors=True)[0]
    docs.update(ids=["dog"], metadatas=[{"year": 1999, "tags": None, "color": "brown"}])
    after = docs.get(ids=["dog"], include_vectors=True)[0]
    assert after.text == before.text
    np.testing.assert_allclose(after.vector, before.vector)
    assert after.metadata["year"] == 1999
    assert after.metadata["topic"] == "pets"
    assert after.metadata["tags"] is None
    assert after.metadata["color"] == "brown"
    assert len(docs) == 5


def test_update_text_reembeds(docs: vl.Collection, embedder: vl.HashEmbedder) -> None:
    docs.update(ids=["dog"], texts=["a puppy napping"])
    after = docs.get(ids=["dog"], include_vectors=True)[0]
    assert after.text == "a puppy napping"
    np.testing.assert_allclose(after.vector, embedder.embed_documents(["a puppy napping"])[0])
    assert after.metadata["topic"] == "pets"


def test_update_missing_id_changes_nothing(docs: vl.Collection) -> None:
    before = snapshot(docs)
    with pytest.raises(errors.IdNotFoundError) as info:
        docs.update(ids=["cat", "ghost"], metadatas=[{"year": 1}, {"year": 2}])
    assert info.value.ids == ["ghost"]
    assert snapshot(docs) == before


def test_delete_by_ids_and_where(docs: vl.Collection) -> None:
    assert docs.delete(ids=["cat", "ghost"]) == 1
    assert docs.delete(where={"topic": "finance"}) == 2
    assert sorted(docs.get().ids) == ["bread", "dog"]
    assert docs.delete(ids=["dog"], where={"topic": "food"}) == 0
    version = docs.version
    assert docs.delete(where="year > 3000") == 0
    assert docs.version == version  # nothing deleted, no new version
    with pytest.raises(errors.InvalidInputError, match="refusing"):
        docs.delete()


def test_vectors_only_collection_without_embedder(tmp_path: Path) -> None:
    db = vl.connect(tmp_path / "plain")
    c = db.create_collection("v", dim=3)
    c.add(ids=["a", "b"], vectors=[[1, 0, 0], [0, 1, 0]])
    assert c.get(ids=["a"])[0].text is None
    with pytest.raises(errors.EmbedderError, match="no embedder"):
        c.add(ids=["c"], texts=["needs an embedder"])
    assert c.query(vector=[0.9, 0.1, 0], k=1)[0].id == "a"


def test_single_values_are_accepted(db: vl.VecDatabase) -> None:
    c = db.create_collection("single")
    c.add(ids="one", texts="just one text", metadatas={"k": "v"})
    assert c.get()[0].metadata == {"k": "v"}


# --- every bad input raises a typed error and leaves rows and version untouched -----------

BAD_WRITES = [
    (
        "wrong vector length",
        dict(ids=["x"], texts=["t"], vectors=[[0.0] * 31]),
        errors.DimensionMismatchError,
    ),
    (
        "ragged vectors",
        dict(ids=["x", "y"], texts=["t", "u"], vectors=[[0.0] * 32, [0.0] * 5]),
        errors.DimensionMismatchError,
    ),
    (
        "NaN in vector",
        dict(ids=["x"], texts=["t"], vectors=[[float("nan")] + [0.0] * 31]),
        errors.InvalidVectorError,
    ),
    (
        "inf in vector",
        dict(ids=["x"], texts=["t"], vectors=[[float("inf")] + [0.0] * 31]),
        errors.InvalidVectorError,
    ),
    (
        "non-numeric vector",
        dict(ids=["x"], texts=["t"], vectors=[["a"] * 32]),
        errors.InvalidVectorError,
    ),
    ("empty text", dict(ids=["x"], texts=[""]), errors.InvalidTextError),
    ("whitespace text", dict(ids=["x"], texts=["   \n"]), errors.InvalidTextError),
    ("non-string text", dict(ids=["x"], texts=[42]), errors.InvalidTextError),
    ("None text", dict(ids=["x", "y"], texts=["ok", None]), errors.InvalidTextError),
    ("duplicate ids in batch", dict(ids=["x", "x"], texts=["a", "b"]), errors.DuplicateIdError),
    ("existing id", dict(ids=["new", "cat"], texts=["a", "b"]), errors.DuplicateIdError),
    ("empty id", dict(ids=[""], texts=["a"]), errors.InvalidIdError),
    ("non-string id", dict(ids=[7], texts=["a"]), errors.InvalidIdError),
    ("length mismatch", dict(ids=["x", "y"], texts=["a"]), errors.InvalidInputError),
    (
        "metadata type conflict",
        dict(ids=["x"], texts=["a"], metadatas=[{"year": "2020"}]),
        errors.MetadataTypeError,
    ),
    (
        "float into int column",
        dict(ids=["x"], texts=["a"], metadatas=[{"year": 2020.5}]),
        errors.MetadataTypeError,
    ),
    (
        "mixed types in batch",
        dict(ids=["x", "y"], texts=["a", "b"], metadatas=[{"fresh": 1}, {"fresh": "one"}]),
        errors.MetadataTypeError,
    ),
    (
        "nested metadata",
        dict(ids=["x"], texts=["a"], metadatas=[{"author": {"name": "A"}}]),
        errors.InvalidMetadataError,
    ),
    (
        "reserved key",
        dict(ids=["x"], texts=["a"], metadatas=[{"vector": 1}]),
        errors.InvalidMetadataError,
    ),
    ("bad key", dict(ids=["x"], texts=["a"], metadatas=[{"a b": 1}]), errors.InvalidMetadataError),
    (
        "metadata not a dict",
        dict(ids=["x"], texts=["a"], metadatas=["oops"]),
        errors.InvalidMetadataError,
    ),
    ("nothing to write", dict(), errors.InvalidInputError),
]


@pytest.mark.parametrize(("case", "kwargs", "error"), BAD_WRITES, ids=[c[0] for c in BAD_WRITES])
def test_bad_add_is_rejected_and_changes_nothing(
    docs: vl.Collection, case: str, kwargs: dict[str, object], error: type[Exception]
) -> None:
    before = snapshot(docs)
    with pytest.raises(error):
        docs.add(**kwargs)  # type: ignore[arg-type]
    assert snapshot(docs) == before, case


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(ids=["cat"], texts=[""]), errors.InvalidTextError),
        (dict(ids=["cat"], vectors=[[1.0] * 3]), errors.DimensionMismatchError),
        (dict(ids=["cat", "cat"], texts=["a", "b"]), errors.DuplicateIdError),
        (dict(ids=["cat"], texts=["a"], metadatas=[{"year": "x"}]), errors.MetadataTypeError),
    ],
)
def test_bad_upsert_and_update_change_nothing(
    docs: vl.Collection, kwargs: dict[str, object], error: type[Exception]
) -> None:
    before = snapshot(docs)
    with pytest.raises(error):
        docs.upsert(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(error):
        docs.update(**kwargs)  # type: ignore[arg-type]
    assert snapshot(docs) == before


def test_failing_embedder_changes_nothing(db: vl.VecDatabase, docs: vl.Collection) -> None:
    class Broken(vl.HashEmbedder):
        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            raise vl.EmbedderError("model crashed")

    broken = db.get_collection("docs", embedder=Broken(dim=32))
    before = snapshot(docs)
    with pytest.raises(vl.EmbedderError, match="crashed"):
        broken.add(ids=["x"], texts=["new text"], metadatas=[{"brand_new_key": 1}])
    assert snapshot(docs) == before
    assert "brand_new_key" not in docs.schema.names


def test_embedder_returning_wrong_dim_is_caught(db: vl.VecDatabase, docs: vl.Collection) -> None:
    class Liar(vl.HashEmbedder):
        @property
        def dim(self) -> int:
            return 32

    liar = Liar(dim=16)
    c = db.get_collection("docs", embedder=liar)
    before = snapshot(docs)
    with pytest.raises(errors.DimensionMismatchError):
        c.add(ids=["x"], texts=["some text"])
    assert snapshot(docs) == before


def test_duplicate_check_sees_other_handles_and_deletes(tmp_path: Path) -> None:
    """``add`` keeps the stored ids in memory between its own commits; a write through
    another handle (another process, in effect) or a delete makes it look again."""
    emb = vl.HashEmbedder(dim=8)
    mine = vl.connect(tmp_path, embedder=emb).create_collection("c")
    other = vl.connect(tmp_path, embedder=emb).get_collection("c")
    mine.add(ids=["a", "b"], texts=["one", "two"])
    mine.add(ids=["c"], texts=["three"])  # the ids are now held at this version
    other.add(ids=["d"], texts=["four"])
    with pytest.raises(errors.DuplicateIdError, match="'d'"):
        mine.add(ids=["e", "d"], texts=["five", "four again"])
    assert len(mine) == 4 and mine.get(ids=["e"]).ids == []
    with pytest.raises(errors.DuplicateIdError, match="'c'"):
        mine.add(ids=["c"], texts=["three again"])  # its own earlier commit
    other.delete(ids=["a"])
    mine.add(ids=["a"], texts=["one, again"])  # gone elsewhere: may be added anew
    mine.delete(ids=["b"])
    mine.add(ids=["b"], texts=["two, again"])
    assert sorted(mine.get().ids) == ["a", "b", "c", "d"]
    mine.upsert(ids=["f"], texts=["six"])
    with pytest.raises(errors.DuplicateIdError, match="'f'"):
        mine.add(ids=["f"], texts=["six again"])
