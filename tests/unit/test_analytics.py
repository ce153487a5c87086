"""SQL and DataFrames over collections (vecstore_lab.analytics): DuckDB and Polars read the
Lance files in place, and query results convert to both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

import vecstore_lab as vl  # noqa: E402
from vecstore_lab.errors import InvalidInputError  # noqa: E402


@pytest.fixture
def db(tmp_path: Path) -> vl.VecDatabase:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16))
    articles = db.create_collection("articles")
    articles.add(
        ids=[f"a{i}" for i in range(6)],
        texts=[f"article {i} about {'cats' if i % 2 else 'dogs'}" for i in range(6)],
        metadatas=[{"topic": "cats" if i % 2 else "dogs", "year": 2020 + i} for i in range(6)],
    )
    db.create_collection("notes").add(ids=["n1"], texts=["a note"], metadatas=[{"year": 1999}])
    return db


def test_sql_over_every_collection_of_a_database(db: vl.VecDatabase) -> None:
    rows = vl.sql(
        db, "SELECT topic, count(*) AS n, max(year) FROM articles GROUP BY topic ORDER BY topic"
    )
    assert rows.fetchall() == [("cats", 3, 2025), ("dogs", 3, 2024)]
    joined = vl.sql(
        db, "SELECT count(*) FROM articles a JOIN notes n ON a.year > n.year WHERE a.topic = 'dogs'"
    )
    assert joined.fetchall() == [(3,)]
    # the vector column arrives as DuckDB's fixed-size array, equal to what get() returns
    first = vl.sql(db, "SELECT vector FROM articles WHERE id = 'a0'").fetchall()[0][0]
    stored = db.get_collection("articles").get(ids=["a0"], include_vectors=True)[0].vector
    assert np.allclose(first, stored)


def test_a_collection_to_duckdb_and_polars_reads_its_current_version(db: vl.VecDatabase) -> None:
    articles = db.get_collection("articles")
    assert articles.to_duckdb().filter("topic = 'cats'").count("*").fetchall() == [(3,)]
    frame = articles.to_polars()
    assert isinstance(frame, pl.LazyFrame)
    assert frame.filter(pl.col("year") >= 2024).select("id").collect()["id"].sort().to_list() == [
        "a4",
        "a5",
    ]
    articles.delete(ids=["a5"])
    assert articles.to_polars().select(pl.len()).collect().item() == 5
    old = articles.checkout(articles.version - 1)
    assert old.to_duckdb().count("*").fetchall() == [(6,)]  # a view reads its own version


def test_results_go_to_polars_and_duckdb(db: vl.VecDatabase) -> None:
    results = db.get_collection("articles").query("cats", k=4)
    frame = results.to_polars()
    assert frame["id"].to_list() == results.ids
    assert frame["_score"].to_list() == pytest.approx(results.scores)
    rel = results.to_duckdb()
    assert rel.aggregate("count(*)").fetchall() == [(4,)]
    con = duckdb.connect()
    assert results.to_duckdb(con).order("_rank").limit(1).fetchall()[0][0] == results.ids[0]


def test_sql_refuses_what_it_cannot_read() -> None:
    with pytest.raises(InvalidInputError, match="VecDatabase, a Collection"):
        vl.sql(42, "SELECT 1")


MILLION = 1_000_000
DIM = 32

_GROUP_BY = """
import json, sys
import vecstore_lab as vl

def rchar():
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("rchar")).split()[1])

db = vl.connect(sys.argv[1])
vl.sql(db, "SELECT 1").fetchall()  # imports (duckdb, lance) read their modules: not counted
before = rchar()
rows = vl.sql(db, sys.argv[2]).fetchall()
print(json.dumps({"read": rchar() - before, "rows": rows}))
"""


def _group_by(path: Path, query: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _GROUP_BY, str(path), query],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_a_million_row_group_by_reads_the_lance_files_without_the_vectors(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedding_cache=False)
    big = db.create_collection("big", dim=DIM)
    rng = np.random.default_rng(0)
    step = 250_000
    for start in range(0, MILLION, step):
        n = np.arange(start, start + step)
        big.add(
            ids=[f"r{i}" for i in n],
            vectors=rng.standard_normal((step, DIM), dtype=np.float32),
            metadatas=pa.table({"shard": pa.array(n % 7), "size": pa.array(n % 1000)}).to_pylist(),
        )
    vector_bytes = MILLION * DIM * 4  # 128 MB
    counts = _group_by(
        tmp_path, "SELECT shard, count(*), sum(size) FROM big GROUP BY shard ORDER BY shard"
    )
    expected_n = np.bincount(np.arange(MILLION) % 7)
    assert [r[1] for r in counts["rows"]] == expected_n.tolist()  # type: ignore[index]
    assert counts["read"] < vector_bytes / 10, counts["read"]
    # the same measure sees the vectors when a query needs them
    with_vectors = _group_by(tmp_path, "SELECT shard, avg(vector[1]) FROM big GROUP BY shard")
    assert with_vectors["read"] > vector_bytes, with_vectors["read"]
