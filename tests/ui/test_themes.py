"""Every widget in JupyterLab's light and dark themes: key text keeps its contrast, and a
screenshot of each widget in each theme goes to the artifacts folder."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ARTIFACTS, wait_for

SETUP = """
import tempfile
import vecstore_lab as vl
from vecstore_lab.widgets import (
    CollectionBrowser, EmbeddingMap, EvalWidget, JudgeWidget, SearchWidget, TelemetryWidget,
)

vl.telemetry.enable()
db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=32))
docs = db.create_collection("docs")
topics = ["cats and kittens", "stock markets", "bread baking", "planets and stars"]
docs.add(ids=[f"d{i}" for i in range(40)],
         texts=[f"the {topics[i % 4]} note {i}" for i in range(40)],
         metadatas=[{"topic": topics[i % 4].split()[0], "chunk_index": i % 3} for i in range(40)])
search = SearchWidget(docs, k=4, judgements=vl.Judgements(docs, judge="ana"))
search.search("cats", mode="hybrid")
search.grade(search.last_results.ids[0], 3)
broken = SearchWidget(docs, k=4)
try:
    broken.search("cats", where="topik = 'x'")
except vl.errors.InvalidFilterError:
    pass
display(search, broken)
"""
OTHERS = """
browser = CollectionBrowser(docs, page_size=5)
em = EmbeddingMap(docs, color_by="topic")
_ = em.show_query("stock markets", k=4)
ev = EvalWidget(docs, {"q": "cats kittens"}, {"q": {"d0": 1, "d4": 1}},
                {"vector": {}, "text": {"mode": "text"}}, k=3)
tw = TelemetryWidget()
cw = SearchWidget(docs, k=6, query="cats note", compare=[{"mode": "vector"}, {"mode": "text"}])
jw = JudgeWidget(docs, ["cats"], [{"mode": "vector"}, {"mode": "text"}], depth=3, judge="ana")
jw.grade(jw.items[0]["id"], 2)
display(browser, em, ev, tw, cw, jw)
"""

# WCAG contrast of an element's text colour over a background given as a CSS value (resolved
# inside the element, so the widget's own custom properties apply). Colours with alpha are
# blended over the widget's background first, as the browser paints them.
CONTRAST = """([selector, background]) => {
  const el = document.querySelector(selector);
  if (!el) throw new Error("no element " + selector);
  const resolve = (value) => {
    const probe = document.createElement("div");
    probe.style.background = value;
    el.appendChild(probe);
    const colour = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return colour;
  };
  const parse = (c) => {
    let m = c.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1];
    }
    m = c.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) {
      const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    throw new Error("cannot read colour " + c);
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * bottom[i]);
  const lum = (rgb) => {
    const l = rgb.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const page = parse(resolve("var(--vsl-bg)"));
  const bg = over(parse(resolve(background)), page);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return { ratio: (a + 0.05) / (b + 0.05), background: lum(over(page, page)) };
}"""

# (what, selector, background, minimum ratio): text at WCAG AA (4.5), graphics at 3.
CHECKS = [
    ("score bar label", ".vsl-search .vsl-bar", "var(--vsl-bg)", 4.5),
    ("marked query term", ".vsl-search mark", "var(--vsl-mark)", 4.5),
    ("hit text", ".vsl-search .vsl-text", "var(--vsl-bg)", 4.5),
    ("grade chip", ".vsl-search .vsl-chip:not(.on)", "var(--vsl-bg)", 4.5),
    ("pressed grade chip", ".vsl-search .vsl-chip.on", "var(--vsl-accent)", 4.5),
    ("grade and judge", ".vsl-search .vsl-grade-label", "var(--vsl-bg)", 4.5),
    ("selected hit", ".vsl-search .vsl-text", "var(--vsl-tint)", 4.5),
    ("filter error", ".vsl-search .vsl-error", "var(--vsl-error-bg)", 4.5),
    ("browser header", ".vsl-browser th", "var(--vsl-bg-alt)", 4.5),
    ("map legend", ".vsl-map .vsl-legend-item", "var(--vsl-bg)", 4.5),
    (
        "map cluster label",
        ".vsl-map .vsl-map-label",
        "color-mix(in srgb, var(--vsl-bg) 82%, transparent)",
        4.5,
    ),
    ("eval grid", ".vsl-eval td.cell", "var(--vsl-bg)", 4.5),
    ("compare: new or dropped", ".vsl-search .vsl-cmp.dropped", "var(--vsl-bg)", 4.5),
    ("compare: moved up", ".vsl-search .vsl-cmp:is(.up, .new)", "var(--vsl-bg)", 4.5),
    ("compare: column name", ".vsl-search .vsl-col-name", "var(--vsl-bg)", 4.5),
    ("compare: a line", ".vsl-search path.vsl-link", "var(--vsl-bg)", 3),
    (
        "why: a term's part",
        ".vsl-search .vsl-why-term",
        "color-mix(in srgb, var(--vsl-mark) calc(35% + var(--weight, 0) * 65%), var(--vsl-bg))",
        4.5,
    ),
    ("why: nearest sentence", ".vsl-search .vsl-why-sentence", "var(--vsl-bg)", 4.5),
    ("judge: query", ".vsl-judge .vsl-judge-query", "var(--vsl-bg)", 4.5),
    ("judge: progress", ".vsl-judge .vsl-progress-text", "var(--vsl-bg)", 4.5),
    ("judge: pressed chip", ".vsl-judge .vsl-chip.on", "var(--vsl-accent)", 4.5),
    ("judge: bar over its track", ".vsl-judge .vsl-progress-fill", "var(--vsl-bar-track)", 3),
]
WIDGETS = ["search", "browser", "map", "eval", "telemetry", "judge"]


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_widgets_read_well_in_each_theme(open_notebook: Any, theme: str) -> None:
    nb = open_notebook(f"themes-{theme.rsplit(maxsplit=1)[-1].lower()}.ipynb", [SETUP, OTHERS])
    nb.run_all()
    page = nb.page
    for widget in WIDGETS:
        page.wait_for_selector(f".vsl-{widget}", timeout=90_000)
    page.wait_for_selector(".vsl-search [data-testid=hit] mark", timeout=60_000)
    page.wait_for_selector(".vsl-map[data-points]", timeout=60_000)
    page.wait_for_selector(".vsl-map [data-testid=map-label]", timeout=60_000)
    page.wait_for_selector(".vsl-eval td.cell", timeout=60_000)
    page.wait_for_selector(".vsl-search path.vsl-link", state="attached", timeout=60_000)
    page.locator(".vsl-search").first.locator("[data-testid=why]").first.click()
    page.wait_for_selector(".vsl-search .vsl-why-term", timeout=60_000)
    dark = theme.endswith("Dark")
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    light = "true" if not dark else "false"
    assert wait_for(lambda: page.evaluate("() => document.body.dataset.jpThemeLight") == light)
    page.wait_for_timeout(500)  # the theme's stylesheet applies

    # The theme reaches the widgets: the background is dark in the dark theme only.
    shown = page.evaluate(CONTRAST, [".vsl-search", "var(--vsl-bg)"])
    assert (shown["background"] < 0.1) == dark, shown
    # ... and the map's WebGL canvas, which follows a theme change while it is open.
    canvas_bg = "() => document.querySelector('.vsl-map').__scatter.get('backgroundColor')"
    assert wait_for(lambda: (sum(page.evaluate(canvas_bg)[:3]) < 1.0) == dark)

    failures = []
    for what, selector, background, minimum in CHECKS:
        ratio = page.evaluate(CONTRAST, [selector, background])["ratio"]
        if ratio < minimum:
            failures.append(f"{what}: {ratio:.2f} < {minimum}")
    assert not failures, failures

    # A filter error leaves the old hits on screen, dimmed and marked stale.
    assert page.locator(".vsl-search").nth(1).get_attribute("data-stale") == "true"
    assert page.locator(".vsl-search").nth(0).get_attribute("data-stale") == "false"
    # chunk bookkeeping is shown on demand, not on every card.
    first = page.locator(".vsl-search").first.locator("[data-testid=hit]").first
    assert "chunk_index" not in first.locator(".vsl-meta").inner_text()
    first.locator("[data-testid=more]").click()
    assert "chunk_index" in first.locator(".vsl-meta").inner_text()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = "dark" if dark else "light"
    for widget in WIDGETS:
        page.locator(f".vsl-{widget}").first.screenshot(
            path=str(ARTIFACTS / f"{widget}-{name}.png")
        )


def test_jupyterlab_saves_widget_state(lab: Any) -> None:
    """The installed overrides.d entry turns on the widget manager's "save state" setting, so
    saved notebooks carry their widgets' state (and show them without a kernel)."""
    import json
    import urllib.request

    url = f"{lab.base}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin"
    with urllib.request.urlopen(f"{url}?token={lab.token}", timeout=30) as response:
        settings = json.load(response)
    # An override becomes the schema's default; the user may still turn it off.
    assert settings["schema"]["properties"]["saveState"]["default"] is True, settings
