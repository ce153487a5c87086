"""Blind pooled judging in JupyterLab: the JudgeWidget's page holds no score, rank or
configuration name anywhere in its DOM; keys grade and reach the store; the bar counts; a
second judge's grades bring the agreement."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import kernel_json, wait_for

SETUP = """
import vecstore_lab as vl
from vecstore_lab.widgets import JudgeWidget

db = vl.connect({path!r}, embedder=vl.HashEmbedder(dim=64))
docs = db.create_collection("docs")
docs.add(ids=[f"p{{i}}" for i in range(8)],
         texts=["the cat sat on the mat", "a cat chased a dog", "dogs bark at night",
                "the mat was red", "stock market news", "cats and dogs",
                "a red mat for the cat", "market prices fell"])
configs = {{"vecconfig-alpha": {{"mode": "vector"}}, "textconfig-beta": {{"mode": "text"}}}}
w = JudgeWidget(docs, ["cat on a mat", "dog at night"], configs, depth=3, judge="ana")
w
"""


def test_pooled_judging_is_blind_and_keys_reach_the_store(
    open_notebook: Any, tmp_path: Path
) -> None:
    nb = open_notebook("pooled.ipynb", [SETUP.format(path=str(tmp_path / "db"))])
    nb.run_all()
    page = nb.page
    root = page.locator(".vsl-judge")
    root.locator("[data-testid=pooled]").first.wait_for(timeout=90_000)
    items = kernel_json(nb, "w.items")
    assert wait_for(lambda: root.locator("[data-testid=pooled]").count() == len(items))

    # Blind: nothing in the widget's DOM (text, attributes, styles) names a configuration,
    # a score or a rank, and no "#n" rank badge is drawn.
    # (the shared stylesheet, injected as a <style>, is left out: it styles other widgets too)
    dom = root.evaluate(
        "e => { const c = e.cloneNode(true);"
        " c.querySelectorAll('style').forEach((s) => s.remove()); return c.outerHTML; }"
    )
    assert "vecconfig-alpha" not in dom and "textconfig-beta" not in dom
    for leak in ("score", "_rank", "_distance", "vsl-rank", "vsl-bar", "breakdown"):
        assert leak not in dom, leak
    assert not re.search(r"#\d", root.inner_text())
    assert root.locator("[data-testid=judge-query]").inner_text() == "cat on a mat"
    total = kernel_json(nb, "w.total")
    assert root.locator("[data-testid=progress]").inner_text() == f"0 of {total} judged"

    # Keys: j focuses the first hit, 2 grades it and moves on, 3 grades the second.
    page.locator(".vsl-judge [data-testid=pool]").focus()
    page.keyboard.press("j")
    assert wait_for(lambda: root.get_attribute("data-focused") == items[1]["id"])
    page.keyboard.press("k")
    assert wait_for(lambda: root.get_attribute("data-focused") == items[0]["id"])
    page.keyboard.press("2")
    assert wait_for(lambda: root.get_attribute("data-focused") == items[1]["id"])
    page.keyboard.press("3")
    assert wait_for(
        lambda: (
            kernel_json(nb, "w.judgements.for_query('cat on a mat')")
            == {items[0]["id"]: 2, items[1]["id"]: 3}
        )
    )
    bar = root.locator("[data-testid=progress]")
    assert wait_for(lambda: bar.inner_text() == f"2 of {total} judged")
    fill = root.locator(".vsl-progress-fill").evaluate("e => e.getBoundingClientRect().width")
    track = root.locator(".vsl-progress").evaluate("e => e.clientWidth")
    assert abs(fill - track * 2 / total) <= 2  # the bar is painted to scale
    strip = f'[data-testid=grade][data-id="{items[1]["id"]}"]'
    label = root.locator(f"{strip} [data-testid=grade-label]")
    assert wait_for(lambda: label.inner_text() == "highly relevant")

    # A click on a chip grades too; n goes to the next query.
    root.locator(f'[data-testid=grade][data-id="{items[2]["id"]}"] [data-grade="0"]').click()
    third = f"w.judgements.get('cat on a mat', {items[2]['id']!r})"
    assert wait_for(lambda: kernel_json(nb, third) == 0)
    page.locator(".vsl-judge [data-testid=pool]").focus()
    page.keyboard.press("n")
    query = root.locator("[data-testid=judge-query]")
    assert wait_for(lambda: query.inner_text() == "dog at night")
    assert root.locator("[data-testid=where]").inner_text() == "query 2 of 2"

    # A second judge grades the same pairs from Python: the agreement shows.
    nb.kernel(
        "bo = vl.Judgements(docs, judge='bo')\n"
        f"bo.grade('cat on a mat', {items[0]['id']!r}, 2)\n"
        f"bo.grade('cat on a mat', {items[1]['id']!r}, 1)\n"
        "w.goto(0)"
    )
    agreement = root.locator("[data-testid=agreement]")
    assert wait_for(lambda: agreement.inner_text().startswith("agreement with bo on 2 pairs: κ"))
    nb.screenshot("judge")
