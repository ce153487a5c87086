"""Small sample data shipped with the package (for the demo and tutorials)."""

from __future__ import annotations

import json
from importlib.resources import files

from vecstore_lab.splitter import Document

__all__ = ["load_sample_documents"]


def load_sample_documents() -> list[Document]:
    """Sixteen short articles on astronomy, cooking, finance, biology, computing and more.

    Each has metadata ``id``, ``title``, ``topic`` and ``year``. Written for vecstore-lab and
    dedicated to the public domain (CC0); see ``vecstore_lab/data/LICENSE.md``.
    """
    raw = files("vecstore_lab").joinpath("data/sample_docs.jsonl").read_text(encoding="utf-8")
    docs = []
    for line in raw.splitlines():
        if line.strip():
            row = json.loads(line)
            text = row.pop("text")
            docs.append(Document(text, row))
    return docs
