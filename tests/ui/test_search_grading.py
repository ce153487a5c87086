"""Grading hits in the SearchWidget, in JupyterLab: keys move and grade, a chip click grades,
a twin offers the grade it lacks, and the grades are in the store after a kernel restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import Notebook, kernel_json, wait_for

SETUP = """
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect({path!r}, embedder=vl.HashEmbedder(dim=64))
docs = db.get_or_create_collection("docs")
if len(docs) == 0:
    docs.add(ids=["cat", "cat-copy", "dog", "market"],
             texts=["the cat sat on the mat", "the cat sat on the mat",
                    "a dog chased a cat", "stock market news"])
j = vl.Judgements(docs, judge="ana")
w = SearchWidget(docs, k=4, judgements=j, query="cat on a mat")
w
"""


def labels(nb: Notebook) -> dict[str, str]:
    got: dict[str, str] = nb.page.eval_on_selector_all(
        ".vsl-search [data-testid=grade]",
        "els => Object.fromEntries(els.map((e) => [e.dataset.id,"
        " e.querySelector('[data-testid=grade-label]').textContent]))",
    )
    return got


def test_keys_grade_the_focused_hit_and_the_grades_outlive_the_kernel(
    open_notebook: Any, tmp_path: Path
) -> None:
    nb = open_notebook("judging.ipynb", [SETUP.format(path=str(tmp_path / "db"))])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-search [data-testid=grade]", timeout=90_000)
    ids = kernel_json(nb, "w.last_results.ids")
    assert wait_for(lambda: set(labels(nb)) == set(ids))
    assert set(labels(nb).values()) == {"not graded"}

    # The two chunks with the same text: grade one, the other says so and copies the grade.
    def card(hit: str, inner: str) -> Any:
        return page.locator(f'.vsl-search [data-testid=grade][data-id="{hit}"] {inner}')

    card("cat", '[data-grade="2"]').click()
    assert wait_for(lambda: kernel_json(nb, "j.get('cat on a mat', 'cat')") == 2)
    hint = card("cat-copy", "[data-testid=twin]")
    assert wait_for(lambda: hint.count() == 1)
    assert hint.inner_text().startswith("same text as cat, graded relevant")
    hint.locator("button").click()
    assert wait_for(lambda: kernel_json(nb, "j.get('cat on a mat', 'cat-copy')") == 2)
    assert wait_for(lambda: hint.count() == 0)

    # k to the top (a click focused the twin), j once: the second hit has the focus; 3 grades
    # it, and the store has it at once.
    page.locator(".vsl-search [data-testid=hits]").focus()
    for _ in range(4):
        page.keyboard.press("k")
    page.keyboard.press("j")
    root = page.locator(".vsl-search")
    assert wait_for(lambda: root.get_attribute("data-focused") == ids[1])
    page.keyboard.press("3")
    assert wait_for(lambda: kernel_json(nb, f"j.get('cat on a mat', {ids[1]!r})") == 3)
    assert wait_for(lambda: labels(nb)[ids[1]] == "highly relevant · ana")
    assert card(ids[1], ".vsl-chip.on").inner_text() == "3"
    # k goes back up, and 0 grades the first hit.
    page.keyboard.press("k")
    assert wait_for(lambda: root.get_attribute("data-focused") == ids[0])
    page.keyboard.press("0")
    assert wait_for(lambda: kernel_json(nb, f"j.get('cat on a mat', {ids[0]!r})") == 0)
    standing = kernel_json(nb, "j.for_query('cat on a mat')")
    assert len(standing) >= 3

    # A new kernel: the widget is made again and shows the stored grades.
    # (not awaited: the command waits for the dialog this test accepts)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click()

    def after_restart(expr: str) -> Any:
        try:  # the new kernel runs the cells again: `j` exists once the first one has run
            return kernel_json(nb, expr)
        except AssertionError:
            return None

    assert wait_for(lambda: after_restart("j.for_query('cat on a mat')") == standing, timeout=90)
    assert wait_for(
        lambda: (
            {i: s for i, s in labels(nb).items() if s != "not graded"}.keys() == standing.keys()
        ),
        timeout=60,
    )
    nb.screenshot("judging")
