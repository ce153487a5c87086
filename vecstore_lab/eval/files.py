"""Judged data on disk: queries, relevance judgements (qrels) and runs, in BEIR and TREC
layouts, checked line by line with the file and line number in every error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vecstore_lab.errors import InvalidInputError

__all__ = ["EvalSet", "load_beir", "load_qrels", "load_queries", "load_run"]


@dataclass
class EvalSet:
    """A corpus, queries and graded relevance judgements (BEIR layout)."""

    corpus: dict[str, dict[str, Any]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_queries(path: str | Path) -> dict[str, str]:
    """Queries from JSON lines (``{"_id" or "id", "text"}``, BEIR's ``queries.jsonl``) or a
    tab-separated ``query-id<TAB>text`` file (TREC-style topics).

    Examples:
        >>> _ = (tmp_path / "q.tsv").write_text("q1\\thow do tides work\\nq2\\tbond prices\\n")
        >>> load_queries(tmp_path / "q.tsv")
        {'q1': 'how do tides work', 'q2': 'bond prices'}
    """
    path = Path(path)
    queries: dict[str, str] = {}
    jsonl = path.suffix.lower() in (".jsonl", ".json")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if jsonl:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            qid = row.get("_id", row.get("id")) if isinstance(row, dict) else None
            if qid is None or not isinstance(row.get("text"), str):
                raise InvalidInputError(f"{path}:{number}: expected {{'_id', 'text'}}")
            queries[str(qid)] = row["text"]
        else:
            qid, tab, text = line.partition("\t")
            if not tab or not text.strip():
                raise InvalidInputError(f"{path}:{number}: expected 'query-id<TAB>text'")
            queries[qid.strip()] = text.strip()
    return queries


def load_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Relevance judgements from a BEIR ``.tsv`` (header ``query-id corpus-id score``) or a
    TREC qrels file (``query-id iteration doc-id relevance``, whitespace-separated, no header).

    Examples:
        >>> _ = (tmp_path / "trec.txt").write_text("q1 0 d1 2\\nq1 0 d2 0\\nq2 0 d9 1\\n")
        >>> load_qrels(tmp_path / "trec.txt")
        {'q1': {'d1': 2, 'd2': 0}, 'q2': {'d9': 1}}
    """
    path = Path(path)
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    qrels: dict[str, dict[str, int]] = {}
    if not lines:
        return qrels
    header = [h.strip().lower() for h in lines[0].split("\t")]
    beir = header[:2] == ["query-id", "corpus-id"]
    if path.suffix.lower() == ".tsv" and not beir:
        raise InvalidInputError(f"{path}: expected a 'query-id corpus-id score' header")
    for number, line in enumerate(lines[1:] if beir else lines, start=2 if beir else 1):
        fields = line.split("\t") if beir else line.split()
        want = 3 if beir else 4
        if len(fields) < want:
            raise InvalidInputError(
                f"{path}:{number}: expected {want} fields "
                f"({'query-id corpus-id score' if beir else 'query-id iteration doc-id relevance'})"
                f", got {line!r}"
            )
        qid, doc, grade = (fields[0], fields[1], fields[2]) if beir else (fields[0], *fields[2:4])
        try:
            qrels.setdefault(qid.strip(), {})[doc.strip()] = int(float(grade))
        except ValueError:
            raise InvalidInputError(
                f"{path}:{number}: relevance {grade!r} is not a number"
            ) from None
    return qrels


def load_run(path: str | Path) -> dict[str, list[str]]:
    """A TREC run file (``query-id Q0 doc-id rank score tag``) as ``{query_id: ranked ids}``,
    ordered by descending score (ties by rank), ready for ``score_run``.

    Examples:
        >>> _ = (tmp_path / "run.txt").write_text("q1 Q0 d2 2 0.5 bm25\\nq1 Q0 d1 1 0.9 bm25\\n")
        >>> load_run(tmp_path / "run.txt")
        {'q1': ['d1', 'd2']}
    """
    path = Path(path)
    entries: dict[str, list[tuple[float, int, str]]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) < 5:
            raise InvalidInputError(
                f"{path}:{number}: expected 'query-id Q0 doc-id rank score [tag]', got {line!r}"
            )
        try:
            rank, score = int(fields[3]), float(fields[4])
        except ValueError:
            raise InvalidInputError(f"{path}:{number}: rank/score are not numbers") from None
        entries.setdefault(fields[0], []).append((-score, rank, fields[2]))
    return {q: [doc for *_, doc in sorted(rows)] for q, rows in entries.items()}


def load_beir(path: str | Path, split: str = "test") -> EvalSet:
    """Load ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` (BEIR format).

    Corpus lines are ``{"_id", "title"?, "text", ...}``; query lines ``{"_id", "text"}``; qrels
    are tab-separated ``query-id  corpus-id  score`` with a header line.
    """
    root = Path(path)
    corpus: dict[str, dict[str, Any]] = {}
    for line in (root / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            corpus[str(row.pop("_id"))] = row
    queries = load_queries(root / "queries.jsonl")
    qrels = load_qrels(root / "qrels" / f"{split}.tsv")
    return EvalSet(corpus, queries, qrels)
