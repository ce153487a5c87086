"""Why a hit scored as it did, down to words: each query term's share of the BM25 score, and
the sentences of a chunk nearest to the query.

**Full text.** LanceDB's BM25 score of a document is a sum over the query's terms
(``idf(term) * (k1 + 1)·tf / (tf + k1·(1 - b + b·len/avglen))``), with the statistics of the
rows the query's filter leaves. Each term's part is asked of LanceDB itself: the term alone, as
a full-text query under the same filter, read as deep as needed to reach every hit (a filter on
the hits' ids would change the statistics), so the parts are LanceDB's numbers and add up to
its score (``tests/unit/_search/test_why.py`` checks this on real text). The hit's words that
carry each term come from the index's own tokenizer rules (``_render.terms``).

**Vector.** A long chunk matched somewhere: it is split into sentences, each embedded with
the collection's embedder (through the embedding cache, so asking again costs nothing) and
scored against the query vector like the chunk was.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from vecstore_lab._render.terms import word_terms
from vecstore_lab._schema import ID, SCORE

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from vecstore_lab._search.fulltext import FullText
    from vecstore_lab._storage.store import Store

__all__ = ["SENTENCE_SCHEMA", "TERM_SCHEMA", "sentence_reasons", "sentences", "term_reasons"]

TERM_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("term", pa.string()),  # the index term (a stem)
        ("query_word", pa.string()),  # the query's word that gave it
        ("words", pa.list_(pa.string())),  # the hit's words that carry it
        ("tf", pa.int32()),  # how often the hit holds it
        ("contribution", pa.float64()),  # its part of the BM25 score
        ("share", pa.float64()),  # contribution / the hit's BM25 score
    ]
)
SENTENCE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("sentence", pa.string()),
        ("start", pa.int32()),  # character offsets in the hit's text
        ("end", pa.int32()),
        ("similarity", pa.float64()),
        ("rank", pa.int32()),  # 1 = nearest to the query
    ]
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*•\d])")


def term_reasons(
    store: Store,
    query: str,
    hits: Sequence[tuple[str, str]],
    settings: FullText,
    where: str | None = None,
) -> pa.Table:
    """Each query term's BM25 part for each ``(id, text)`` hit (0 where it is absent), under
    the query's own filter ``where`` (LanceDB computes BM25's statistics over the rows a
    prefilter leaves, so the parts are asked under the same one)."""
    terms: dict[str, str] = {}
    times: Counter[str] = Counter()  # LanceDB counts a term as often as the query holds it
    for word, term, _ in word_terms(query, settings):
        terms.setdefault(term, word)
        times[term] += 1
    ids = [i for i, _ in hits]
    rows: list[dict[str, object]] = []
    if not terms or not ids:
        return pa.Table.from_pylist(rows, schema=TERM_SCHEMA)
    parts = {term: _term_scores(store, word, set(ids), where) for term, word in terms.items()}
    for id, text in hits:
        found = word_terms(text or "", settings)
        tf = Counter(term for _, term, _ in found)
        total = sum(times[t] * parts[t].get(id, 0.0) for t in terms)
        for term, word in terms.items():
            contribution = times[term] * float(parts[term].get(id, 0.0))
            rows.append(
                {
                    "id": id,
                    "term": term,
                    "query_word": word,
                    "words": sorted({w.lower() for w, t, _ in found if t == term}),
                    "tf": tf.get(term, 0),
                    "contribution": contribution,
                    "share": contribution / total if total > 0 else 0.0,
                }
            )
    return pa.Table.from_pylist(rows, schema=TERM_SCHEMA)


def _term_scores(store: Store, word: str, ids: set[str], where: str | None) -> dict[str, float]:
    """LanceDB's BM25 score of the one-word query ``word`` for each of ``ids`` that holds it:
    the word alone, searched deeper until every id is found or no match is left."""
    limit = max(64, 4 * len(ids))
    while True:
        got = store.text_matches(word, limit=limit, where=where, columns=[ID])
        scores = dict(zip(got.column(ID).to_pylist(), got.column(SCORE).to_pylist(), strict=True))
        if ids <= scores.keys() or got.num_rows < limit:
            return {i: float(scores[i]) for i in ids if i in scores}
        limit *= 8


def sentences(text: str) -> list[tuple[str, int, int]]:
    """``text`` split into sentences (and list items, paragraphs): ``(sentence, start, end)``."""
    out, start = [], 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append((piece.strip(), start + lead, start + lead + len(piece.strip())))
        if m is not None:
            start = m.end()
    return out


def sentence_reasons(
    hits: Sequence[tuple[str, str]],
    query_vector: npt.NDArray[np.float32],
    embed: Callable[[list[str]], npt.NDArray[np.float32]],
) -> pa.Table:
    """Each sentence of each hit with its cosine similarity to the query, nearest first."""
    rows: list[dict[str, object]] = []
    q = np.asarray(query_vector, dtype=np.float32)
    q = q / (np.linalg.norm(q) or 1.0)
    for id, text in hits:
        parts = sentences(text or "")
        if not parts:
            continue
        vectors = np.asarray(embed([p for p, _, _ in parts]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1)
        sims = vectors @ q / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-sims, kind="stable")
        for rank, i in enumerate(order, start=1):
            sentence, start, end = parts[int(i)]
            rows.append(
                {
                    "id": id,
                    "sentence": sentence,
                    "start": start,
                    "end": end,
                    "similarity": float(sims[int(i)]),
                    "rank": rank,
                }
            )
    return pa.Table.from_pylist(rows, schema=SENTENCE_SCHEMA)
