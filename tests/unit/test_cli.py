"""The ``vecstore-lab`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import vecstore_lab as vl
from vecstore_lab import eval as ev
from vecstore_lab.cli import main, parse_config
from vecstore_lab.errors import InvalidInputError


def test_demo_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo")
    assert main(["demo", "--embedder", "hashing", "--path", path]) == 0
    out = capsys.readouterr().out
    assert "with 16 documents" in out
    assert "== text: 'interest rates'" in out
    # BM25 ranks the two finance articles that mention interest rates first.
    section = out.split("== text: 'interest rates'")[1].split("==")[0]
    assert "inflation" in section and "bond-prices" in section
    assert main(["info", path]) == 0
    assert "sample: 16 rows, dim=384" in capsys.readouterr().out
    assert main(["info", "--db", path]) == 0
    assert "sample: 16 rows" in capsys.readouterr().out


def test_single_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "demo")
    assert (
        main(
            [
                "demo",
                "--embedder",
                "hashing",
                "--path",
                path,
                "--query",
                "sourdough",
                "--mode",
                "text",
                "-k",
                "1",
            ]
        )
        == 0
    )
    assert "1. [" in capsys.readouterr().out.split("== text: 'sourdough'")[1]


def test_errors_exit_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--embedder", "no-such", "--path", str(tmp_path)]) == 1
    assert "no embedder is registered as 'no-such'" in capsys.readouterr().err


def make_docs(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir()
    (docs / "tides.md").write_text(
        "# Tides\n\nThe Moon's gravity stretches the oceans into two bulges. " * 5
    )
    (docs / "bonds.txt").write_text("Bond prices fall when interest rates rise.")
    (docs / "more.jsonl").write_text(
        json.dumps({"id": "bread", "text": "Sourdough bread rises with wild yeast.", "year": 2022})
        + "\n"
    )
    (docs / "more.csv").write_text(
        "id,text,year\nplanets,Telescopes find planets by transits,2021\n"
    )
    pq.write_table(
        pa.table({"id": ["gut"], "text": ["Gut microbes digest fibre"], "year": [2018]}),
        docs / "gut.parquet",
    )
    return docs


def test_ingest_query_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs, db = make_docs(tmp_path), str(tmp_path / "db")
    args = ["ingest", str(docs), "--collection", "notes", "--db", db, "--embedder", "hashing"]
    assert main([*args, "--chunk-size", "100", "--chunk-overlap", "0"]) == 0
    captured = capsys.readouterr()
    assert "ingest notes: 100%" in captured.err  # tqdm progress bar on stderr
    assert "notes: 5 documents -> " in captured.out
    c = vl.connect(db).get_collection("notes")
    assert sorted(set(c.get(where=None).to_arrow().column("doc_id").to_pylist())) == [
        "bonds.txt",
        "bread",
        "gut",
        "planets",
        "tides.md",
    ]
    assert len(c) > 5  # tides.md is longer than a chunk
    assert c.get(ids=["bread#0"])[0].metadata["year"] == 2022
    # Re-running is a no-op: nothing re-embedded, nothing written.
    version = c.version
    assert main([*args, "--chunk-size", "100", "--chunk-overlap", "0", "-q"]) == 0
    out = capsys.readouterr().out
    assert "(0 added, 0 updated" in out and "; 0 embedded" in out and c.version == version

    assert main(["query", "bread yeast", "--collection", "notes", "--db", db, "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[2] == c.query("bread yeast", k=2, mode="hybrid").ids[0]
    query = ["query", "planets", "--collection", "notes", "--db", db, "--mode", "text", "--json"]
    assert main([*query, "--where", "year >= 2021"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = c.query("planets", k=5, mode="text", where="year >= 2021")
    assert [r["id"] for r in rows] == expected.ids and rows[0]["doc_id"] == "planets"
    assert all(r["year"] >= 2021 for r in rows) and "vector" not in rows[0]
    vector = ["query", "planets", "--collection", "notes", "--db", db, "--mode", "vector"]
    assert main([*vector, "--json", "--where", '{"year": {"$lt": 2019}}']) == 0
    assert [json.loads(x)["id"] for x in capsys.readouterr().out.splitlines()] == ["gut#0"]

    assert main(["info", "--db", db]) == 0
    assert f"notes: {len(c)} rows, dim=384" in capsys.readouterr().out


def test_ingest_errors_leave_the_collection_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, db = make_docs(tmp_path), str(tmp_path / "db")
    args = ["ingest", str(docs), "--collection", "notes", "--db", db, "--embedder", "hashing"]
    assert main([*args, "-q"]) == 0
    c = vl.connect(db).get_collection("notes")
    before, version = c.get().to_arrow(), c.version
    (docs / "zz.jsonl").write_text('{"id": "x", "text": "fine"}\n{"id": \n')
    assert main([*args, "-q"]) == 1
    assert "zz.jsonl:2: not valid JSON" in capsys.readouterr().err
    assert c.version == version and c.get().to_arrow().equals(before)
    (docs / "zz.jsonl").unlink()
    assert main([*args, "--chunk-size", "10", "--chunk-overlap", "20"]) == 1
    assert "chunk_overlap" in capsys.readouterr().err
    assert (
        main(["ingest", str(docs), "--collection", "other", "--db", db, "--embedder", "nope"]) == 1
    )
    assert "no embedder is registered as 'nope'" in capsys.readouterr().err
    assert vl.connect(db).list_collections() == ["notes"]
    assert main(["query", "x", "--collection", "missing", "--db", db]) == 1
    assert "missing" in capsys.readouterr().err
    assert main(["query", "x", "--collection", "notes", "--db", db, "--where", "{bad"]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def write_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    corpus = {
        "tides": "The Moon raises ocean tides twice a day",
        "bonds": "Bond prices fall when interest rates rise",
        "bread": "Sourdough bread rises with wild yeast",
        "planets": "Telescopes find planets by transits",
    }
    (root / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": i, "text": t}) + "\n" for i, t in corpus.items())
    )
    queries = {"q1": "ocean tides", "q2": "interest rates", "q3": "yeast", "q4": "transit"}
    (root / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in queries.items())
    )
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\ttides\t2\nq2\tbonds\t1\nq3\tbread\t1\nq4\tplanets\t1\n"
    )
    return root


def test_eval_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, db = str(write_beir(tmp_path / "set")), str(tmp_path / "db")
    base = ["eval", "--collection", "c", "--db", db, "--dataset", data, "-k", "2"]
    assert main(base) == 1
    assert "no collection 'c'" in capsys.readouterr().err
    out_file = tmp_path / "per_query.csv"
    args = [*base, "--ingest", "--embedder", "hashing", "-q", "--output", str(out_file)]
    assert main([*args, "--config", "vec:mode=vector", "--config", "bm25:mode=text"]) == 0
    out = capsys.readouterr().out
    assert "2 configurations x 4 judged queries, k=2, baseline vec" in out
    # The printed table and the file are evaluate()/compare() on the ingested collection.
    c = vl.connect(db).get_collection("c")
    loaded = ev.load_beir(data)
    configs = {"vec": {"mode": "vector"}, "bm25": {"mode": "text"}}
    expected = ev.evaluate(c, loaded.queries, loaded.qrels, configs, k=2, doc_key="doc_id")
    from pyarrow import csv

    assert csv.read_csv(out_file).to_pylist() == expected.to_pylist()
    bm25 = next(
        r
        for r in ev.compare(expected, "vec").to_pylist()
        if r["config"] == "bm25" and r["metric"] == "ndcg@2"
    )
    assert f"{bm25['mean']:.4f}" in out
    # The default configs; the collection is reused (no second ingest).
    version = c.version
    assert main([*base, "--output", str(tmp_path / "pq.parquet")]) == 0
    assert "3 configurations x 4 judged queries" in capsys.readouterr().out and c.version == version
    assert pq.read_table(tmp_path / "pq.parquet").num_rows == 12
    # Bad input is named.
    assert main([*base, "--config", "x:mode"]) == 1
    assert "'mode' is not key=value" in capsys.readouterr().err
    assert main([*base, "--baseline", "zzz"]) == 1
    assert "--baseline 'zzz'" in capsys.readouterr().err
    assert main([*base, "--output", str(tmp_path / "x.txt")]) == 1
    assert "use a .csv, .parquet or .jsonl" in capsys.readouterr().err
    assert main(["eval", "--collection", "c", "--db", db, "--dataset", "nope"]) == 1
    assert "not a folder in BEIR layout" in capsys.readouterr().err


def test_parse_config_values() -> None:
    assert parse_config('f:mode=text,where={"year": 2020},k=3') == (
        "f",
        {"mode": "text", "where": {"year": 2020}, "k": 3},
    )
    with pytest.raises(InvalidInputError):
        parse_config(":mode=text")


def test_eval_with_your_own_queries_and_trec_qrels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ingest a folder, then evaluate it with hand-made queries (tsv) and TREC qrels."""
    docs, db = make_docs(tmp_path), str(tmp_path / "db")
    assert (
        main(
            [
                "ingest",
                str(docs),
                "--collection",
                "notes",
                "--db",
                db,
                "--embedder",
                "hashing",
                "-q",
            ]
        )
        == 0
    )
    (tmp_path / "queries.tsv").write_text("a\tbread with wild yeast\nb\tplanets and transits\n")
    (tmp_path / "qrels.txt").write_text("a 0 bread 1\nb 0 planets 2\nb 0 gut 0\n")
    args = ["eval", "--collection", "notes", "--db", db, "-k", "3", "--config", "bm25:mode=text"]
    out_file = tmp_path / "pq.jsonl"
    own = ["--queries", str(tmp_path / "queries.tsv"), "--qrels", str(tmp_path / "qrels.txt")]
    assert main([*args, *own, "--output", str(out_file)]) == 0
    assert "1 configurations x 2 judged queries, k=3" in capsys.readouterr().out
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    c = vl.connect(db).get_collection("notes")
    expected = ev.evaluate(
        c,
        {"a": "bread with wild yeast", "b": "planets and transits"},
        {"a": {"bread": 1}, "b": {"planets": 2, "gut": 0}},
        {"bm25": {"mode": "text"}},
        k=3,
        doc_key="doc_id",
    )
    assert rows == expected.to_pylist() and rows[0]["mrr@3"] == 1.0
    assert main([*args, "--queries", str(tmp_path / "queries.tsv")]) == 1
    assert "--queries and --qrels go together" in capsys.readouterr().err
    (tmp_path / "bad.tsv").write_text("no tab here\n")
    assert (
        main(
            [*args, "--queries", str(tmp_path / "bad.tsv"), "--qrels", str(tmp_path / "qrels.txt")]
        )
        == 1
    )
    assert "bad.tsv:1: expected 'query-id<TAB>text'" in capsys.readouterr().err


def test_ingest_reports_skipped_files_and_query_shows_snippets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, db = make_docs(tmp_path), str(tmp_path / "db")
    (docs / "page.html").write_text("<p>not read</p>")
    (docs / "logo.png").write_bytes(b"\x89PNG")
    (docs / "changelog.gz").write_bytes(b"\x1f\x8b")
    (docs / "more.html").write_text("<p>not read either</p>")
    (docs / "README").write_text("no suffix")
    args = ["ingest", str(docs), "--collection", "notes", "--db", db, "--embedder", "hashing"]
    assert main([*args, "-q"]) == 0
    captured = capsys.readouterr()
    assert "notes: 5 documents" in captured.out
    assert "skipped 5 file(s) of unsupported types (2 .html, 1 (none), 1 .gz, 1 .png)" in (
        captured.err
    )

    assert main(["query", "bread yeast", "--collection", "notes", "--db", db, "-k", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].strip() == "Sourdough bread rises with wild yeast."  # a snippet by default
    assert main(["query", "tides", "--collection", "notes", "--db", db, "-k", "1"]) == 0
    snippet = capsys.readouterr().out.splitlines()[3].strip()
    assert snippet.startswith("# Tides The Moon's gravity") and snippet.endswith(" …")
    assert len(snippet) <= 102  # about SNIPPET characters, cut at a word


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    for command, shown in (
        ("query", ["number of hits (default: 5)", "search mode (default: hybrid)"]),
        ("ingest", ["(default: 1000)", "chunks per commit (default: 256)"]),
        ("eval", ["(default: 10)"]),
    ):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        for text in shown:
            assert text in out, (command, text)


def test_opening_a_collection_loads_no_model(tmp_path: Path) -> None:
    """info, the browser and listing open collections; only embedding builds the embedder."""
    built: list[int] = []

    class Counted(vl.HashEmbedder):
        name = "counted"

        def __init__(self, dim: int = 16, *, bigrams: bool = True) -> None:
            built.append(dim)
            super().__init__(dim=dim, bigrams=bigrams)

    vl.register_embedder("counted", Counted, overwrite=True)
    db = vl.connect(tmp_path)
    db.create_collection("c", embedder=Counted(dim=16)).add(ids=["a"], texts=["moon tides"])
    built.clear()
    c = vl.connect(tmp_path).get_collection("c")
    assert len(c) == 1 and c.get(ids=["a"])[0].text == "moon tides" and built == []
    assert c.query("moon", k=1).ids == ["a"] and built == [16]
    assert c.checkout(c.version).query("moon", k=1).ids == ["a"] and built == [16]
    # A stored embedder that cannot be rebuilt is reported when it is needed, not on open.

    def missing(**config: object) -> vl.Embedder:
        raise ImportError("No module named 'counted_models'")

    vl.register_embedder("counted", missing, overwrite=True)
    try:
        broken = vl.connect(tmp_path).get_collection("c")
        assert len(broken) == 1 and broken.get(ids=["a"]).ids == ["a"]
        with pytest.raises(vl.EmbedderError, match="stored embedder: No module named"):
            broken.query("moon")
        assert broken.query(vector=[1.0] * 16, k=1).ids == ["a"]  # vectors still work
    finally:
        vl.embedders.registry.unregister("counted")
        assert "counted" not in vl.list_embedders()


def test_the_cli_offers_exactly_the_query_modes() -> None:
    """The CLI spells the modes out (it does not import spec to build its parser)."""
    from vecstore_lab import cli, spec

    assert cli.MODES == spec.MODES
