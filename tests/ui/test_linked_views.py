"""Linked views in JupyterLab, read from the page: a click on a facet's bar dims the map's
other points (painted pixels), scopes the browser and the search; a browser filter narrows
the map further; the search's hits ring the map and are marked in the browser. Light theme,
then dark: the facet's bars and a marked row keep their contrast."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from pixels import background, contrast, shot

from conftest import ARTIFACTS, TOPIC_NOTES, kernel_json, set_theme, wait_for

SETUP = (
    TOPIC_NOTES
    + """
from vecstore_lab.widgets import CollectionBrowser, EmbeddingMap, FacetWidget, SearchWidget, link

em = EmbeddingMap(docs, color_by="topic", labels=False, density=False, height=360)
br = CollectionBrowser(docs, page_size=5)
fa = FacetWidget(docs, ["topic", "weight"])
se = SearchWidget(docs, k=5)
linked = link(em, br, fa, se)
display(fa, em, br, se)
"""
)


def _alone(page: Any) -> list[tuple[int, int, int]]:
    """``(index, x, y)`` of the map's points that no other point comes within 7 px of: their
    centre pixel is theirs alone, whatever the others' opacity adds up to where they stack."""
    xy = np.array(
        page.evaluate(
            "() => { const s = document.querySelector('.vsl-map').__scatter;"
            " const n = s.get('points').length;"
            " return Array.from({length: n}, (_, i) => s.getScreenPosition(i)); }"
        )
    )
    gaps = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    return [(int(i), round(xy[i, 0]), round(xy[i, 1])) for i in np.flatnonzero(gaps.min(1) > 7)]


def _bar_colours(page: Any, column: str) -> tuple[Any, Any, Any]:
    """The facet chart's background, the colour of its kept bars and of its all-rows bars,
    read from a screenshot at the bars' own rectangles."""
    facet = page.locator(f".vsl-facet[data-column={column}]")
    image = shot(facet.locator("svg").first)
    box = facet.locator("svg").first.bounding_box()

    def colour_of(selector: str) -> Any:
        rects = facet.locator(selector)
        rect = max(
            (rects.nth(i).bounding_box() for i in range(rects.count())), key=lambda r: r["height"]
        )  # the tallest bar
        x, y = rect["x"] - box["x"] + 2, rect["y"] - box["y"] + rect["height"] / 2
        return image[round(y), round(x)]

    return background(image), colour_of(".vsl-facet-kept rect"), colour_of(".vsl-facet-all rect")


def test_a_facet_click_dims_the_map_and_scopes_browser_and_search(open_notebook: Any) -> None:
    nb = open_notebook("linked.ipynb", [SETUP])
    nb.run_all()
    page = nb.page
    page.wait_for_selector(".vsl-map[data-points='1200']", timeout=90_000)
    page.wait_for_selector(".vsl-facet[data-column=weight] svg", timeout=60_000)
    mapped = page.locator(".vsl-map")
    canvas = mapped.locator("[data-testid=map-canvas]")
    page.wait_for_timeout(300)
    before = shot(canvas)
    bg = background(before)
    h, w = before.shape[:2]
    alone = [(i, x, y) for i, x, y in _alone(page) if 0 <= x < w and 0 <= y < h]

    # A click on the "cats" bar (at its tick label's height) picks it, in Python too.
    topic = page.locator(".vsl-facet[data-column=topic]")
    label = topic.locator("svg text", has_text="cats").first.bounding_box()
    page.mouse.click(label["x"] + label["width"] + 40, label["y"] + label["height"] / 2)
    cats = kernel_json(nb, "fa.facets[0]['labels'].index('cats')")
    assert wait_for(lambda: kernel_json(nb, "fa.selection") == {"topic": [cats]})
    assert wait_for(lambda: mapped.get_attribute("data-kept") == "300")
    page.wait_for_timeout(500)
    after = shot(canvas)
    # Read at points no other point overlaps: the cats stay as strong as they were, every
    # other point is dimmed to a faint trace of its colour.
    topics = kernel_json(nb, "em._column('topic').to_pylist()")
    kept = [(x, y) for i, x, y in alone if topics[i] == "cats"]
    dimmed = [(x, y) for i, x, y in alone if topics[i] != "cats"]
    assert len(kept) >= 5 and len(dimmed) >= 15, (len(kept), len(dimmed))
    for x, y in kept:
        assert contrast(after[y, x], bg) >= 0.9 * contrast(before[y, x], bg) > 1.5, (x, y)
    faint = [contrast(after[y, x], bg) for x, y in dimmed]
    strong = [contrast(before[y, x], bg) for x, y in dimmed]
    assert min(strong) > 1.5 and max(faint) < 1.25, (min(strong), max(faint))
    assert sum(f > 1.01 for f in faint) >= 0.8 * len(faint)  # still faintly there
    assert "300 kept by the linked filters" in mapped.locator("[data-testid=map-info]").inner_text()

    # The browser pages through the 300, every one a cat; the other facet is recounted.
    browser = page.locator(".vsl-browser")
    assert wait_for(lambda: "300 rows" in browser.locator("[data-testid=page-info]").inner_text())
    assert "300 rows kept by linked views" in browser.locator("[data-testid=scope]").inner_text()
    header = browser.locator("th").all_inner_texts()
    topic_at = [h.split()[0] for h in header].index("topic")
    cells = browser.locator(f"tbody td:nth-child({topic_at + 1})")
    assert cells.count() == 5 and set(cells.all_inner_texts()) == {"cats"}
    assert "picked in topic" in page.locator("[data-testid=facet-status]").inner_text()
    assert kernel_json(nb, "sum(fa.facets[1]['kept'])") == 300  # the weight histogram

    # A search runs within the pick; its hits ring the map.
    search = page.locator(".vsl-search")
    search.locator("[data-testid=query]").fill("stock markets")
    search.locator("[data-testid=query]").press("Enter")
    status = search.locator("[data-testid=status]")
    # (the scope shows in the status from the pick on; the hits count once the search ran)
    assert wait_for(lambda: re.search(r"5 hits in \d+ ms .* within 300 rows", status.inner_text()))
    hits = kernel_json(nb, "[r.metadata['topic'] for r in se.last_results]")
    assert hits == ["cats"] * 5
    assert wait_for(lambda: mapped.get_attribute("data-rings") == "5")

    # The hit's page in the browser: its row is marked.
    first = kernel_json(nb, "se.last_results.ids[0]")
    nb.kernel(f"br.load_page(br.scope.to_pylist().index({first!r}) // br.page_size)")
    row = browser.locator("tr.vsl-marked")
    assert wait_for(lambda: row.count() >= 1)
    assert first in [row.nth(i).get_attribute("data-id") for i in range(row.count())]

    for theme, dark in (("JupyterLab Light", False), ("JupyterLab Dark", True)):
        set_theme(page, theme, settle_ms=500)
        # Kept bars stand out from the chart (3:1) and from the all-rows bars behind them.
        chart_bg, kept, everything = _bar_colours(page, "weight")
        assert contrast(kept, chart_bg) >= 3, (theme, kept, chart_bg)
        assert contrast(kept, everything) >= 2, (theme, kept, everything)
        assert contrast(everything, chart_bg) >= 1.15, (theme, everything, chart_bg)
        # The marked row's text reads on its mark (WCAG AA).
        cell = shot(row.locator("td").nth(1))
        cell_bg = background(cell)
        text_colour = cell.reshape(-1, 3)[
            np.argmax([contrast(c, cell_bg) for c in cell.reshape(-1, 3)[::7]]) * 7
        ]
        assert contrast(text_colour, cell_bg) >= 4.5, (theme, text_colour, cell_bg)
        assert contrast(cell_bg, background(shot(browser.locator("thead")))) > 1.0
        name = "dark" if dark else "light"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for what, loc in (
            ("facets", ".vsl-facets"),
            ("linked-map", ".vsl-map"),
            ("linked-browser", ".vsl-browser"),
        ):
            page.locator(loc).first.screenshot(path=str(ARTIFACTS / f"{what}-{name}.png"))

    # Filtering the browser to one hit narrows the map to its point (and scopes the search).
    browser.locator("[data-testid=filter]").fill(f"id = '{first}'")
    browser.locator("[data-testid=filter]").press("Enter")
    assert wait_for(lambda: mapped.get_attribute("data-kept") == "1")
    assert wait_for(
        lambda: "within 1 row kept" in search.locator("[data-testid=status]").inner_text()
    )
