"""ColBERT-style late interaction: MaxSim over token embeddings of a sentence-transformers model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pyarrow as pa

from vecstore_lab.embedders.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder
from vecstore_lab.rerankers._base import with_scores

__all__ = ["ALIGNMENT_SCHEMA", "ColBERTReranker", "maxsim"]

ALIGNMENT_SCHEMA = pa.schema(
    [
        ("query_token", pa.string()),
        ("query_start", pa.int32()),
        ("query_end", pa.int32()),
        ("doc_token", pa.string()),
        ("doc_start", pa.int32()),
        ("doc_end", pa.int32()),
        ("similarity", pa.float64()),
    ]
)


def maxsim(query_tokens: np.ndarray, doc_tokens: np.ndarray) -> float:
    """``Σ_i max_j q_i · d_j`` for L2-normalised token matrices (ColBERT's late interaction)."""
    if len(query_tokens) == 0 or len(doc_tokens) == 0:
        return 0.0
    return float((query_tokens @ doc_tokens.T).max(axis=1).sum())


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        value = self.data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self.data.move_to_end(key)
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)


class ColBERTReranker:
    """Scores documents by MaxSim between query and document token embeddings.

    Works with any sentence-transformers model (the packaged all-MiniLM-L6-v2 by default): token
    vectors come from ``encode(..., output_value="token_embeddings")``, are L2-normalised, and
    ``[CLS]``/``[SEP]`` are dropped. A true ColBERT checkpoint scores better; this gives
    term-level matching from the model you already have. Token matrices of queries and
    documents are kept in LRU caches (``cache_size`` texts each), so re-ranking the same
    documents again costs only the matrix products.
    """

    name = "colbert"
    needs_vectors = False

    def __init__(
        self, model: str = DEFAULT_MODEL, *, batch_size: int = 32, cache_size: int = 10_000
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._encoder = SentenceTransformerEmbedder(model, batch_size=batch_size)
        self.query_cache = _LRU(cache_size)
        self.doc_cache = _LRU(cache_size)
        self._lock = threading.Lock()

    def config(self) -> dict[str, Any]:
        return {"model": self.model_name}

    def token_embeddings(self, texts: list[str], cache: _LRU | None = None) -> list[np.ndarray]:
        """Normalised token matrices, one ``(n_tokens, dim)`` array per text."""
        cache = cache or self.doc_cache
        with self._lock:
            found = [cache.get(t) for t in texts]
            todo = list(dict.fromkeys(t for t, f in zip(texts, found, strict=True) if f is None))
        if todo:
            model = self._encoder.model
            raw = model.encode(
                todo,
                output_value="token_embeddings",
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=False,
            )
            tokenizer = model.tokenizer
            special = tokenizer.cls_token_id is not None and tokenizer.sep_token_id is not None
            fresh = {}
            for text, tokens in zip(todo, raw, strict=True):
                m = tokens.detach().cpu().numpy().astype(np.float32)
                if special and len(m) > 2:
                    m = m[1:-1]
                norms = np.linalg.norm(m, axis=1, keepdims=True)
                fresh[text] = m / np.where(norms == 0, 1.0, norms)
            with self._lock:
                for text, m in fresh.items():
                    cache.put(text, m)
            found = [f if f is not None else fresh[t] for t, f in zip(texts, found, strict=True)]
        return [f for f in found if f is not None]

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        """MaxSim of ``query`` against each text."""
        q = self.token_embeddings([query], self.query_cache)[0]
        docs = self.token_embeddings(texts)
        return np.asarray([maxsim(q, d) for d in docs], dtype=np.float64)

    def _spans(self, text: str, n: int) -> list[tuple[int, int]]:
        """Character spans of the ``n`` token vectors ``token_embeddings`` gives for ``text``
        (the model's tokenizer, truncated as encode truncates, without [CLS]/[SEP])."""
        model = self._encoder.model
        tokenizer = model.tokenizer
        encoded = tokenizer(
            text,
            return_offsets_mapping=True,
            truncation=True,
            max_length=model.max_seq_length,
            add_special_tokens=True,
        )
        spans = [(int(a), int(b)) for a, b in encoded["offset_mapping"]]
        special = tokenizer.cls_token_id is not None and tokenizer.sep_token_id is not None
        if special and len(spans) > 2:
            spans = spans[1:-1]
        return spans[:n] + [(0, 0)] * max(0, n - len(spans))

    def alignment(self, query: str, text: str) -> pa.Table:
        """The MaxSim alignment: for each query token, the token of ``text`` it matched best
        and their similarity (its part of the score). Columns: ``query_token``,
        ``query_start``/``query_end``, ``doc_token``, ``doc_start``/``doc_end`` (character
        offsets), ``similarity``. The similarities sum to ``score(query, [text])``."""
        q = self.token_embeddings([query], self.query_cache)[0]
        d = self.token_embeddings([text])[0]
        q_spans, d_spans = self._spans(query, len(q)), self._spans(text, len(d))
        sims = q @ d.T if len(d) else np.zeros((len(q), 0), dtype=np.float32)
        best = sims.argmax(axis=1) if len(d) else np.zeros(len(q), dtype=np.int64)
        rows = []
        for i, (qa, qb) in enumerate(q_spans):
            j = int(best[i])
            da, db = d_spans[j] if len(d) else (0, 0)
            rows.append(
                {
                    "query_token": query[qa:qb],
                    "query_start": qa,
                    "query_end": qb,
                    "doc_token": text[da:db],
                    "doc_start": da,
                    "doc_end": db,
                    "similarity": float(sims[i, j]) if len(d) else 0.0,
                }
            )
        return pa.Table.from_pylist(rows, schema=ALIGNMENT_SCHEMA)

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        if hits.num_rows == 0:
            return with_scores(hits, [])
        texts = [t or "" for t in hits.column("text").to_pylist()]
        return with_scores(hits, self.score(query, texts))

    def __repr__(self) -> str:
        return f"ColBERTReranker(model={self.model_name!r})"
