"""Cross-encoder reranking with ``sentence_transformers.CrossEncoder``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.errors import EmbedderError, MissingDependencyError
from vecstore_lab.rerankers._base import with_scores

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CrossEncoderReranker"]

DEFAULT_MODEL = "cross-encoder/ms-marco-MiniLM-L-6-v2"


class CrossEncoderReranker:
    """Scores each (query, text) pair jointly with a cross-encoder; the best pairs go first.

    ``model`` is a Hugging Face name (``cross-encoder/ms-marco-MiniLM-L-6-v2``, the default,
    needs the hub or a local cache) or a local directory holding a sequence-classification
    model with one output, such as one saved by ``CrossEncoder.save``. ``_rerank_score`` is the
    model's raw output (a logit for MS MARCO models): only its order is meaningful.
    """

    name = "cross-encoder"
    needs_vectors = False

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 32,
        max_length: int | None = 512,
        device: str | None = None,
    ) -> None:
        self.model_name = str(model)
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def config(self) -> dict[str, Any]:
        return {"model": self.model_name, "max_length": self.max_length}

    @property
    def model(self) -> Any:
        """The loaded ``CrossEncoder`` (loads on first use)."""
        with self._lock:
            if self._model is None:
                from vecstore_lab.embedders.sentence_transformers import passive_threads

                passive_threads()
                try:
                    from sentence_transformers import CrossEncoder
                except ImportError as exc:
                    raise MissingDependencyError(
                        "CrossEncoderReranker needs sentence-transformers: "
                        "pip install 'vecstore-lab[sentence-transformers]'"
                    ) from exc
                from vecstore_lab.embedders.sentence_transformers import quiet_loading

                try:
                    with quiet_loading():
                        self._model = CrossEncoder(
                            self.model_name, device=self.device, max_length=self.max_length
                        )
                except Exception as exc:
                    raise EmbedderError(
                        f"could not load cross-encoder {self.model_name!r}: {exc}. Pass a local "
                        "model directory, or a hub name already in the Hugging Face cache."
                    ) from exc
            return self._model

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        """The model's score for each (query, text) pair."""
        if not texts:
            return np.zeros(0)
        out = self.model.predict(
            [(query, t) for t in texts],
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        scores = np.asarray(out, dtype=np.float64)
        return scores[:, -1] if scores.ndim == 2 else scores

    def rerank(
        self, query: str, hits: pa.Table, *, query_vector: np.ndarray | None = None
    ) -> pa.Table:
        texts = [t or "" for t in hits.column("text").to_pylist()] if hits.num_rows else []
        return with_scores(hits, self.score(query, texts))

    def __repr__(self) -> str:
        return f"CrossEncoderReranker(model={self.model_name!r})"
