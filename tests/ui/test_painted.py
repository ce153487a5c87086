"""Pixel-level acceptance of the EmbeddingMap: what is painted on the canvas, read from
screenshots, in JupyterLab's light and dark themes and in Notebook 7. The theme is set before
the cells run, so the first render (before JupyterLab attaches the view to the page) is the one
measured, as a user sees it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from pixels import background, contrast, luminance, ring_contrast, shot

from conftest import ARTIFACTS, TOPIC_NOTES, kernel_json, set_theme, wait_for

MAPS = (
    TOPIC_NOTES
    + """
from vecstore_lab.widgets import EmbeddingMap

em = EmbeddingMap(docs, color_by="topic", labels=False)  # no label over a ring
res = em.show_query("stock markets", k=5)
display(em)
# (no cluster labels here: the test reads the colour of single points, which a label may cover)
byweight = EmbeddingMap(docs, color_by="weight", density=False, labels=False)
display(byweight)
"""
)

SCATTER = "(i) => document.querySelectorAll('.vsl-map')[i].__scatter"
THEMES = {
    "lab-light": ("JupyterLab Light", False),
    "lab-dark": ("JupyterLab Dark", False),
    "notebook7": ("JupyterLab Light", True),
}


def _positions(page: Any, which: int, indices: list[int]) -> list[tuple[float, float]]:
    return [
        tuple(page.evaluate(f"([w, i]) => ({SCATTER})(w).getScreenPosition(i)", [which, i]))
        for i in indices
    ]


@pytest.mark.parametrize("where", list(THEMES))
def test_map_paints_rings_star_and_numeric_colours_that_show(
    open_notebook: Any, where: str
) -> None:
    theme, notebook7 = THEMES[where]
    nb = open_notebook(f"painted-{where}.ipynb", [MAPS], notebook7=notebook7)
    page = nb.page
    set_theme(page, theme)
    nb.run_all()
    page.wait_for_selector(".vsl-map[data-points='1200'] >> nth=1", timeout=90_000)
    maps = page.locator(".vsl-map")
    assert wait_for(lambda: maps.nth(0).get_attribute("data-rings") == "5")
    page.wait_for_timeout(300)  # the frame after the last draw
    dark = theme.endswith("Dark")

    # The canvas takes the theme's background, and the map fills the output area's width.
    canvas = maps.nth(0).locator("[data-testid=map-canvas]")
    image = shot(canvas)
    bg = background(image)
    assert (luminance(bg) < 0.2) == dark, bg
    area = maps.nth(0).evaluate("(e) => e.clientWidth")
    assert image.shape[1] >= area - 4 and abs(image.shape[0] - 480) <= 1, (image.shape, area)

    # Each ring around a hit stands out from the background (WCAG graphics: 3:1).
    hits = kernel_json(nb, "em.highlighted_index")
    assert len(hits) == 5
    for (x, y), i in zip(_positions(page, 0, hits), hits, strict=True):
        ratio = ring_contrast(image, x, y, 8, bg)
        assert ratio >= 3, f"ring around point {i} at ({x:.0f}, {y:.0f}): {ratio:.2f} < 3"
    # ... and so does the query's star.
    sx, sy = map(int, (maps.nth(0).get_attribute("data-star") or "").split(","))
    assert contrast(image[sy, sx], bg) >= 3, image[sy, sx]

    # Numbers are painted along the colour scale: many colours, dark for low values and
    # bright for high ones (viridis' luminance rises with the value). Read at the centres of
    # points that no other point covers.
    numeric = shot(maps.nth(1).locator("[data-testid=map-canvas]"))
    weights = np.array(kernel_json(nb, "byweight._column('weight').to_pylist()"), dtype=float)
    xy = np.array(
        page.evaluate(
            f"() => {{ const s = ({SCATTER})(1); const n = s.get('points').length;"
            " return Array.from({length: n}, (_, i) => s.getScreenPosition(i)); }"
        )
    )
    gaps = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    h, w = numeric.shape[:2]
    alone = [
        i
        for i in np.flatnonzero(gaps.min(axis=1) > 7)
        if 0 <= xy[i, 0] < w - 1 and 0 <= xy[i, 1] < h - 1
    ]
    assert len(alone) >= 20, len(alone)
    painted = np.array([numeric[round(xy[i, 1]), round(xy[i, 0])] for i in alone])
    distinct = {tuple(c // 16) for c in painted}
    assert len(distinct) >= 8, f"{len(distinct)} colours for weights 0..999"
    lum = np.array([luminance(c) for c in painted])
    follows = np.corrcoef(weights[alone], lum)[0, 1]
    assert follows > 0.8, f"painted colour does not follow the value (r = {follows:.2f})"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    maps.nth(0).screenshot(path=str(ARTIFACTS / f"map-rings-{where}.png"))
    maps.nth(1).screenshot(path=str(ARTIFACTS / f"map-numeric-{where}.png"))


TELEMETRY = """
import tempfile, time
import vecstore_lab as vl
from vecstore_lab.widgets import TelemetryWidget

recorder = vl.telemetry.enable()
db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
docs.add(ids=[str(i) for i in range(300)],
         texts=[f"note {i} about topic {i % 5}" for i in range(300)])
for _ in range(10):
    docs.query("topic 3", k=5, mode="hybrid")
# A stage a thousand times slower than the searches, as a real ingest is.
with vl.telemetry.stage("ingest"):
    time.sleep(2.5)
tw = TelemetryWidget()
tw
"""


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return list(
        page.eval_on_selector_all(
            selector,
            "els => els.map((e) => { const r = e.getBoundingClientRect();"
            " return {x: r.x, y: r.y, w: r.width, h: r.height}; })",
        )
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_telemetry_charts_read_at_every_scale(open_notebook: Any, theme: str) -> None:
    name = theme.rsplit(maxsplit=1)[-1].lower()
    nb = open_notebook(f"painted-telemetry-{name}.ipynb", [TELEMETRY])
    page = nb.page
    set_theme(page, theme)
    nb.run_all()
    chart = ".vsl-telemetry [data-testid=percentiles] svg"
    page.wait_for_selector(chart, timeout=90_000)
    stages = kernel_json(nb, "sorted(recorder.summary().index)")
    assert "ingest" in stages and "search.fts" in stages

    # Every stage's p50 and p95 marks are drawn at a visible size inside the chart, from a
    # 2 ms search to a 2.5 s ingest.
    frame = _boxes(page, chart)[0]
    for mark in ("p50", "p95"):
        dots = _boxes(page, f"{chart} .vsl-{mark} circle")
        assert len(dots) == len(stages), (mark, len(dots), stages)
        for d in dots:
            assert d["w"] >= 2 and d["h"] >= 2, d
            assert frame["x"] <= d["x"] and d["x"] + d["w"] <= frame["x"] + frame["w"], d

    # Each stage carries its numbers, and no label overlaps another or leaves the chart.
    labels = _boxes(page, f"{chart} .vsl-values text")
    assert len(labels) == len(stages)
    for i, a in enumerate(labels):
        assert a["x"] + a["w"] <= frame["x"] + frame["w"] + 0.5, a
        assert not any(_overlap(a, b) for b in labels[i + 1 :]), a
    texts = page.eval_on_selector_all(
        f"{chart} .vsl-values text", "els => els.map((e) => e.textContent)"
    )
    assert all(re.fullmatch(r"[\d.]+ m?s · [\d.]+ m?s", t) for t in texts), texts
    assert any(t.endswith(" s") and " ms" not in t.split("·")[1] for t in texts), texts  # ingest

    # Few round ticks on the log axis, none overlapping.
    ticks = _boxes(page, f"{chart} [aria-label='x-axis tick label'] text")
    assert 2 <= len(ticks) <= 7, len(ticks)
    assert not any(_overlap(a, b) for i, a in enumerate(ticks) for b in ticks[i + 1 :])

    # The time axis uses a 24-hour clock, as the page's own clock reads.
    times = page.eval_on_selector_all(
        ".vsl-telemetry [data-testid=timeline] [aria-label='x-axis tick label'] text",
        "els => els.map((e) => e.textContent)",
    )
    assert times and all(re.fullmatch(r"\d\d:\d\d(:\d\d(\.\d{3})?)?", t) for t in times), times
    assert len(set(times)) == len(times), f"tick labels repeat: {times}"
    hour = page.evaluate("() => String(new Date().getHours()).padStart(2, '0')")
    assert any(t.startswith(hour) for t in times), (times, hour)

    # The charts use the widget's width rather than a fixed 540 px.
    root = _boxes(page, ".vsl-telemetry")[0]
    svgs = _boxes(page, ".vsl-telemetry [data-testid=timeline] svg, " + chart)
    assert sum(s["w"] for s in svgs) >= 0.9 * root["w"] - 24, (root, svgs)

    # The value labels are readable on the theme's background (text: 4.5:1).
    image = shot(page.locator(chart))
    bg = background(image)
    fill = page.eval_on_selector(f"{chart} .vsl-values text", "(e) => getComputedStyle(e).fill")
    rgb = [int(v) for v in re.findall(r"\d+", fill)[:3]]
    assert contrast(rgb, bg) >= 4.5, (fill, bg)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".vsl-telemetry").screenshot(path=str(ARTIFACTS / f"telemetry-{name}.png"))


BROWSER = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import CollectionBrowser

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=384))
docs = db.create_collection("docs")
long = "a sentence that goes on " * 30
docs.add(ids=[f"row-{i}" for i in range(30)],
         texts=[f"{i}: {long}<b>end</b>" for i in range(30)],
         metadatas=[{"title": f"title {i}", "pages": i * 3, "start_index": i * 1000}
                    for i in range(30)])
docs.create_scalar_index("pages")
cb = CollectionBrowser(docs, page_size=10)
cb
"""


def test_collection_browser_clips_nothing_it_cannot_show(open_notebook: Any) -> None:
    nb = open_notebook("painted-browser.ipynb", [BROWSER])
    page = nb.page
    set_theme(page, "JupyterLab Light")
    nb.run_all()
    page.wait_for_selector(".vsl-browser [data-testid=rows] tbody tr", timeout=90_000)
    root = page.locator(".vsl-browser")

    # Every header shows its whole name, the last one included ("start_index", not "star…").
    headers = root.locator("th").evaluate_all(
        "els => els.map((e) => [e.textContent, e.scrollWidth <= e.clientWidth])"
    )
    assert headers and all(whole for _, whole in headers), headers
    assert headers[-1][0].startswith("start_index")
    # The rows sit in a box that scrolls sideways when wider than the output area, so the
    # last column can always be reached.
    box = root.locator("[data-testid=rows-box]")
    fits = box.evaluate("(e) => e.scrollWidth <= e.clientWidth")
    scrolls = box.evaluate("(e) => getComputedStyle(e).overflowX") in ("auto", "scroll")
    assert fits or scrolls

    # A cell cut short has an ellipsis, its whole text as a tooltip, and a click on its row
    # shows the row whole, wrapped, as text.
    cut = root.locator("tbody td").evaluate_all(
        "els => els.filter((e) => e.scrollWidth > e.clientWidth)"
        ".map((e) => [getComputedStyle(e).textOverflow, e.title === e.textContent])"
    )
    assert cut and all(style == "ellipsis" and titled for style, titled in cut), cut
    root.locator("tbody tr").first.click()
    detail = root.locator("[data-testid=row-detail]")
    assert wait_for(detail.is_visible)
    full = kernel_json(nb, "docs.get(ids=['row-0']).to_arrow().column('text')[0].as_py()")
    assert full in detail.inner_text()
    assert detail.locator("b").count() == 0
    assert all(
        detail.locator("dd").evaluate_all("els => els.map((e) => e.scrollWidth <= e.clientWidth)")
    )

    # Types read as a person names them; versions start at the first rows written.
    schema = root.locator("[data-testid=schema]").inner_text()
    assert "vector: vector[384] float32" in schema and "fixed_size_list" not in schema, schema
    versions = root.locator("[data-testid=versions]").inner_text()
    assert " 0 rows" not in versions and "30 rows" in versions, versions
    # The filter's example names this collection's columns, not year or topic.
    placeholder = root.locator("[data-testid=filter]").get_attribute("placeholder") or ""
    named = set(re.findall(r"([A-Za-z_]+) (?:>=|=)", placeholder))
    columns = set(kernel_json(nb, "docs.schema.names"))
    assert named and named <= columns, (placeholder, columns)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(ARTIFACTS / "browser-detail.png"))


SEARCH = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import SearchWidget

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
docs.add(ids=[f"d{i}" for i in range(12)],
         texts=[f"tides and the moon, note {i} " + "tides " * (i % 4) for i in range(12)])
w = SearchWidget(docs, k=6, query="moon tides", mode="hybrid")
w
"""


@pytest.mark.parametrize("where", list(THEMES))
def test_score_bars_keep_their_numbers_off_the_bar(open_notebook: Any, where: str) -> None:
    theme, notebook7 = THEMES[where]
    name = where
    nb = open_notebook(f"painted-bars-{name}.ipynb", [SEARCH], notebook7=notebook7)
    page = nb.page
    set_theme(page, theme)
    nb.run_all()
    page.wait_for_selector(".vsl-search [data-testid=hit] .vsl-bar", timeout=90_000)
    bars = page.locator(".vsl-search .vsl-bar")
    # No metadata here: the filter's example names no column the collection lacks.
    hint = page.locator(".vsl-search [data-testid=filter]").get_attribute("placeholder")
    assert hint == "filter: id = '…'", hint
    # The label's glyphs end above the bar strip: no number straddles the bar's edge.
    placed = bars.evaluate_all(
        """els => els.map((e) => {
          const r = document.createRange(); r.selectNodeContents(e);
          const t = r.getBoundingClientRect(), b = e.getBoundingClientRect();
          return [t.bottom <= b.bottom - 4, t.right <= b.right + 0.5,
                  parseFloat(e.style.getPropertyValue('--w'))];
        })"""
    )
    assert placed and all(above and inside for above, inside, _ in placed), placed
    # The strip's filled part stands out from its track (graphics: 3:1), in this theme.
    partial = next(i for i, (_, _, w) in enumerate(placed) if 15 <= w <= 85)
    image = shot(bars.nth(partial))
    strip = image[-3]
    filled, track = strip[2], strip[-3]
    assert contrast(filled, track) >= 3, (filled, track)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".vsl-search").screenshot(path=str(ARTIFACTS / f"search-bars-{name}.png"))


EVAL = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import EvalWidget

db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=64))
docs = db.create_collection("docs")
texts = {
    "tides-a": "the moon raises the tides twice a day",
    "tides-b": "the moon raises the tides twice a day",  # the same chunk, stored twice
    "bonds": "bond prices fall as interest rates rise",
    "bread": "sourdough bread needs a long slow rise",
    "stars": "distant stars and the planets around them",
}
docs.add(ids=list(texts), texts=list(texts.values()))
queries = {"q1": "why do tides rise", "q2": "bond prices", "q3": "stars and planets"}
qrels = {"q1": {"tides-a": 2}, "q2": {"bonds": 1}, "q3": {"stars": 1}}
configs = {"vector, a long name": {"mode": "vector"}, "text": {"mode": "text"},
           "hybrid": {"mode": "hybrid"}}
ew = EvalWidget(docs, queries, qrels, configs, k=3)
ew
"""


def test_eval_widget_labels_means_sorting_and_judgement_gaps(open_notebook: Any) -> None:
    nb = open_notebook("painted-eval.ipynb", [EVAL])
    page = nb.page
    set_theme(page, "JupyterLab Light")
    nb.run_all()
    page.wait_for_selector(".vsl-eval [data-testid=chart] svg", timeout=90_000)
    root = page.locator(".vsl-eval")

    # No label of a chart overlaps another (metric names, config names, the numbers).
    for svg in root.locator("[data-testid=chart] svg").all():
        labels = svg.locator("text").evaluate_all(
            "els => els.map((e) => { const r = e.getBoundingClientRect();"
            " return {x: r.x, y: r.y, w: r.width, h: r.height, t: e.textContent}; })"
        )
        labels = [b for b in labels if b["w"] > 0]
        clashes = [
            (a["t"], b["t"])
            for i, a in enumerate(labels)
            for b in labels[i + 1 :]
            if _overlap(a, b)
        ]
        assert not clashes, clashes
        frame = svg.bounding_box()
        for b in labels:  # nothing runs past the chart's right edge
            assert b["x"] + b["w"] <= frame["x"] + frame["width"] + 0.5, b
    titles = root.locator("[data-testid=chart] figure h2").all_inner_texts()
    assert titles == ["ndcg@3", "recall@3", "mrr@3"] or set(titles) >= {"ndcg@3", "recall@3"}

    # A mean row, equal to evaluate()'s means over the queries.
    means = kernel_json(
        nb,
        "{c: round(sum(r['ndcg@3'] for r in ew.per_query_table.to_pylist() if r['config'] == c)"
        " / 3, 3) for c in ew.configs}",
    )
    shown = dict(
        root.locator("[data-testid=mean-row] th.cell").evaluate_all(
            "els => els.map((e) => [e.dataset.config, e.textContent])"
        )
    )
    assert {c: float(v) for c, v in shown.items()} == means

    # A click on a configuration's header sorts the queries by it, worst first, then best.
    def column(config: str) -> list[float]:
        return [
            float(v)
            for v in root.locator(f'tbody td.cell[data-config="{config}"]').all_inner_texts()
        ]

    root.locator('th[data-sort="text"]').click()
    assert wait_for(lambda: column("text") == sorted(column("text")))
    root.locator('th[data-sort="text"]').click()
    assert wait_for(lambda: column("text") == sorted(column("text"), reverse=True))

    # The drill-down says when an unjudged hit has the same text as a judged one.
    root.locator('tr[data-query="q1"] td[data-config="text"]').click()
    page.wait_for_selector('.vsl-eval[data-drill="q1/text"] [data-testid=hit]')
    gap = root.locator('[data-id="tides-b"] [data-testid=judgement-gap]')
    assert gap.is_visible() and "tides-a" in gap.inner_text()
    assert root.locator('[data-id="tides-a"] [data-testid=judgement-gap]').count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=str(ARTIFACTS / "eval-painted.png"))
