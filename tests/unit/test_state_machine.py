"""A collection behaves like a plain Python dict of rows, whatever the sequence of writes.

Hypothesis drives add/upsert/update/delete/get/query with ordinary and hostile strings (quotes,
SQL wildcards, newlines, emoji, NUL, lone surrogates, names our results use) and checks every
step against a model: the rows, the typed errors, and that a rejected write changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import zlib
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import vecstore_lab as vl
from vecstore_lab import errors

DIM = 4
GOOD_IDS = ["a", "b", "ü", "a b", "x'y", 'q"z', "e\\f", "%_", "🙂", "score", "line\nbreak"]
BAD_IDS = ["", "a\x00b", "a\ud800"]
GOOD_TEXTS = ["plain text", "it's quoted", "50% off_", "naïve café", "emoji 🙂", "multi\nline"]
BAD_TEXTS = ["", "   ", "lone \udc00 surrogate"]
TAGS = ["x", "y", "'; DROP TABLE t; --", "a%b_c", "ü"]
BAD_TAGS = ["bad\ud800"]

ids_st = st.lists(st.sampled_from(GOOD_IDS), min_size=1, max_size=4, unique=True)
hostile_ids_st = st.lists(st.sampled_from(GOOD_IDS + BAD_IDS), min_size=1, max_size=4, unique=True)
meta_st = st.fixed_dictionaries(
    {},
    optional={
        "score": st.integers(-(2**63), 2**63 - 1),  # a name our results once took
        "rank": st.floats(allow_nan=False, allow_infinity=False, width=64),
        "tag": st.sampled_from(TAGS + BAD_TAGS),
    },
)


def vector(i: str, salt: int = 0) -> list[float]:
    rng = np.random.default_rng(zlib.crc32(i.encode("utf-8", "surrogatepass")) + salt)
    return [float(x) for x in rng.normal(size=DIM).astype(np.float32)]


def is_bad(ids: list[str], texts: list[str], metas: list[dict[str, Any]]) -> bool:
    return (
        any(i in BAD_IDS for i in ids)
        or any(t in BAD_TEXTS for t in texts)
        or any(m.get("tag") in BAD_TAGS for m in metas)
    )


def attempt(call: Any) -> errors.VecStoreError | None:
    """Run ``call``; the typed error it raised, if any (anything untyped fails the test)."""
    try:
        call()
    except errors.VecStoreError as exc:
        return exc
    return None


class CollectionModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="vecstore-sm-")
        self.c = vl.connect(self.dir, embedding_cache=False).create_collection("sm", dim=DIM)
        self.rows: dict[str, dict[str, Any]] = {}
        self.salt = 0

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _write(self, op: str, ids: list[str], data: st.DataObject) -> None:
        n = len(ids)
        texts = data.draw(st.lists(st.sampled_from(GOOD_TEXTS + BAD_TEXTS), min_size=n, max_size=n))
        metas = data.draw(st.lists(meta_st, min_size=n, max_size=n))
        self.salt += 1
        vecs = [vector(i, self.salt) for i in ids]
        before = self.c.version
        clash = sorted(i for i in ids if i in self.rows)
        bad = is_bad(ids, texts, metas)
        error = attempt(
            lambda: getattr(self.c, op)(ids=ids, texts=texts, vectors=vecs, metadatas=metas)
        )
        if bad or (op == "add" and clash):
            assert isinstance(error, errors.InvalidInputError), error
            if not bad:
                assert isinstance(error, errors.DuplicateIdError) and error.ids == clash
            assert self.c.version == before  # nothing was written
            return
        assert error is None, error
        for i, t, v, m in zip(ids, texts, vecs, metas, strict=True):
            self.rows[i] = {"text": t, "vector": v, "metadata": dict(m)}

    @rule(ids=hostile_ids_st, data=st.data())
    def add(self, ids: list[str], data: st.DataObject) -> None:
        self._write("add", ids, data)

    @rule(ids=hostile_ids_st, data=st.data())
    def upsert(self, ids: list[str], data: st.DataObject) -> None:
        self._write("upsert", ids, data)

    @rule(ids=ids_st, meta=meta_st)
    def update(self, ids: list[str], meta: dict[str, Any]) -> None:
        before = self.c.version
        missing = [i for i in ids if i not in self.rows]
        error = attempt(lambda: self.c.update(ids=ids, metadatas=[meta] * len(ids)))
        if meta.get("tag") in BAD_TAGS:  # input is checked before anything is read
            assert isinstance(error, errors.InvalidMetadataError), error
        elif missing:
            assert isinstance(error, errors.IdNotFoundError) and error.ids == missing
        else:
            assert error is None, error
            for i in ids:
                self.rows[i]["metadata"].update(meta)
            return
        assert self.c.version == before

    @rule(ids=ids_st)
    def delete(self, ids: list[str]) -> None:
        deleted = self.c.delete(ids=ids)
        assert deleted == sum(i in self.rows for i in ids)
        for i in ids:
            self.rows.pop(i, None)

    @rule(ids=ids_st)
    def get_by_id(self, ids: list[str]) -> None:
        got = self.c.get(ids=ids)
        assert got.ids == [i for i in ids if i in self.rows]

    @rule(data=st.data())
    def query_finds_every_row(self, data: st.DataObject) -> None:
        if not self.rows:
            return
        target = data.draw(st.sampled_from(sorted(self.rows)))
        res = self.c.query(vector=self.rows[target]["vector"], k=len(self.rows))
        assert sorted(res.ids) == sorted(self.rows)
        assert [h.rank for h in res] == list(range(1, len(self.rows) + 1))
        assert res.scores == sorted(res.scores, reverse=True)
        assert res.ids[0] == target  # its own vector: cosine similarity 1

    @invariant()
    def rows_equal_the_model(self) -> None:
        stored = {r.id: r for r in self.c.get(include_vectors=True)}
        assert sorted(stored) == sorted(self.rows)
        for i, want in self.rows.items():
            got = stored[i]
            assert got.text == want["text"]
            np.testing.assert_array_equal(got.vector, np.asarray(want["vector"], np.float32))
            have = {k: v for k, v in got.metadata.items() if v is not None}
            assert have == want["metadata"]


CollectionModel.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_collection_matches_a_dict_model = CollectionModel.TestCase
