"""``JudgeWidget``: blind pooled judging (TREC-style) in a notebook.

The pool is ``vecstore_lab.eval.pool``: the union of several configurations' top hits for
each query, shuffled with a seed. The widget shows one query at a time with its pooled hits
and nothing else about them: no score, rank or configuration name reaches the front end (the
synced items hold only ``id`` and ``text``). Grades go to the collection's ``Judgements``
(``source="pool"``), so a judge can stop and resume in another kernel, and a second judge's
agreement (Cohen's kappa) shows as soon as both graded the same pairs.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import traitlets as t

from vecstore_lab.errors import InvalidInputError
from vecstore_lab.eval.agreement import agreement_between
from vecstore_lab.eval.judgements import Judgements
from vecstore_lab.eval.pooling import Pool, pool
from vecstore_lab.widgets._base import VecWidget, command

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vecstore_lab.collection import Collection
    from vecstore_lab.eval.configs import Config

__all__ = ["JudgeWidget"]


class JudgeWidget(VecWidget):
    """Grade the pooled hits of ``queries`` under ``configs``, blind.

    Each query's pool is the union of every configuration's top ``depth`` hits, shuffled
    (``seed``), shown without scores, ranks or configuration names. Keys: j/k or the arrows
    move between hits, 0-3 grade the focused one (and move on to the next ungraded hit),
    n/p go to the next/previous query; the chips do the same with the mouse. The bar counts
    this judge's grades ("37 of 120 judged"); opening the widget again resumes at the first
    query with an ungraded hit. With another judge's grades on the same pairs, their
    agreement (Cohen's kappa) is shown.

    Examples:
        >>> import vecstore_lab as vl
        >>> docs = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16)).create_collection("d")
        >>> _ = docs.add(ids=["a", "b", "c"], texts=["moon tides", "bond prices", "tides"])
        >>> w = JudgeWidget(docs, ["tides"], [{"mode": "vector"}, {"mode": "text"}],
        ...                 depth=2, judge="ana")
        >>> w.grade(w.items[0]["id"], 3)
        >>> w.progress
        'query 1 of 1 · 1 of 2 judged'
    """

    _bundle = "judge.js"

    queries = t.List(t.Unicode()).tag(sync=True)
    position = t.Int(0).tag(sync=True)  # the query on screen (index into queries)
    query = t.Unicode("").tag(sync=True)
    items = t.List(t.Dict()).tag(sync=True)  # [{id, text}]: nothing else, the pool is blind
    grades = t.Dict().tag(sync=True)  # {id: grade} of this judge for the query on screen
    judge = t.Unicode("").tag(sync=True)
    done = t.Int(0).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    agreement = t.Unicode("").tag(sync=True)  # "agreement with bo on 12 pairs: κ 0.62 ..."
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        collection: Collection,
        queries: Sequence[str],
        configs: Mapping[str, Config] | list[Config],
        *,
        depth: int = 10,
        seed: int = 0,
        judgements: Judgements | None = None,
        judge: str | None = None,
        **kwargs: Any,
    ) -> None:
        if judgements is not None and judge is not None:
            raise InvalidInputError("pass judge= or judgements=, not both")
        if judgements is None:
            judgements = Judgements(collection, judge=judge)
        self.collection = collection
        self.judgements = judgements
        self.pool = Pool(pool(collection, queries, configs, depth=depth, seed=seed), judgements)
        self._by_query: dict[str, list[dict[str, str]]] = {}
        for row in self.pool.items.to_pylist():
            self._by_query.setdefault(row["query"], []).append(
                {"id": row["id"], "text": row["text"]}
            )
        kwargs.setdefault("judge", judgements.judge)
        kwargs.setdefault("queries", list(self._by_query))
        super().__init__(**kwargs)
        self._refresh(resume=True)

    @property
    def progress(self) -> str:
        """Where the judge is: "query 3 of 12 · 37 of 120 judged"."""
        return (
            f"query {self.position + 1} of {len(self.queries)} · {self.done} of {self.total} judged"
        )

    def grade(self, id: str, grade: int) -> None:
        """Grade pooled hit ``id`` of the query on screen (what the keys 0-3 do)."""
        if id not in {item["id"] for item in self.items}:
            raise InvalidInputError(f"{id!r} is not in the pool of {self.query!r}")
        self.judgements.grade(self.query, id, grade, source="pool")
        self._refresh()

    def goto(self, position: int) -> None:
        """Show query number ``position`` (0-based) of the pool."""
        if not 0 <= position < len(self.queries):
            raise InvalidInputError(f"position must be in 0..{len(self.queries) - 1}")
        self.position = position  # the observer shows it

    @t.observe("position")
    def _moved(self, change: dict[str, Any]) -> None:
        if 0 <= change["new"] < len(self.queries):
            self._refresh()

    def _refresh(self, *, resume: bool = False) -> None:
        """Progress, this judge's grades of the query on screen, and agreement: one read."""
        standing = self.judgements.standing()
        me = self.judgements.judge
        mine = standing.get(me, {})
        graded = self.pool.graded_in(mine.keys())
        if resume and not all(graded):
            first = self.pool.items.column("query")[graded.index(False)].as_py()
            if self.queries.index(first) != self.position:
                self.position = self.queries.index(first)  # the observer shows it
                return
        self.done, self.total = sum(graded), len(graded)
        self.query = self.queries[self.position] if self.queries else ""
        self.items = self._by_query.get(self.query, [])
        self.grades = {i: g for (q, i), g in mine.items() if q == self.query}
        self.agreement = _agreement(me, standing)

    @command("grade")
    def _grade_command(self, id: str, grade: int) -> tuple[dict[str, Any], list[bytes]]:
        self.grade(id, grade)
        return {"graded": id, "grade": grade}, []

    def _static_html(self) -> str:
        return f"<p>{html.escape(repr(self))}: {html.escape(self.progress)}</p>"

    def __repr__(self) -> str:
        return (
            f"JudgeWidget(collection={self.collection.name!r}, judge={self.judge!r}, "
            f"judged={self.done}/{self.total})"
        )


def _agreement(me: str, standing: dict[str, dict[tuple[str, str], int]]) -> str:
    """Agreement of ``me`` with each other judge who graded some of the same pairs."""
    parts = []
    for other in sorted(standing):
        if other == me:
            continue
        a = agreement_between(standing.get(me, {}), standing[other])
        if not a["pairs"] or a["kappa"] is None or a["agreed"] is None:
            continue
        parts.append(
            f"with {other} on {a['pairs']} pairs: κ {a['kappa']:.2f}, {a['agreed']:.0%} equal"
        )
    return ("agreement " + "; ".join(parts)) if parts else ""
