"""Fixtures: a temporary database on disk and deterministic embedders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import vecstore_lab as vl

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def embedder() -> vl.HashEmbedder:
    return vl.HashEmbedder(dim=32)


@pytest.fixture
def db(tmp_path: Path, embedder: vl.HashEmbedder) -> vl.VecDatabase:
    return vl.connect(tmp_path / "db", embedder=embedder)


@pytest.fixture
def docs(db: vl.VecDatabase) -> vl.Collection:
    """A small collection with typed metadata."""
    c = db.create_collection("docs")
    c.add(
        ids=["cat", "dog", "stocks", "bonds", "bread"],
        texts=[
            "the cat sat on the mat and purred",
            "a dog chased the cat around the garden",
            "stock markets fell sharply on rate fears",
            "bond prices rise when interest rates fall",
            "sourdough bread needs a lively starter",
        ],
        metadatas=[
            {"topic": "pets", "year": 2020, "rating": 0.9, "tags": ["animal", "home"]},
            {"topic": "pets", "year": 2021, "rating": 0.4, "tags": ["animal"]},
            {"topic": "finance", "year": 2022, "rating": 0.7, "tags": ["markets"]},
            {"topic": "finance", "year": 2019, "rating": 0.2},
            {"topic": "food", "year": 2023, "rating": 0.6, "tags": ["home"]},
        ],
    )
    return c
