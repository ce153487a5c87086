"""``Reasons``: why each hit scored as it did, down to words and tokens.

``collection.query(...).why()`` (or ``why(collection, query, hits)``) explains hits three ways,
each as an Arrow table:

- ``terms``: each query term's part of the hit's BM25 score, as LanceDB computes it (the parts
  add up to its full-text score), with the hit's words that carry the term;
- ``sentences``: the hit's sentences nearest to the query, embedded with the collection's
  embedder (through its embedding cache);
- ``tokens``: with a ``ColBERTReranker``, the MaxSim alignment: for each query token the hit's
  token it matched and their similarity.

See ``_search/why.py`` for how.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._search.embedding import embed_query
from vecstore_lab._search.why import SENTENCE_SCHEMA, sentence_reasons, term_reasons
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.filters import Filter, compile_filter
from vecstore_lab.rerankers.colbert import ALIGNMENT_SCHEMA, ColBERTReranker

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from vecstore_lab._search.embedding import Embedded
    from vecstore_lab._search.fulltext import FullText
    from vecstore_lab._storage.store import Store
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.spec import QuerySpec


class Collection(Protocol):
    """What ``why`` needs of a collection (``vecstore_lab.Collection``, which imports this
    module: naming the protocol keeps the two free of an import cycle)."""

    @property
    def store(self) -> Store: ...
    @property
    def full_text(self) -> FullText: ...
    @property
    def embedder(self) -> Embedder | None: ...
    @property
    def dim(self) -> int: ...
    @property
    def distance(self) -> str: ...
    @property
    def schema(self) -> pa.Schema: ...
    def embed(self, texts: Sequence[str]) -> Embedded: ...


__all__ = ["Reasons", "explain_hits", "why"]

TOKEN_SCHEMA = pa.schema([pa.field("id", pa.string()), *ALIGNMENT_SCHEMA])


@dataclass(frozen=True)
class Reasons:
    """Why hits scored as they did (see the module docstring): ``terms``, ``sentences`` and
    ``tokens`` tables, each with the hit's ``id``."""

    query: str
    terms: pa.Table
    sentences: pa.Table
    tokens: pa.Table

    def for_hit(self, id: str) -> Reasons:
        """The reasons of one hit."""

        def one(t: pa.Table) -> pa.Table:
            return t.filter(pc.equal(t.column("id"), id))

        return Reasons(self.query, one(self.terms), one(self.sentences), one(self.tokens))

    def to_pandas(self) -> dict[str, pd.DataFrame]:
        return {
            "terms": self.terms.to_pandas(),
            "sentences": self.sentences.to_pandas(),
            "tokens": self.tokens.to_pandas(),
        }

    def summary(self, id: str) -> str:
        """One hit's reasons as plain text (what pages without a kernel show)."""
        mine = self.for_hit(id)
        lines = [f"why {id!r} for {self.query!r}:"]
        terms = [r for r in mine.terms.to_pylist() if r["contribution"] > 0]
        if terms:
            parts = ", ".join(
                f"{r['term']} {r['contribution']:.2f} ({r['share']:.0%}; "
                f"{'/'.join(r['words'])} x{r['tf']})"
                for r in sorted(terms, key=lambda r: -r["contribution"])
            )
            lines.append(f"  bm25: {parts}")
        best = mine.sentences.filter(pc.equal(mine.sentences.column("rank"), 1)).to_pylist()
        if best:
            lines.append(f"  nearest sentence ({best[0]['similarity']:.2f}): {best[0]['sentence']}")
        tokens = mine.tokens.to_pylist()
        if tokens:
            pairs = ", ".join(
                f"{r['query_token']}→{r['doc_token']} {r['similarity']:.2f}" for r in tokens
            )
            lines.append(f"  colbert: {pairs}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        ids = list(dict.fromkeys(self.sentences.column("id").to_pylist()))
        ids += [i for i in dict.fromkeys(self.terms.column("id").to_pylist()) if i not in ids]
        return "\n".join(self.summary(i) for i in ids) or f"Reasons({self.query!r}: no hits)"

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(repr(self))}</pre>"


def why(
    collection: Collection,
    query: str,
    hits: Sequence[tuple[str, str]],
    *,
    colbert: ColBERTReranker | None = None,
    where: Filter | None = None,
) -> Reasons:
    """Reasons for ``hits`` (``(id, text)`` pairs) of ``query`` in ``collection``: BM25
    terms, nearest sentences (when the collection has an embedder), and the ColBERT alignment
    (with ``colbert``). ``where`` is the query's filter, if it had one."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("why() needs the query text")
    if colbert is not None and not isinstance(colbert, ColBERTReranker):
        raise InvalidInputError(f"colbert= takes a ColBERTReranker, got {type(colbert).__name__}")
    compiled = compile_filter(where, collection.schema) if where is not None else None
    terms = term_reasons(collection.store, query, hits, collection.full_text, compiled)
    sentences = pa.Table.from_pylist([], schema=SENTENCE_SCHEMA)
    embedder = collection.embedder
    if embedder is not None:
        vector = embed_query(embedder, query, dim=collection.dim, distance=collection.distance)
        sentences = sentence_reasons(hits, vector, lambda t: collection.embed(t).vectors)
    rows: list[dict[str, Any]] = []
    if colbert is not None:
        for id, text in hits:
            rows += [{"id": id, **r} for r in colbert.alignment(query, text or "").to_pylist()]
    return Reasons(query, terms, sentences, pa.Table.from_pylist(rows, schema=TOKEN_SCHEMA))


def explain_hits(
    collection: Collection,
    spec: QuerySpec,
    hits: Sequence[tuple[str, str]],
    colbert: ColBERTReranker | None = None,
) -> Reasons:
    """``why`` for hits of ``spec`` (``QueryResults.why``): its ColBERT reranker, if it has one,
    aligns the tokens unless ``colbert`` is given."""
    if colbert is None and spec.rerank is not None and not isinstance(spec.rerank, dict):
        from vecstore_lab.rerankers import resolve_reranker

        reranker = resolve_reranker(spec.rerank)
        colbert = reranker if isinstance(reranker, ColBERTReranker) else None
    return why(collection, spec.text or "", hits, colbert=colbert, where=spec.where)
