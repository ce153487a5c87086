"""``RecursiveCharacterTextSplitter`` with the semantics users know from LangChain."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vecstore_lab.errors import InvalidInputError, InvalidTextError

__all__ = ["Document", "RecursiveCharacterTextSplitter"]

DEFAULT_SEPARATORS = ("\n\n", "\n", " ", "")
KeepSeparator = bool | Literal["start", "end"]


@dataclass
class Document:
    """A piece of text with its metadata (the unit splitters and ``add_documents`` use)."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _split_with_regex(text: str, separator: str, keep: KeepSeparator) -> list[str]:
    if not separator:
        return [c for c in text if c]
    if not keep:
        return [s for s in re.split(separator, text) if s]
    parts = re.split(f"({separator})", text)
    if keep == "end":
        splits = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2 == 1:
            splits.append(parts[-1])
    else:  # True / "start": the separator begins the following piece
        splits = [parts[0]] + [parts[i] + parts[i + 1] for i in range(1, len(parts) - 1, 2)]
    return [s for s in splits if s]


class RecursiveCharacterTextSplitter:
    """Split text into chunks of at most ``chunk_size`` (as measured by ``length_function``).

    It tries ``separators`` in order (default paragraph, line, word, character), splits on
    the first one present, merges the pieces back into chunks up to ``chunk_size`` with up
    to ``chunk_overlap`` of shared text between neighbours, and recurses with the next
    separator into any piece that is still too long. Same algorithm and defaults for
    ``keep_separator`` (``True`` = the separator starts the next piece) and whitespace
    stripping as LangChain's splitter of the same name, whose output it reproduces.

    Examples:
        >>> s = RecursiveCharacterTextSplitter(chunk_size=12, chunk_overlap=4)
        >>> s.split_text("one two three four five")
        ['one two', 'two three', 'four five']
    """

    def __init__(
        self,
        chunk_size: int = 1000,
        chunk_overlap: int = 200,
        separators: Sequence[str] | None = None,
        keep_separator: KeepSeparator = True,
        length_function: Callable[[str], int] = len,
        *,
        is_separator_regex: bool = False,
        strip_whitespace: bool = True,
    ) -> None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
            raise InvalidInputError(f"chunk_size must be a positive int, got {chunk_size!r}")
        if (
            isinstance(chunk_overlap, bool)
            or not isinstance(chunk_overlap, int)
            or not 0 <= chunk_overlap < chunk_size
        ):
            raise InvalidInputError(
                f"chunk_overlap must be an int with 0 <= chunk_overlap < chunk_size "
                f"({chunk_size}), got {chunk_overlap!r}"
            )
        if keep_separator not in (True, False, "start", "end"):
            raise InvalidInputError(
                f"keep_separator must be True, False, 'start' or 'end', got {keep_separator!r}"
            )
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.separators = list(separators) if separators is not None else list(DEFAULT_SEPARATORS)
        if not self.separators:
            raise InvalidInputError("separators must not be empty")
        self.keep_separator = keep_separator
        self.length_function = length_function
        self.is_separator_regex = is_separator_regex
        self.strip_whitespace = strip_whitespace

    # -- constructors measuring in tokens ---------------------------------------------
    @classmethod
    def from_embedder(cls, embedder: Any, **kwargs: Any) -> RecursiveCharacterTextSplitter:
        """Measure length in the embedder's tokens (its ``count_tokens`` method).

        ``chunk_size``/``chunk_overlap`` are then token counts: keep ``chunk_size`` within
        the model's input limit (256 word pieces for all-MiniLM-L6-v2).
        """
        count = getattr(embedder, "count_tokens", None)
        if count is None:
            raise InvalidInputError(
                f"embedder {getattr(embedder, 'name', embedder)!r} cannot count tokens "
                "(no count_tokens method); pass length_function= instead"
            )
        return cls(length_function=lambda text: int(count([text])[0]), **kwargs)

    @classmethod
    def from_huggingface_tokenizer(
        cls, tokenizer: Any, **kwargs: Any
    ) -> RecursiveCharacterTextSplitter:
        """Measure length in a Hugging Face tokenizer's tokens (no special tokens)."""
        return cls(
            length_function=lambda text: len(tokenizer.encode(text, add_special_tokens=False)),
            **kwargs,
        )

    # -- splitting --------------------------------------------------------------------
    def split_text(self, text: str) -> list[str]:
        """Split one text into chunks."""
        if not isinstance(text, str):
            raise InvalidTextError(f"split_text needs a str, got {type(text).__name__}")
        return self._split(text, self.separators)

    def _join(self, pieces: list[str], separator: str) -> str | None:
        text = separator.join(pieces)
        if self.strip_whitespace:
            text = text.strip()
        return text or None

    def _merge(self, splits: Iterable[str], separator: str) -> list[str]:
        sep_len = self.length_function(separator)
        chunks: list[str] = []
        current: list[str] = []
        total = 0
        for piece in splits:
            n = self.length_function(piece)
            if total + n + (sep_len if current else 0) > self.chunk_size and current:
                chunk = self._join(current, separator)
                if chunk is not None:
                    chunks.append(chunk)
                # Drop pieces from the front until what remains fits in the overlap
                # and leaves room for the next piece.
                while total > self.chunk_overlap or (
                    total + n + (sep_len if current else 0) > self.chunk_size and total > 0
                ):
                    total -= self.length_function(current[0]) + (sep_len if len(current) > 1 else 0)
                    current = current[1:]
            current.append(piece)
            total += n + (sep_len if len(current) > 1 else 0)
        chunk = self._join(current, separator)
        if chunk is not None:
            chunks.append(chunk)
        return chunks

    def _split(self, text: str, separators: list[str]) -> list[str]:
        separator = separators[-1]
        remaining: list[str] = []
        for i, sep in enumerate(separators):
            pattern = sep if self.is_separator_regex else re.escape(sep)
            if sep == "":
                separator = sep
                break
            if re.search(pattern, text):
                separator = sep
                remaining = separators[i + 1 :]
                break
        pattern = separator if self.is_separator_regex else re.escape(separator)
        splits = _split_with_regex(text, pattern, self.keep_separator)
        joiner = "" if self.keep_separator else separator
        chunks: list[str] = []
        good: list[str] = []
        for piece in splits:
            if self.length_function(piece) < self.chunk_size:
                good.append(piece)
                continue
            if good:
                chunks.extend(self._merge(good, joiner))
                good = []
            if remaining:
                chunks.extend(self._split(piece, remaining))
            else:
                chunks.append(piece)
        if good:
            chunks.extend(self._merge(good, joiner))
        return chunks

    def split_documents(
        self, documents: Iterable[Document | str | Mapping[str, Any]]
    ) -> list[Document]:
        """Split documents; each chunk keeps its document's metadata plus ``chunk_index``
        (0-based within the document) and ``start_index`` (character offset of the chunk in
        the document's text, found by searching forward from the previous chunk)."""
        out: list[Document] = []
        for doc_no, doc in enumerate(documents):
            text, metadata = as_document(doc, doc_no)
            offset = 0
            previous_len = 0
            for chunk_index, chunk in enumerate(self.split_text(text)):
                start = text.find(chunk, max(0, offset + previous_len - self.chunk_overlap))
                if start < 0:  # stripped or regex-joined chunks: fall back to a full search
                    start = text.find(chunk)
                offset, previous_len = max(start, 0), len(chunk)
                out.append(
                    Document(
                        chunk,
                        {**metadata, "chunk_index": chunk_index, "start_index": start},
                    )
                )
        return out


def as_document(
    doc: Document | str | Mapping[str, Any], position: int
) -> tuple[str, dict[str, Any]]:
    """Text and a copy of the metadata of a Document, a plain string, or a ``{"text", ...}``
    dict (its ``metadata`` key, or else its other keys, become the metadata)."""
    if isinstance(doc, Document):
        text, metadata = doc.text, dict(doc.metadata)
    elif isinstance(doc, str):
        text, metadata = doc, {}
    elif isinstance(doc, Mapping) and "text" in doc:
        text = doc["text"]
        if "metadata" in doc:
            metadata = dict(doc["metadata"] or {})
        else:
            metadata = {k: v for k, v in doc.items() if k != "text"}
    else:
        raise InvalidInputError(
            f"document at position {position} must be a Document, a str or a dict with "
            f"'text', got {type(doc).__name__}"
        )
    if not isinstance(text, str):
        raise InvalidTextError(f"document at position {position} has non-string text")
    return text, metadata
