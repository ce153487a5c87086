"""Query terms as the full-text index sees them, to mark whole matching words in hits.

LanceDB's default FTS index (``lancedb.index.FTS()``) tokenizes text like this: split on every
character that is not a letter or digit, drop tokens over 40 characters, lower-case, fold to
ASCII, stem with Snowball's English stemmer, and drop the stems that are English stop words.
``stems`` does the same, under the collection's full-text settings (``_fulltext.FullText``:
language, stemming, stop words), so ``matching_words`` marks exactly the words that a BM25
query can match: "running" for a query "runs", never "the" inside "their" or "do" inside
"Sourdough".
``tests/unit/_render/test_terms.py`` checks the stop words and the stemming against a real
FTS index.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from vecstore_lab._search.fulltext import LEGACY, STOP_WORDS, FullText

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["STOP_WORDS", "matching_words", "stems", "word_terms"]

_WORD = re.compile(r"[^\W_]+")
_MAX_TOKEN = 40


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def _stem(word: str, settings: FullText = LEGACY) -> str | None:
    """The index term of one word, or None if the index drops it."""
    if len(word) > _MAX_TOKEN:
        return None
    token = word.lower() if settings.lower_case else word
    if settings.ascii_folding:
        token = _fold(token)
    stem = str(settings.stemmer()(token))
    stops = settings.stop_words()
    return None if stops is not None and stem in stops else stem


def stems(text: str, settings: FullText = LEGACY) -> set[str]:
    """The index terms of ``text`` under a collection's full-text ``settings``."""
    return {s for w in _WORD.findall(text) if (s := _stem(w, settings)) is not None}


def word_terms(text: str, settings: FullText = LEGACY) -> list[tuple[str, str, int]]:
    """Each word of ``text`` the index keeps, in order: ``(word, index term, offset)``."""
    return [
        (m.group(), s, m.start())
        for m in _WORD.finditer(text)
        if (s := _stem(m.group(), settings)) is not None
    ]


def matching_words(
    query: str, texts: Iterable[str | None], settings: FullText = LEGACY
) -> list[str]:
    """The distinct words of ``texts`` (lower-cased) whose index term is one of the query's:
    the whole words to mark in the hits, sorted."""
    wanted = stems(query, settings)
    if not wanted:
        return []
    found = {
        w.lower()
        for text in texts
        if text
        for w in _WORD.findall(text)
        if _stem(w, settings) in wanted
    }
    return sorted(found)
