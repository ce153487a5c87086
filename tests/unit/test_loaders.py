"""Reading documents from .txt/.md/.jsonl/.csv/.parquet files and folders."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.loaders import load_documents

if TYPE_CHECKING:
    from pathlib import Path


def make_folder(root: Path) -> Path:
    docs = root / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "tides.md").write_text("Intro line\n\n# Why the Moon makes tides #\n\nTwo bulges.\n")
    (docs / "sub" / "bonds.txt").write_text("Bond prices fall when rates rise.")
    (docs / "rows.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Sourdough rises", "year": 2022})
        + "\n\n"
        + json.dumps({"_id": "j2", "text": "Vaccines train immunity", "title": "Vaccines"})
        + "\n"
    )
    (docs / "table.csv").write_text("id,text,year\nc1,Transits find planets,2021\n")
    pq.write_table(
        pa.table({"text": ["Gut microbes"], "year": [2018], "lang": ["en"]}), docs / "p.parquet"
    )
    (docs / "ignored.bin").write_bytes(b"\x00\x01")
    return docs


def test_folder_of_every_supported_type(tmp_path: Path) -> None:
    docs = load_documents(make_folder(tmp_path))
    by_id = {d.metadata["id"]: d for d in docs}
    # Sorted by path; the .bin file is not a supported type and is skipped in a folder.
    assert [d.metadata["source"] for d in docs] == [
        "p.parquet",
        "rows.jsonl",
        "rows.jsonl",
        "sub/bonds.txt",
        "table.csv",
        "tides.md",
    ]
    assert by_id["tides.md"].metadata["title"] == "Why the Moon makes tides"
    assert by_id["sub/bonds.txt"].text == "Bond prices fall when rates rise."
    assert by_id["j1"].metadata == {"id": "j1", "year": 2022, "source": "rows.jsonl"}
    assert by_id["j2"].metadata["title"] == "Vaccines"  # BEIR's _id is an id too
    assert by_id["c1"].metadata["year"] == 2021 and by_id["c1"].text == "Transits find planets"
    # A parquet file without an id column: ids from the file and row.
    assert by_id["p:1"].text == "Gut microbes" and by_id["p:1"].metadata["lang"] == "en"
    # Another text column.
    pq.write_table(pa.table({"body": ["Tides"], "n": [1]}), tmp_path / "body.parquet")
    with pytest.raises(InvalidInputError, match=r"body\.parquet row 1: no string 'text' field"):
        load_documents(tmp_path / "body.parquet")
    (row,) = load_documents(tmp_path / "body.parquet", text_field="body")
    assert row.text == "Tides" and row.metadata == {
        "n": 1,
        "id": "body:1",
        "source": "body.parquet",
    }


def test_bad_input_is_named(tmp_path: Path) -> None:
    docs = make_folder(tmp_path)
    with pytest.raises(InvalidInputError, match="no such file or folder"):
        load_documents(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match=r"unsupported file type '\.bin'"):
        load_documents(docs / "ignored.bin")
    (docs / "rows.jsonl").write_text('{"id": "a", "text": "ok"}\n{"id": "b", "text": \n')
    with pytest.raises(InvalidInputError, match=r"rows\.jsonl:2: not valid JSON"):
        load_documents(docs)
    (docs / "rows.jsonl").write_text('["not", "an", "object"]\n')
    with pytest.raises(InvalidInputError, match="line 1: expected an object"):
        load_documents(docs / "rows.jsonl")
    (docs / "rows.jsonl").write_text('{"id": "c1", "text": "same id as the csv row"}\n')
    with pytest.raises(InvalidInputError, match="'c1' occurs twice"):
        load_documents([docs / "rows.jsonl", docs / "table.csv"])
    (docs / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        load_documents(docs / "bad.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInputError, match=r"no \.txt, \.md"):
        load_documents(empty)
