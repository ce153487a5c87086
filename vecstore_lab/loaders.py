"""Read documents from files and folders: .txt, .md, .jsonl, .csv and .parquet.

Text files (.txt, .md) are one document each, with metadata ``source`` (the path relative to
the folder given) and, for Markdown, ``title`` (its first ``#`` heading). Table files (.jsonl,
.csv, .parquet) are one document per row: the ``text_field`` column is the text, ``id_field``
(or BEIR's ``_id``) the document id, every other column metadata, plus ``source``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.splitter import Document

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import pyarrow as pa

__all__ = ["SUPPORTED_SUFFIXES", "load_documents", "unsupported_files"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".jsonl", ".csv", ".parquet")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def unsupported_files(paths: str | Path | Iterable[str | Path]) -> dict[str, int]:
    """How many files in the folders of ``paths`` ``load_documents`` leaves out, by suffix
    (``"(none)"`` for files without one), most common first."""
    counts: dict[str, int] = {}
    for given in [paths] if isinstance(paths, (str, Path)) else paths:
        root = Path(given)
        if root.is_dir():
            for p in root.rglob("*"):
                if p.is_file() and p.suffix.lower() not in SUPPORTED_SUFFIXES:
                    key = p.suffix.lower() or "(none)"
                    counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def load_documents(
    paths: str | Path | Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
) -> list[Document]:
    """Every document in ``paths`` (files, or folders searched recursively for the supported
    suffixes, in sorted order). Ids are ``metadata["id"]``: the relative path for text files,
    the row's id for tables (``"<file stem>:<row number>"`` without one).

    Everything is read and checked before anything is returned, so a bad file fails the whole
    load with an ``InvalidInputError`` naming the file (and line or row) — nothing half-loaded
    reaches a collection.

    Examples:
        >>> notes = tmp_path / "notes"
        >>> notes.mkdir()
        >>> _ = (notes / "a.md").write_text("# Tides\\nThe moon pulls the sea.")
        >>> _ = (notes / "b.jsonl").write_text('{"id": "x", "text": "Bonds", "year": 2020}')
        >>> [(d.metadata["id"], d.metadata.get("title"), d.text) for d in load_documents(notes)]
        [('a.md', 'Tides', '# Tides\\nThe moon pulls the sea.'), ('x', None, 'Bonds')]
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    docs: list[Document] = []
    for given in paths:
        root = Path(given)
        if root.is_dir():
            files = sorted(
                p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not files:
                raise InvalidInputError(
                    f"{root}: no {', '.join(SUPPORTED_SUFFIXES)} files in this folder"
                )
            for f in files:
                docs.extend(_load_file(f, f.relative_to(root).as_posix(), text_field, id_field))
        elif root.is_file():
            docs.extend(_load_file(root, root.name, text_field, id_field))
        else:
            raise InvalidInputError(f"{root}: no such file or folder")
    seen: dict[str, str] = {}
    for doc in docs:
        doc_id, source = str(doc.metadata["id"]), str(doc.metadata["source"])
        if doc_id in seen:
            raise InvalidInputError(
                f"document id {doc_id!r} occurs twice (in {seen[doc_id]} and {source}); ids "
                "must be unique, as re-ingesting a document replaces it"
            )
        seen[doc_id] = source
    return docs


def _load_file(path: Path, source: str, text_field: str, id_field: str) -> list[Document]:
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        metadata: dict[str, Any] = {"id": source, "source": source}
        if suffix == ".md" and (m := _HEADING.search(text)):
            metadata["title"] = m.group(1)
        return [Document(text, metadata)]
    if suffix == ".jsonl":
        return list(_rows_to_docs(_jsonl_rows(path), path, source, text_field, id_field))
    if suffix in (".csv", ".parquet"):
        rows = _table(path).to_pylist()
        return list(_rows_to_docs(enumerate(rows, 1), path, source, text_field, id_field))
    raise InvalidInputError(
        f"{path}: unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc


def _table(path: Path) -> pa.Table:
    import pyarrow as pa

    try:
        if path.suffix.lower() == ".csv":
            from pyarrow import csv

            return csv.read_csv(path)
        import pyarrow.parquet as pq

        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInputError(f"{path}: cannot be read as {path.suffix[1:]}: {exc}") from exc


def _rows_to_docs(
    rows: Iterable[tuple[int, Any]], path: Path, source: str, text_field: str, id_field: str
) -> Iterator[Document]:
    where = "line" if path.suffix.lower() == ".jsonl" else "row"
    for number, row in rows:
        if not isinstance(row, dict):
            raise InvalidInputError(f"{path} {where} {number}: expected an object, got {row!r:.60}")
        text = row.get(text_field)
        if not isinstance(text, str):
            raise InvalidInputError(
                f"{path} {where} {number}: no string {text_field!r} field "
                f"(fields: {', '.join(map(str, row))}); choose one with text_field="
            )
        metadata = {k: v for k, v in row.items() if k not in (text_field, id_field, "_id")}
        doc_id = row.get(id_field, row.get("_id"))
        metadata["id"] = str(doc_id) if doc_id is not None else f"{path.stem}:{number}"
        metadata["source"] = source
        yield Document(text, metadata)
