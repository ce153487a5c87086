"""Small sample data shipped with the package (for the demo and tutorials)."""

from __future__ import annotations

import json
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from vecstore_lab.eval import load_beir
from vecstore_lab.splitter import Document

if TYPE_CHECKING:
    from vecstore_lab.eval import EvalSet

__all__ = ["load_python_reference", "load_sample_documents"]


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


def load_python_reference() -> EvalSet:
    """A small, real, labelled retrieval set: 75 topics of the Python 3.11 language and library
    reference (the text ``help("try")`` prints, PSF licence) with 45 hand-written questions and
    92 hand-made graded judgements (2 = answers it, 1 = helps).

    Examples:
        >>> data = load_python_reference()
        >>> len(data.corpus), len(data.queries), data.queries["q01"]
        (75, 45, 'how do I stop a loop early')
        >>> data.qrels["q01"]["break"], data.corpus["break"]["title"]
        (2, 'The "break" statement')

    Built by ``tools/build_python_reference.py``; sources and licences in
    ``vecstore_lab/data/python_reference/LICENSE.md``.
    """
    with as_file(files("vecstore_lab").joinpath("data/python_reference")) as path:
        return load_beir(path)
