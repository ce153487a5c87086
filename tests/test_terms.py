"""Marked query terms follow the full-text index: its stop words, its stemming, whole words."""

from __future__ import annotations

import re

import pytest

import vecstore_lab as vl
from vecstore_lab._terms import STOP_WORDS, matching_words, stems

CONTENT = ["moon", "tides", "running", "bread", "prices", "sourdough", "galaxy", "café"]


def vocabulary() -> list[str]:
    """Stop words, words whose stem is one ("doing", "others") or looks like one ("during",
    "above"), and a few hundred words of a real corpus."""
    ref = vl.load_python_reference()
    corpus = {
        w.lower()
        for d in list(ref.corpus.values())[:40]
        for w in re.findall(r"[A-Za-z]+", str(d.get("text", "")))
    }
    near = "doing having others mostly whats during above before because only very any would"
    extra = "could ought ourselves themselves why once does can will just now runs tide cafe"
    return sorted(STOP_WORDS | corpus | set(near.split()) | set(extra.split()) | set(CONTENT))


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    """One row per word (plus a filler word every row shares), under the default FTS index."""
    db = vl.connect(tmp_path_factory.mktemp("terms"), embedder=vl.HashEmbedder(dim=8))
    c = db.create_collection("words")
    vocab = vocabulary()
    c.add(ids=vocab, texts=[f"{w} zyzzyva" for w in vocab])
    return c


def fts_ids(c: vl.Collection, word: str) -> list[str]:
    return c.query(word, mode="text", k=50).ids


def test_the_index_drops_exactly_the_words_we_never_mark(words: vl.Collection) -> None:
    vocab = vocabulary()
    assert len(vocab) > 300
    dropped_by_index = {w for w in vocab if not fts_ids(words, w)}
    dropped_by_us = {w for w in vocab if not stems(w)}
    assert dropped_by_us == dropped_by_index
    assert {"the", "their", "do", "doing", "others"} <= dropped_by_us
    assert not {"during", "above", "sourdough", "moon"} & dropped_by_us


@pytest.mark.parametrize(
    ("query", "stored"),
    [("running", "runs"), ("tides", "tide"), ("café", "cafe"), ("moon", "moon")],
)
def test_stems_agree_with_the_index(words: vl.Collection, query: str, stored: str) -> None:
    assert stems(query) == stems(stored)
    assert stored in fts_ids(words, query)


def test_different_stems_do_not_match_in_the_index(words: vl.Collection) -> None:
    assert stems("generously") != stems("galaxy")
    assert "galaxy" not in fts_ids(words, "generously")


def test_whole_words_only_and_no_stop_words() -> None:
    texts = ["Sourdough is their thing to do.", "The runner keeps running; RUNS daily."]
    assert matching_words("the sourdough do", texts) == ["sourdough"]
    assert matching_words("run", texts) == ["running", "runs"]
    assert matching_words("the of and", texts) == []
    assert matching_words("Café", ["A cafe and a café"]) == ["cafe", "café"]
