"""``Judgements``: graded relevance of hits for queries, stored with the collection.

A grade says how well a chunk (or a whole document) answers a query: 0 not relevant,
1 marginally, 2 relevant, 3 highly relevant (TREC's graded scale). Each grade is one row of an
append-only table in the collection's own database (``_storage.log``), so it works on disk and
on object storage, survives new kernels, and two people may grade at once: nothing is lost,
the later grade of a (query, id) pair wins, and every earlier one stays in ``history()``. Each
row keeps who graded (``VECSTORE_JUDGE``, else the login name), when, and the collection's
version then.

Grades go in by hand (``grade``), from the widgets' keys (the same call), or from TREC and
BEIR qrels files (``import_qrels``), and come out as the ``qrels`` that ``evaluate`` reads,
with chunk grades rolled up to documents the way evaluation ranks them (a document is as
relevant as its best chunk).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._storage.log import AppendLog
from vecstore_lab.errors import InvalidIdError, InvalidInputError
from vecstore_lab.eval.agreement import agreement_between
from vecstore_lab.eval.files import load_qrels, load_queries
from vecstore_lab.filters import quote_string

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from vecstore_lab.collection import Collection

__all__ = [
    "GRADES",
    "JUDGEMENTS_TABLE",
    "Judgements",
    "default_judge",
    "query_id",
]

JUDGEMENTS_TABLE = "_vecstore_judgements"
GRADES = {0: "not relevant", 1: "marginal", 2: "relevant", 3: "highly relevant"}
DOC_KEY = "doc_id"  # the metadata column add_documents gives each chunk

SCHEMA = pa.schema(
    [
        pa.field("collection", pa.string(), nullable=False),
        pa.field("query", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),  # "chunk" or "document"
        pa.field("grade", pa.int8(), nullable=False),
        pa.field("judge", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("version", pa.int64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),  # "python", "widget", "import", "pool"
    ]
)
CURRENT = ["query", "id", "level", "grade", "judge", "at", "version", "source"]


def default_judge() -> str:
    """Who is grading: ``$VECSTORE_JUDGE``, else the login name, else ``"unknown"``."""
    named = os.environ.get("VECSTORE_JUDGE", "").strip()
    if named:
        return named
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no login name (some containers): still a judge
        return "unknown"


def _query(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"a judged query is a non-empty string, got {text!r}")
    if "\x00" in text:
        raise InvalidInputError("a judged query may not contain NUL")
    return text.strip()


def _grade(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in GRADES:
        raise InvalidInputError(
            f"a grade is an int from 0 to 3 ({', '.join(f'{g} {n}' for g, n in GRADES.items())}),"
            f" got {value!r}"
        )
    return value


def query_id(text: str) -> str:
    """A stable id for a query text, for TREC and BEIR files (``q`` + 10 hex digits)."""
    return "q" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


class Judgements:
    """The graded relevance judgements of one collection (see the module docstring).

    Parameters:
        collection: the collection whose hits are graded (it must come from a database).
        judge: who grades through this object (default: ``default_judge()``).
        doc_key: the metadata column naming each chunk's document (``add_documents`` sets
            ``doc_id``); an id that is no chunk id but a value of it is a document.

    Examples:
        >>> import vecstore_lab as vl
        >>> db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
        >>> docs = db.create_collection("docs")
        >>> _ = docs.add(ids=["a", "b"], texts=["tides and the moon", "bond prices"])
        >>> j = vl.Judgements(docs, judge="ana")
        >>> j.grade("what moves the tides?", "a", 3)
        >>> j.grade("what moves the tides?", "b", 0)
        >>> j.qrels()
        {'what moves the tides?': {'a': 3, 'b': 0}}
    """

    def __init__(
        self, collection: Collection, *, judge: str | None = None, doc_key: str = DOC_KEY
    ) -> None:
        connection = collection.store.connection
        if connection is None:
            raise InvalidInputError(
                "judgements are stored in a database: open the collection through vl.connect(...)"
            )
        if judge is not None and (not isinstance(judge, str) or not judge.strip()):
            raise InvalidInputError(f"judge must be a non-empty string, got {judge!r}")
        self.collection = collection
        self.judge = judge.strip() if judge is not None else default_judge()
        self.doc_key = doc_key
        self._log = AppendLog(connection, JUDGEMENTS_TABLE, SCHEMA)

    def __repr__(self) -> str:
        return f"Judgements({self.collection.name!r}, judge={self.judge!r})"

    # -- writing ------------------------------------------------------------------------
    def grade(
        self, query: str, id: str, grade: int, *, judge: str | None = None, source: str = "python"
    ) -> None:
        """Grade ``id`` (a chunk id, or a document id) for ``query``: 0 to 3. Saved at once."""
        self.grade_many([(query, id, grade)], judge=judge, source=source)

    def grade_many(
        self,
        grades: Iterable[tuple[str, str, int]],
        *,
        judge: str | None = None,
        source: str = "python",
        skip_unknown: bool = False,
    ) -> int:
        """Grade many ``(query, id, grade)`` triples in one commit; how many were stored.
        Every triple is checked first: one bad grade, query or id stores nothing (unless
        ``skip_unknown``, which leaves out ids the collection does not hold)."""
        rows = [(_query(q), i, _grade(g)) for q, i, g in grades]
        levels = self._levels([i for _, i, _ in rows])
        unknown = sorted({i for _, i, _ in rows if i not in levels})
        if unknown and not skip_unknown:
            shown = ", ".join(repr(u) for u in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise InvalidIdError(
                f"collection {self.collection.name!r} has no chunk or document (by "
                f"{self.doc_key!r}) with id {shown}{more}"
            )
        rows = [r for r in rows if r[1] in levels]
        who = self.judge if judge is None else judge
        if not isinstance(who, str) or not who.strip():
            raise InvalidInputError(f"judge must be a non-empty string, got {who!r}")
        now = dt.datetime.now(dt.UTC)
        version = self.collection.version
        n = len(rows)
        self._log.append(
            pa.table(
                {
                    "collection": [self.collection.name] * n,
                    "query": [q for q, _, _ in rows],
                    "id": [i for _, i, _ in rows],
                    "level": [levels[i] for _, i, _ in rows],
                    "grade": pa.array([g for _, _, g in rows], pa.int8()),
                    "judge": [who.strip()] * n,
                    "at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
                    "version": pa.array([version] * n, pa.int64()),
                    "source": [source] * n,
                },
                schema=SCHEMA,
            )
        )
        return n

    def _levels(self, ids: list[str]) -> dict[str, str]:
        """``{id: "chunk" | "document"}`` for the ``ids`` the collection holds."""
        bad = [i for i in ids if not isinstance(i, str) or not i]
        if bad:
            raise InvalidIdError(f"a judged id is a non-empty string, got {bad[0]!r}")
        wanted = sorted(set(ids))
        out: dict[str, str] = {}
        for s in range(0, len(wanted), 1000):
            part = wanted[s : s + 1000]
            out.update(dict.fromkeys(self.collection.get(ids=part, select=[]).ids, "chunk"))
        rest = [i for i in wanted if i not in out]
        if rest and self.doc_key in self.collection.schema.names:
            for s in range(0, len(rest), 1000):
                part = rest[s : s + 1000]
                found = self.collection.get(
                    where={self.doc_key: {"$in": part}}, select=[self.doc_key]
                )
                docs = found.to_arrow().column(self.doc_key).to_pylist()
                out.update({str(d): "document" for d in docs if d is not None})
        return out

    def import_qrels(
        self,
        path: str | os.PathLike[str],
        queries: Mapping[str, str] | str | os.PathLike[str],
        *,
        judge: str | None = None,
        skip_unknown: bool = False,
    ) -> int:
        """Grades from a TREC qrels file or a BEIR ``qrels/*.tsv`` (``load_qrels``), whose
        query ids ``queries`` maps to texts (a dict, or a queries file ``load_queries``
        reads). Grades above 3 become 3. How many grades were stored."""
        texts = load_queries(Path(queries)) if isinstance(queries, str | os.PathLike) else queries
        qrels = load_qrels(Path(path))
        missing = sorted(q for q in qrels if q not in texts)
        if missing:
            raise InvalidInputError(f"{path}: no query text for query ids {missing[:5]}")
        triples = []
        for qid, judged in qrels.items():
            for doc, grade in judged.items():
                if grade < 0:
                    raise InvalidInputError(f"{path}: negative grade {grade} for {qid} {doc}")
                triples.append((texts[qid], doc, min(grade, 3)))
        return self.grade_many(
            triples,
            judge=judge or f"qrels:{Path(path).name}",
            source="import",
            skip_unknown=skip_unknown,
        )

    def copy_grade(
        self, query: str, source_id: str, to: Sequence[str], *, judge: str | None = None
    ) -> int:
        """Give the ids ``to`` the standing grade of ``source_id`` for ``query`` (for chunks
        with the same text: ``same_text``); how many were graded."""
        grade = self.get(query, source_id)
        if grade is None:
            raise InvalidInputError(f"{source_id!r} has no grade for {query!r} to copy")
        return self.grade_many([(query, i, grade) for i in to], judge=judge, source="copy")

    def same_text(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """``{id: the other ids whose text is exactly the same}``, for those of ``ids`` that
        have such twins (a document ingested twice, a boilerplate chunk): a grade given to
        one fits the others (``copy_grade``)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        got = self.collection.get(ids=wanted, select=["text"]).to_arrow()
        text_of = dict(
            zip(got.column("id").to_pylist(), got.column("text").to_pylist(), strict=True)
        )
        texts = sorted(set(text_of.values()))
        twins = self.collection.get(where={"text": {"$in": texts}}, select=["text"]).to_arrow()
        by_text: dict[str, list[str]] = {}
        for i, t in zip(
            twins.column("id").to_pylist(), twins.column("text").to_pylist(), strict=True
        ):
            by_text.setdefault(t, []).append(i)
        out = {}
        for i in wanted:
            if i in text_of:
                others = sorted(j for j in by_text.get(text_of[i], []) if j != i)
                if others:
                    out[i] = others
        return out

    # -- reading ------------------------------------------------------------------------
    def history(self, query: str | None = None) -> pa.Table:
        """Every grade ever given (for ``query``), oldest first, with judge, time, version."""
        where = f"collection = {quote_string(self.collection.name)}"
        if query is not None:
            where += f" AND query = {quote_string(_query(query))}"
        rows = self._log.read(where)
        order = pc.sort_indices(rows, sort_keys=[("at", "ascending")])  # stable: appends
        return rows.take(order).drop_columns(["collection"])

    def current(self, query: str | None = None, *, judge: str | None = None) -> pa.Table:
        """The grade that stands for each (query, id): the latest one (of ``judge``, when
        given). Columns: query, id, level, grade, judge, at, version, source."""
        rows = self.history(query)
        if judge is not None:
            rows = rows.filter(pc.equal(rows.column("judge"), judge))
        pairs = zip(rows.column("query").to_pylist(), rows.column("id").to_pylist(), strict=True)
        latest = {key: i for i, key in enumerate(pairs)}  # oldest first: the last one stands
        keep = sorted(latest.values())
        return rows.take(pa.array(keep, pa.int64())).select(CURRENT)

    def get(self, query: str, id: str) -> int | None:
        """The standing grade of ``id`` for ``query``; None when it was never graded."""
        return self.for_query(query).get(id)

    def for_query(self, query: str) -> dict[str, int]:
        """``{id: grade}`` of every graded id for ``query``."""
        t = self.current(query)
        return dict(zip(t.column("id").to_pylist(), t.column("grade").to_pylist(), strict=True))

    def queries(self) -> list[str]:
        """Every query with a grade, sorted."""
        return sorted(set(self.history().column("query").to_pylist()))

    def judges(self) -> list[str]:
        return sorted(set(self.history().column("judge").to_pylist()))

    def __len__(self) -> int:
        return int(self.current().num_rows)

    def qrels(self, *, documents: bool = False) -> dict[str, dict[str, int]]:
        """``{query: {id: grade}}`` as ``evaluate`` reads it. With ``documents``, chunk
        grades roll up to their documents (by ``doc_key``): a document is as relevant as its
        best graded chunk, and a grade given to the document itself counts the same way."""
        t = self.current()
        out: dict[str, dict[str, int]] = {}
        rows = zip(
            *(t.column(c).to_pylist() for c in ("query", "id", "level", "grade")), strict=True
        )
        triples = list(rows)
        doc_of = (
            self._documents([i for _, i, lv, _ in triples if lv == "chunk"]) if documents else {}
        )
        for q, i, level, g in triples:
            key = doc_of.get(i, i) if documents and level == "chunk" else i
            judged = out.setdefault(q, {})
            judged[key] = max(g, judged.get(key, g))
        return out

    def _documents(self, chunk_ids: list[str]) -> dict[str, str]:
        """``{chunk id: its document}`` (by ``doc_key``) for chunks that name one."""
        if not chunk_ids or self.doc_key not in self.collection.schema.names:
            return {}
        got = self.collection.get(ids=sorted(set(chunk_ids)), select=[self.doc_key]).to_arrow()
        return {
            i: str(d)
            for i, d in zip(
                got.column("id").to_pylist(), got.column(self.doc_key).to_pylist(), strict=True
            )
            if d is not None
        }

    def agreement(self, judge_a: str, judge_b: str) -> dict[str, float | int | None]:
        """How far two judges agree on the (query, id) pairs both graded (each one's standing
        grade): ``pairs``, ``agreed`` (share of equal grades), Cohen's ``kappa`` (agreement
        beyond chance, on the four grades as categories) and ``weighted_kappa`` (quadratic
        weights: grading 2 for 3 disagrees less than 0 for 3). None with no pair."""
        standing = self.standing()
        return agreement_between(standing.get(judge_a, {}), standing.get(judge_b, {}))

    def standing(self) -> dict[str, dict[tuple[str, str], int]]:
        """Each judge's standing grades, ``{judge: {(query, id): grade}}``, from one read."""
        rows = self.history()
        out: dict[str, dict[tuple[str, str], int]] = {}
        columns = (rows.column(c).to_pylist() for c in ("judge", "query", "id", "grade"))
        for judge, query, id, grade in zip(*columns, strict=True):  # oldest first: last stands
            out.setdefault(judge, {})[(query, id)] = grade
        return out

    def export_qrels(
        self, path: str | os.PathLike[str], *, format: str = "trec", documents: bool = False
    ) -> dict[str, str]:
        """Write the standing grades as TREC qrels (``qid 0 id grade``) or a BEIR
        ``qrels/*.tsv`` (with its header); returns ``{query id: text}`` (ids from
        ``query_id``), which ``import_qrels`` and ``load_queries`` read back."""
        if format not in ("trec", "beir"):
            raise InvalidInputError(f"format must be 'trec' or 'beir', got {format!r}")
        qrels = self.qrels(documents=documents)
        ids = {query_id(q): q for q in sorted(qrels)}
        lines = ["query-id\tcorpus-id\tscore"] if format == "beir" else []
        for qid, text in ids.items():
            for doc, grade in sorted(qrels[text].items()):
                lines.append(
                    f"{qid}\t{doc}\t{grade}" if format == "beir" else f"{qid} 0 {doc} {grade}"
                )
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ids
