"""``EvalWidget``: retrieval configurations side by side, and why each query won or lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab._render.terms import matching_words
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.eval import (
    Config,
    Judgements,
    SearchConfig,
    best_per_document,
    compare,
    evaluate,
    query_id,
    runs,
    search_config,
)
from vecstore_lab.eval import run as recorded_run
from vecstore_lab.results import without_vectors
from vecstore_lab.spec import QuerySpec
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vecstore_lab.collection import Collection
    from vecstore_lab.eval import Qrels
    from vecstore_lab.results import QueryResults

__all__ = ["DrillDown", "EvalWidget"]


class EvalWidget(VecWidget):
    """Evaluate ``configs`` on judged ``queries`` and show them side by side: one bar per
    configuration for each metric, a per-query grid of the chosen metric (green where a
    configuration beats the baseline, red where it loses), and, on a click, that query's
    results under that configuration in the SearchWidget's view with every relevant document
    marked and the relevant ones it missed listed. Picking another baseline (in the widget or
    with ``widget.baseline = name``) re-compares without running the queries again.

    The numbers are ``vecstore_lab.eval.evaluate`` and ``compare``: ``per_query_table`` and
    ``summary_table`` hold them for code. ``k``, ``doc_key`` and ``depth`` mean what they mean
    there; pass ``results=`` (an ``evaluate`` table of the same configs and k) to show numbers
    already computed instead of running every query again.

    ``qrels`` may be a ``Judgements`` (your own grades; ``queries=None`` evaluates every
    graded query). Each evaluation is recorded (``eval.runs``) under ``label``;
    ``show_history=True`` (or ``load_history()``) draws the chosen metric over every recorded
    run of the collection at this k, and ``EvalWidget.from_runs(c, queries, qrels, [id_a,
    id_b])`` puts two recorded runs side by side with the paired test.

    Examples:
        >>> import vecstore_lab as vl
        >>> c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32)).create_collection("c")
        >>> _ = c.add(ids=["a", "b"], texts=["moon and tides", "bond prices"])
        >>> w = EvalWidget(c, {"q": "tides"}, {"q": {"a": 1}},
        ...                {"vector": {}, "text": {"mode": "text"}}, k=1)
        >>> w.per_query_table.column("ndcg@1").to_pylist()
        [1.0, 1.0]
        >>> w.drill("q", "text").ids
        ['a']
    """

    _bundle = "evaluation.js"

    k = t.Int(10).tag(sync=True)
    configs = t.List(t.Unicode()).tag(sync=True)
    baseline = t.Unicode("").tag(sync=True)
    metric = t.Unicode("ndcg").tag(sync=True)
    metrics = t.List(t.Unicode()).tag(sync=True)
    summary = ArrowTable().tag(sync=True)
    per_query = ArrowTable().tag(sync=True)
    drill_query = t.Unicode("").tag(sync=True)
    drill_config = t.Unicode("").tag(sync=True)
    drill_text = t.Unicode("").tag(sync=True)
    drill_results = ArrowTable().tag(sync=True)
    drill_marks = t.List(t.Unicode()).tag(sync=True)  # words of the hits that match the query
    drill_missed = t.List(t.Dict()).tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    history = ArrowTable().tag(sync=True)  # recorded runs at this k: run, at, config, metrics

    def __init__(
        self,
        collection: Collection,
        queries: Mapping[str, str] | None,
        qrels: Qrels | Judgements,
        configs: Mapping[str, Config],
        *,
        doc_key: str | None = None,
        depth: int | None = None,
        results: pa.Table | None = None,
        show_history: bool = False,
        label: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.collection = collection
        self.judgements = qrels if isinstance(qrels, Judgements) else None
        if isinstance(qrels, Judgements):  # your own grades, by query text: ids as evaluate's
            by_text = qrels.qrels(documents=doc_key is not None)
            if queries is None:
                queries = {query_id(text): text for text in sorted(by_text)}
            qrels = {qid: by_text[text] for qid, text in queries.items() if text in by_text}
        if queries is None:
            raise InvalidInputError("queries are needed with a qrels mapping")
        self.queries = dict(queries)
        self.qrels = {q: dict(j) for q, j in qrels.items()}
        self.label = label
        self.show_history = show_history
        self.search_configs = {name: SearchConfig.of(c) for name, c in configs.items()}
        self.doc_key = doc_key
        self.depth = depth
        kwargs.setdefault("configs", list(self.search_configs))
        super().__init__(**kwargs)
        if not self.baseline:
            self.baseline = self.configs[0] if self.configs else ""
        self.per_query_table = pa.table({})
        self.summary_table = pa.table({})
        self.last_results: QueryResults | None = None
        self.run(results)

    def run(self, results: pa.Table | None = None) -> pa.Table:
        """(Re-)evaluate every configuration and show it; returns the per-query table.

        ``results``: an ``evaluate(...)`` table of these configurations at this ``k`` to show
        instead of evaluating again.
        """
        if self.baseline not in self.search_configs:
            raise InvalidInputError(
                f"baseline {self.baseline!r} is not one of {sorted(self.search_configs)}"
            )
        if results is not None:
            names = set(results.column("config").to_pylist()) if results.num_rows else set()
            at_k = [c for c in results.column_names if c.endswith(f"@{self.k}")]
            if names != set(self.search_configs) or not at_k:
                raise InvalidInputError(
                    f"results hold configs {sorted(names)} at columns {results.column_names}; "
                    f"expected configs {sorted(self.search_configs)} scored at k={self.k}"
                )
            table = results
        else:
            self.status = "evaluating…"
            table = evaluate(
                self.collection,
                self.queries,
                self.judgements if self.judgements is not None else self.qrels,
                self.search_configs,
                k=self.k,
                doc_key=self.doc_key,
                depth=self.depth,
                label=self.label,
            )
        self.per_query_table = table
        self._compare()
        if self.show_history:
            self.load_history()
        texts = pa.array([self.queries.get(q, "") for q in table.column("query_id").to_pylist()])
        self.metrics = [c.split("@")[0] for c in table.column_names if "@" in c]
        self.per_query = table.append_column("query", texts)
        queries = table.num_rows // max(1, len(self.search_configs))
        self.status = (
            f"{len(self.search_configs)} configurations x {queries} judged queries, k={self.k}"
        )
        return table

    def load_history(self) -> pa.Table:
        """Show every recorded run of this collection at this k (``eval.runs``) as a chart of
        the chosen metric over runs; returns that table: ``run`` (its label, else its id),
        ``run_id``, ``at``, ``config`` and a column per metric."""
        every = runs(self.collection)
        if every.num_rows:
            every = every.filter(pc.equal(every.column("k"), self.k))
        keep = ["run_id", "at", "config"] + [c for c in every.column_names if "@" in c]
        if not every.num_rows:
            self.history = pa.table({})
            return self.history
        names = [
            label or run_id
            for label, run_id in zip(
                every.column("label").to_pylist(), every.column("run_id").to_pylist(), strict=True
            )
        ]
        table = every.select(keep).append_column("run", pa.array(names, pa.string()))
        self.history = table
        return table

    @classmethod
    def from_runs(
        cls,
        collection: Collection,
        queries: Mapping[str, str] | None,
        qrels: Qrels | Judgements,
        run_ids: Sequence[str],
        *,
        doc_key: str | None = None,
        depth: int | None = None,
        **kwargs: Any,
    ) -> EvalWidget:
        """Recorded runs side by side, compared query by query with the paired test against
        the first: each (run, configuration) is a column named ``"<run label or id>:
        <config>"``. The numbers are the recorded ones; a drill-down runs the recorded
        ``QuerySpec`` on the collection as it is now."""
        if len(run_ids) < 2:
            raise InvalidInputError("from_runs() compares two or more runs: pass their ids")
        listed = runs(collection)
        known = set(listed.column("run_id").to_pylist()) if listed.num_rows else set()
        missing = [r for r in run_ids if r not in known]
        if missing:
            raise InvalidInputError(f"no recorded run {missing[0]!r}; eval.runs(db) lists them")
        meta = {(r["run_id"], r["config"]): r for r in listed.to_pylist()}
        ks = {r["k"] for (rid, _), r in meta.items() if rid in run_ids}
        if len(ks) != 1:
            raise InvalidInputError(f"these runs were scored at different k: {sorted(ks)}")
        configs: dict[str, Config] = {}
        parts = []
        for rid in run_ids:
            table = recorded_run(collection, rid)
            names = []
            for config in table.column("config").to_pylist():
                row = meta[(rid, config)]
                name = f"{row['label'] or rid}: {config}"
                configs[name] = QuerySpec.from_json(row["spec"])
                names.append(name)
            at = table.schema.get_field_index("config")
            parts.append(table.set_column(at, "config", pa.array(names, pa.string())))
        results = pa.concat_tables(parts, promote_options="default")
        return cls(
            collection,
            queries,
            qrels,
            configs,
            doc_key=doc_key,
            depth=depth,
            results=results,
            k=ks.pop(),
            **kwargs,
        )

    @t.observe("baseline")
    def _baseline_changed(self, change: dict[str, Any]) -> None:
        table = getattr(self, "per_query_table", None)
        if table is None or table.num_rows == 0:
            return  # still being built: run() checks the baseline
        if change["new"] not in self.search_configs:
            self.baseline = change["old"]
            raise InvalidInputError(
                f"baseline {change['new']!r} is not one of {sorted(self.search_configs)}"
            )
        self._compare()  # no queries run: the per-query numbers stay, only the pairing changes

    def _compare(self) -> None:
        self.summary_table = compare(self.per_query_table, self.baseline)
        self.summary = self.summary_table

    def drill(self, query_id: str, config: str) -> DrillDown:
        """Show (and return) ``query_id``'s top-k results under ``config``, judged."""
        if query_id not in self.queries or query_id not in self.qrels:
            raise InvalidInputError(f"{query_id!r} is not a judged query")
        if config not in self.search_configs:
            raise InvalidInputError(f"{config!r} is not one of {sorted(self.search_configs)}")
        results = search_config(
            self.collection,
            self.queries[query_id],
            self.search_configs[config],
            k=self.k,
            doc_key=self.doc_key,
            depth=self.depth,
        )
        # The documents the metric saw: each document's best chunk, top k.
        best = best_per_document(results, self.doc_key, self.k)
        keep, docs = [i for i, _ in best], [doc for _, doc in best]
        table = results.to_arrow().take(pa.array(keep, pa.int64()))
        judged = self.qrels[query_id]
        table = table.set_column(
            table.schema.get_field_index("_rank"), "_rank", pa.array(range(1, len(keep) + 1))
        )
        table = table.append_column(
            "_relevance", pa.array([judged.get(d, 0) for d in docs], pa.int32())
        )
        self.drill_query, self.drill_config = query_id, config
        self.drill_text = self.queries[query_id]
        self.drill_missed = [
            {"id": d, "grade": g}
            for d, g in sorted(judged.items(), key=lambda kv: (-kv[1], kv[0]))
            if g > 0 and d not in docs
        ]
        texts = table.column("text").to_pylist() if "text" in table.column_names else []
        self.drill_marks = matching_words(self.drill_text, texts, results.full_text)
        self.drill_results = without_vectors(table)
        self.last_results = results
        return DrillDown(query_id, config, docs, table, [m["id"] for m in self.drill_missed])

    @command("drill")
    def _handle_drill(self, query_id: str, config: str) -> tuple[dict[str, Any], list[bytes]]:
        drilled = self.drill(query_id, config)
        return {"hits": len(drilled.ids)}, []

    def _static_html(self) -> str:
        title = f"EvalWidget: {len(self.configs)} configurations, k={self.k}"
        return table_html(self.summary_table, title=title)

    def __repr__(self) -> str:
        return (
            f"EvalWidget(collection={self.collection.name!r}, configs={self.configs}, "
            f"k={self.k}, queries={len(self.queries)})"
        )


@dataclass(frozen=True)
class DrillDown:
    """What ``EvalWidget.drill`` shows: one query under one configuration, judged."""

    query_id: str
    config: str
    ids: list[str]
    """The ranked judged ids the metrics saw (documents, with ``doc_key``)."""
    table: pa.Table = field(repr=False)
    """The shown hits (best chunk per document) with a ``relevance`` column."""
    missed: list[str]
    """Relevant ids that are not in the top k, most relevant first."""
