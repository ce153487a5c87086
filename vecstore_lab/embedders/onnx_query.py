"""A query encoder on ONNX Runtime for a loaded sentence-transformers model, checked against it.

One short query through torch costs 15-25 ms on two cores, most of it torch's per-operation
overhead rather than arithmetic; ONNX Runtime runs the same graph with far less of it. The
sentence-transformers model itself still embeds documents (torch is as fast for batches), so
the query side must agree with it:

* **Built from the model you loaded.** Its transformer is exported with ``torch.onnx``
  (``"onnx"``: float32), and for ``"onnx-int8"`` its weights are quantised by ONNX Runtime's
  dynamic quantisation, one scale per output channel. The file is cached under
  ``$XDG_CACHE_HOME/vecstore-lab/onnx/``, named by a hash of the model's files, the versions
  and ``EXPORT`` (how it is exported), so a new kernel only loads it.
* **One text at a time.** A query is one text, so it is never padded; the export traces
  exactly that (the model's padding-mask branches become constants).
* **The same pooling.** Token vectors are mean- or CLS-pooled as the model's Pooling module
  says, then L2-normalised when the embedder normalises; the prompt is prepended as
  sentence-transformers does. Any other pooling is refused (the torch path stays).
* **Kept honest.** Before first use, ``PROBES`` (short questions and phrases of several
  lengths) are embedded both ways. Below ``min_cosine`` agreement the encoder is not used, and
  ``report`` says why; otherwise ``report`` gives the lowest and mean cosine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab.errors import EmbedderError, MissingDependencyError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["BACKENDS", "PROBES", "OnnxQueryEncoder"]

BACKENDS = ("torch", "onnx", "onnx-int8")
EXPORT = "opset17-traced-1-text/int8-per-channel"  # changes when the export does

PROBES = (
    "how do I read a file line by line",
    "What is the difference between a list and a tuple?",
    "sort a dictionary by value",
    "async",
    "Why does my generator stop after the first loop over it, and how can I restart it?",
    "decorators with arguments",
    "How are default argument values evaluated when a function is defined?",
    "regular expression to match an email address",
    "the global interpreter lock and threads",
    "convert a string to a datetime with a time zone",
    "unicode normalisation",
    "What happens when an exception is raised inside a finally block?",
)


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "vecstore-lab" / "onnx"


def _fingerprint(model_dir: str, backend: str, versions: tuple[str, ...]) -> str:
    """A hash of the model's files (names, sizes, times) and the export settings."""
    digest = hashlib.sha256("|".join((backend, *versions)).encode())
    root = Path(model_dir)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    if not files:
        digest.update(model_dir.encode())
    return digest.hexdigest()[:20]


class OnnxQueryEncoder:
    """Queries of one loaded ``SentenceTransformer`` through ONNX Runtime (see the module
    docstring). ``encode`` returns one float32 vector."""

    def __init__(
        self,
        model: Any,
        model_dir: str,
        *,
        backend: str = "onnx-int8",
        normalize: bool = True,
        threads: int = 1,
    ) -> None:
        if backend not in BACKENDS[1:]:
            raise EmbedderError(f"an ONNX query backend is one of {BACKENDS[1:]}, got {backend!r}")
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingDependencyError(
                "query_backend='onnx' needs ONNX Runtime: pip install 'vecstore-lab[onnx]'"
            ) from exc
        self.model, self.backend, self.normalize = model, backend, normalize
        self.tokenizer = model.tokenizer
        self.max_length = int(getattr(model, "max_seq_length", None) or 512)
        self.pooling = self._pooling(model)
        import torch

        versions = (EXPORT, torch.__version__, ort.__version__, str(self.max_length))
        self.path = cache_dir() / f"{_fingerprint(model_dir, backend, versions)}.onnx"
        if not self.path.exists():
            self._export()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # one short query: threads cost more than they give
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            os.fspath(self.path), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    @staticmethod
    def _pooling(model: Any) -> str:
        """``"mean"`` or ``"cls"``, from the model's Pooling module."""
        for module in model:
            if type(module).__name__ != "Pooling":
                continue
            legacy = getattr(module, "get_pooling_mode_str", None)  # sentence-transformers < 6
            found = str(legacy() if legacy is not None else getattr(module, "pooling_mode", ""))
            if found in ("mean", "cls"):
                return found
            raise EmbedderError(f"the ONNX query encoder pools mean or cls, not {found!r}")
        raise EmbedderError("the model has no Pooling module to follow")

    def _export(self) -> None:
        """Export the transformer (and quantise it for ``onnx-int8``) to ``self.path``."""
        import torch

        transformer = self.model[0].auto_model
        sample = self.tokenizer(["an example query"], return_tensors="pt")
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

        class Tokens(torch.nn.Module):  # type: ignore[misc]
            """The transformer with its inputs by name, returning the token vectors only
            (the tracer passes inputs by position)."""

            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, *inputs: Any) -> Any:
                return self.transformer(**dict(zip(names, inputs, strict=True)))[0]

        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        raw = self.path.with_suffix(f".{os.getpid()}.f32.onnx")
        was_training = transformer.training
        transformer.eval()
        try:
            with torch.no_grad(), warnings.catch_warnings():
                # The TorchScript exporter: it needs no extra package and takes dynamic axes.
                # Its tracer warns that Python branches on tensors become constants: they are
                # the padding-mask shortcuts, and a query is one text with no padding, which
                # is what the trace sees and what the agreement check measures.
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    Tokens(),
                    tuple(sample[n] for n in names),
                    os.fspath(raw),
                    input_names=names,
                    output_names=["last_hidden_state"],
                    dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "tokens"}},
                    opset_version=17,
                    dynamo=False,
                )
            if self.backend == "onnx-int8":
                from onnxruntime.quantization import (
                    QuantType,
                    quantize_dynamic,
                )

                out = self.path.with_suffix(f".{os.getpid()}.i8.onnx")
                # per channel: one scale per output column. One scale per tensor gave MiniLM a
                # lowest probe cosine of 0.958 (refused); per channel 0.992
                logging.disable(logging.WARNING)  # its advice to pre-process, on the root logger
                try:
                    quantize_dynamic(
                        os.fspath(raw),
                        os.fspath(out),
                        weight_type=QuantType.QInt8,
                        per_channel=True,
                    )
                finally:
                    logging.disable(logging.NOTSET)
                raw.unlink()
                raw = out
            raw.replace(self.path)  # whole or not at all: another kernel may read it
        finally:
            transformer.train(was_training)
            for stale in self.path.parent.glob(f"{self.path.stem}.{os.getpid()}.*"):
                stale.unlink(missing_ok=True)

    def encode(self, text: str) -> npt.NDArray[np.float32]:
        """One text (its prompt already prepended) as a float32 vector."""
        batch = self.tokenizer(
            [text], return_tensors="np", truncation=True, max_length=self.max_length
        )
        feeds = {name: np.asarray(batch[name], dtype=np.int64) for name in self.inputs}
        tokens = self.session.run(None, feeds)[0][0]  # (tokens, dim)
        if self.pooling == "cls":
            vector = tokens[0]
        else:
            mask = feeds["attention_mask"][0].astype(np.float32)
            vector = (tokens * mask[:, None]).sum(axis=0) / max(float(mask.sum()), 1e-9)
        out: npt.NDArray[np.float32] = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(out))
        return out / np.float32(norm) if self.normalize and norm > 0 else out

    def agreement(
        self, reference: Any, texts: tuple[str, ...] = PROBES, *, prefix: str = ""
    ) -> dict[str, float]:
        """Cosine between this encoder's vectors of ``prefix + text`` and ``reference(texts)``
        (the torch model's, which prepends the prompt itself): the lowest and the mean."""
        ours = np.stack([self.encode(prefix + t) for t in texts])
        theirs = np.asarray(reference(list(texts)), dtype=np.float32)
        ours /= np.linalg.norm(ours, axis=1, keepdims=True)
        theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
        cos = (ours * theirs).sum(axis=1)
        return {"min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}
