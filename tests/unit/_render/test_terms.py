"""Marked query terms follow the full-text index: its stop words, its stemming, whole words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import vecstore_lab as vl
from vecstore_lab._render.terms import STOP_WORDS, matching_words, stems

CONTENT = ["moon", "tides", "running", "bread", "prices", "sourdough", "galaxy", "café"]


def vocabulary() -> list[str]:
    """Stop words, words whose stem is one ("doing", "others") or looks like one ("during",
    "above"), and a few hundred words of a real corpus."""
    ref = vl.load_python_reference()
    corpus = {
        w.lower()
        for d in list(ref.corpus.values())[:5]
        for w in re.findall(r"[A-Za-z]+", str(d.get("text", "")))
    }
    near = "doing having others mostly whats during above before because only very any would"
    extra = "could ought ourselves themselves why once does can will just now runs tide cafe"
    return sorted(STOP_WORDS | corpus | set(near.split()) | set(extra.split()) | set(CONTENT))


@pytest.fixture(scope="module", params=["default", "legacy"])
def words(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> vl.Collection:
    """One row per word (plus a filler word every row shares), under a collection's FTS index:
    today's default, and the one collections made before the full-text setting have."""
    db = vl.connect(tmp_path_factory.mktemp("terms"), embedder=vl.HashEmbedder(dim=8))
    legacy = {"stemmed_stop_words": False} if request.param == "legacy" else None
    c = db.create_collection("words", full_text=legacy)
    vocab = vocabulary()
    c.add(ids=vocab, texts=[f"{w} zyzzyva" for w in vocab])
    return c


def fts_ids(c: vl.Collection, word: str) -> list[str]:
    return c.query(word, mode="text", k=50).ids


def test_the_index_drops_exactly_the_words_we_never_mark(words: vl.Collection) -> None:
    vocab = vocabulary()
    assert len(vocab) > 300
    if not words.full_text.stemmed_stop_words:  # the older list: its stop words and kin only
        vocab = sorted(
            STOP_WORDS
            | {"why", "during", "above", "only", "very", "because"}
            | {"once", "doing", "others", "moon", "sourdough"}
        )
    dropped_by_index = {w for w in vocab if not fts_ids(words, w)}
    dropped_by_us = {w for w in vocab if not stems(w, words.full_text)}
    assert dropped_by_us == dropped_by_index
    assert {"the", "their", "do", "doing", "others"} <= dropped_by_us
    assert not {"sourdough", "moon"} & dropped_by_us
    # Stop words whose stem differs ("why" -> "whi"): kept by LanceDB's own list, dropped by
    # the default now, as their stems are listed too.
    differ = {"why", "during", "above", "only", "very", "because", "once"}
    if words.full_text.stemmed_stop_words:
        assert differ <= dropped_by_us
    else:
        assert not differ & dropped_by_us


def test_a_question_word_no_longer_matches_every_text(tmp_path: Path) -> None:
    """The panel's "why are there tides" ranked an article on index funds #2 on full text alone,
    for its "which is why": "why" stems to "whi", which LanceDB's stop list lacked."""
    texts = ["the moon raises the tides", "which is why investors buy index funds"]
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=8))
    old = db.create_collection("old", full_text={"stemmed_stop_words": False})
    new = db.create_collection("new")
    for c in (old, new):
        c.add(ids=["tides", "funds"], texts=texts)
    assert old.query("why are there tides", mode="text", k=5).ids == ["tides", "funds"]
    assert new.query("why are there tides", mode="text", k=5).ids == ["tides"]
    assert new.query("why are there tides", mode="text", k=5).full_text == new.full_text
    shown = new.stats()["full_text"]
    assert shown["language"] == "English" and shown["stem"] and shown["remove_stop_words"]
    assert shown["summary"] == "English; stemmed; stop words removed (and their stems)"
    # Settings are the collection's: stored, and read back by a new connection.
    french = db.create_collection("fr", full_text={"language": "French", "stem": False})
    again = vl.connect(tmp_path).get_collection("fr")
    assert again.full_text.language == "French" and not again.full_text.stem
    assert french.stats()["full_text"]["summary"] == "French; not stemmed; stop words removed"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"language": "Klingon"}, "Klingon"),
        ({"stemming": True}, "unknown settings"),
        ({"stem": "yes"}, "stem must be True or False"),
        ("English", "must be a dict"),
    ],
)
def test_bad_full_text_settings_are_refused(tmp_path: Path, settings: object, message: str) -> None:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=8))
    with pytest.raises(vl.errors.InvalidInputError, match=message):
        db.create_collection("c", full_text=settings)  # type: ignore[arg-type]
    assert "c" not in db.list_collections()


@pytest.mark.parametrize(
    ("query", "stored"),
    [("running", "runs"), ("tides", "tide"), ("café", "cafe"), ("moon", "moon")],
)
def test_stems_agree_with_the_index(words: vl.Collection, query: str, stored: str) -> None:
    assert stems(query, words.full_text) == stems(stored, words.full_text)
    assert stored in fts_ids(words, query)


def test_different_stems_do_not_match_in_the_index(words: vl.Collection) -> None:
    assert stems("generously", words.full_text) != stems("galaxy", words.full_text)
    assert "galaxy" not in fts_ids(words, "generously")


def test_whole_words_only_and_no_stop_words() -> None:
    texts = ["Sourdough is their thing to do.", "The runner keeps running; RUNS daily."]
    assert matching_words("the sourdough do", texts) == ["sourdough"]
    assert matching_words("run", texts) == ["running", "runs"]
    assert matching_words("the of and", texts) == []
    assert matching_words("Café", ["A cafe and a café"]) == ["cafe", "café"]
