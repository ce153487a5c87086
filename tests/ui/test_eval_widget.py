"""EvalWidget in JupyterLab: metric bars, the per-query grid, and the drill-down view."""

from __future__ import annotations

import re
from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.datasets import load_python_reference
from vecstore_lab.widgets import EvalWidget

data = load_python_reference()
db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=256))
ref = db.create_collection("pyref")
ref.add(ids=list(data.corpus), texts=[d["text"] for d in data.corpus.values()],
        metadatas=[{"title": d["title"]} for d in data.corpus.values()])
queries = dict(data.queries, xss='<img src=x onerror="window.__xss=1"> loop break')
qrels = dict(data.qrels, xss={"break": 1})
configs = {"vector": {"mode": "vector"}, "text": {"mode": "text"}, "hybrid": {"mode": "hybrid"}}
ew = EvalWidget(ref, queries, qrels, configs, k=5)
ew
"""


def grid_values(page: Any, config: str) -> dict[str, float]:
    cells: list[list[str]] = page.eval_on_selector_all(
        f'.vsl-eval [data-testid=cell][data-config="{config}"]',
        "els => els.map((e) => [e.closest('tr').dataset.query, e.textContent])",
    )
    return {q: float(v) for q, v in cells}


def test_eval_widget_bars_grid_and_drill_down(open_notebook: Any) -> None:
    nb = open_notebook("eval.ipynb", [SETUP])
    dialogs: list[str] = []
    nb.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-eval [data-testid=chart] svg", timeout=60_000)
    chart = page.locator(".vsl-eval [data-testid=chart]").inner_text()
    for label in ("vector", "text", "hybrid", "ndcg@5", "recall@5"):
        assert label in chart
    assert re.search(r"\d\.\d{3}  p(<0\.001|=[01]\.\d{3})", chart)  # mean and paired p-value

    # The grid shows evaluate()'s per-query numbers for the chosen metric, per configuration.
    expected = kernel_json(
        nb,
        "{r['config'] + '/' + r['query_id']: round(r['ndcg@5'], 3)"
        " for r in ew.per_query_table.to_pylist()}",
    )
    assert len(expected) == 3 * 46
    for config in ("vector", "text", "hybrid"):
        shown = grid_values(page, config)
        assert len(shown) == 46
        assert all(abs(v - expected[f"{config}/{q}"]) < 1e-9 for q, v in shown.items())
    # Wins and losses against the baseline are coloured.
    assert page.locator(".vsl-eval td.cell.win, .vsl-eval td.cell.loss").count() > 0

    # Switching the metric redraws the grid with that metric and reaches Python.
    page.select_option(".vsl-eval [data-testid=metric]", "recall")
    assert wait_for(lambda: kernel_json(nb, "ew.metric") == "recall")
    recall = kernel_json(
        nb,
        "{r['query_id']: round(r['recall@5'], 3) for r in ew.per_query_table.to_pylist()"
        " if r['config'] == 'text'}",
    )
    assert wait_for(
        lambda: all(abs(v - recall[q]) < 1e-9 for q, v in grid_values(page, "text").items())
    )

    # Picking another baseline recolours the grid against it and reaches Python.
    page.select_option(".vsl-eval [data-testid=baseline]", "text")
    assert wait_for(lambda: kernel_json(nb, "ew.baseline") == "text")
    coloured = '.vsl-eval td.cell[data-config="{}"].win, .vsl-eval td.cell[data-config="{}"].loss'
    assert wait_for(lambda: page.locator(coloured.format("text", "text")).count() == 0)
    assert page.locator(coloured.format("vector", "vector")).count() > 0
    assert wait_for(
        lambda: "against text" in page.locator(".vsl-eval [data-testid=chart]").inner_text()
    )

    # Clicking a cell drills down: that query's hits under that config, relevant ones marked.
    page.locator('.vsl-eval tr[data-query="q01"] td[data-config="hybrid"]').click()
    page.wait_for_selector('.vsl-eval[data-drill="q01/hybrid"] [data-testid=hit]')
    ids = page.eval_on_selector_all(
        ".vsl-eval [data-testid=hits] [data-testid=hit]", "els => els.map((e) => e.dataset.id)"
    )
    assert ids == kernel_json(nb, "ew.drill('q01', 'hybrid').ids")
    judged = kernel_json(nb, "qrels['q01']")
    relevant = [i for i in ids if judged.get(i, 0) > 0]
    assert page.locator(".vsl-eval [data-testid=hits] [data-testid=relevant]").count() == len(
        relevant
    )
    head = page.locator(".vsl-eval [data-testid=drill-head]").inner_text()
    assert "how do I stop a loop early" in head and f"{len(relevant)} relevant" in head
    missed = page.locator(".vsl-eval [data-testid=missed]").inner_text()
    for doc, grade in judged.items():
        if grade > 0 and doc not in ids:
            assert doc in missed
    first = page.locator(".vsl-eval [data-testid=hits] [data-testid=hit]").first
    assert first.locator("[data-testid=breakdown] .vsl-bar").count() >= 2  # hybrid breakdown
    # Clicking the cell already shown redraws it too (no trait changes then).
    page.locator('.vsl-eval tr[data-query="q01"] td[data-config="hybrid"]').click()
    page.wait_for_function(
        "(el) => !el.textContent.includes('searching')",
        arg=page.locator(".vsl-eval [data-testid=drill-head]").element_handle(),
    )
    assert (
        "how do I stop a loop early"
        in page.locator(".vsl-eval [data-testid=drill-head]").inner_text()
    )
    nb.screenshot("eval-widget")

    # Query text is shown as text, never run as HTML.
    page.locator('.vsl-eval tr[data-query="xss"] td[data-config="text"]').click()
    page.wait_for_selector('.vsl-eval[data-drill="xss/text"]')
    assert (
        '<img src=x onerror="window.__xss=1">'
        in page.locator(".vsl-eval [data-testid=drill-head]").inner_text()
    )
    assert page.locator(".vsl-eval img").count() == 0
    assert page.evaluate("() => window.__xss") is None and not dialogs

    # The history: another run recorded, then the chart of the chosen metric over runs, one
    # dot per (run, config), the later run to the right, its label on the axis.
    nb.kernel(
        "import vecstore_lab.eval as ev\n"
        "_ = ev.evaluate(ref, queries, qrels, {'vector': {'mode': 'vector'}}, k=5, label='again')\n"
        "_ = ew.load_history()"
    )
    history = page.locator(".vsl-eval [data-testid=history]")
    history.wait_for(timeout=30_000)
    assert "recall@5 over 2 recorded runs" in history.inner_text()
    assert "again" in history.locator("svg[viewBox]").text_content()  # (not the legend swatches)
    dots = history.evaluate(
        "e => Array.from(e.querySelectorAll('svg[viewBox] circle')).map((c) => {"
        " const r = c.getBoundingClientRect(); return [r.x + r.width / 2, r.width]; })"
    )
    assert len(dots) == 4 and all(w > 3 for _, w in dots)  # painted, not zero-sized
    assert max(x for x, _ in dots) - min(x for x, _ in dots) > 100  # two runs, apart
    nb.screenshot("eval-history")
