"""The widgets in marimo: `marimo edit notebooks/marimo_tour.py` (or `marimo run`).

marimo renders anywidgets natively. Each widget is wrapped in `mo.ui.anywidget`, so what the
reader changes in a widget (the search's selected hit, the map's selected points, the facets'
brush, the compared maps' selection) is the element's `.value`, and the cells that read it run
again. What Python computes in answer (a browser's page, an evaluation's drill-down, a judge's
progress) shows in the widget itself: marimo re-runs cells only for changes a front end makes,
so a cell reads those when it runs.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import tempfile

    import marimo as mo

    import vecstore_lab as vl
    from vecstore_lab import widgets

    return mo, tempfile, vl, widgets


@app.cell
def _(mo, tempfile, vl):
    # Telemetry first, so the telemetry view below has the whole workload. The sample articles,
    # embedded with MiniLM, in a folder removed when the session ends; the same articles under
    # a hashing embedder, to compare the two embeddings' maps.
    recorder = vl.telemetry.enable()
    scratch = tempfile.TemporaryDirectory(prefix="vecstore-marimo-")
    db = vl.connect(scratch.name, embedder="sentence-transformers")
    articles = db.create_collection("articles")
    report = articles.add_documents(vl.load_sample_documents(), progress=False)
    hashed = db.create_collection("hashed", embedder=vl.HashEmbedder(dim=256))
    hashed.add_documents(vl.load_sample_documents(), progress=False)
    mo.md(f"**{report.documents} articles** in `{articles.name}`, {len(articles)} chunks")
    return articles, hashed


@app.cell
def _(articles, widgets):
    # The linked views, made in one cell that reads no view's value: marimo runs a cell again
    # whenever a UI element it names changes, and this one must run once. Linked, a facet's
    # brush or a map selection narrows the browser and the search, and a search's hits are
    # marked in the browser.
    search_view = widgets.SearchWidget(articles, k=5, query="why are there tides")
    map_view = widgets.EmbeddingMap(articles, color_by="topic")
    facet_view = widgets.FacetWidget(articles, ["topic", "year"])
    browser_view = widgets.CollectionBrowser(articles, page_size=5)
    linked = widgets.link(map_view, browser_view, facet_view, search_view)
    return browser_view, facet_view, linked, map_view, search_view


@app.cell
def _(mo, search_view):
    search = mo.ui.anywidget(search_view)
    search
    return (search,)


@app.cell
def _(mo, search):
    # Runs again whenever a hit is clicked in the widget above.
    picked = search.value.get("selected")
    mo.md(f"Selected hit, in Python: **{picked['id'] if picked else 'none yet'}**")
    return


@app.cell
def _(map_view, mo):
    world = mo.ui.anywidget(map_view)
    world
    return (world,)


@app.cell
def _(articles, mo, world):
    # Runs again whenever points are picked on the map (a click, the box or the lasso).
    chosen = world.value["selected_ids"]
    topics = sorted({r.metadata["topic"] for r in articles.get(ids=chosen)}) if chosen else []
    mo.md(
        f"**{len(chosen)} points** selected on the map; topics: {', '.join(topics) or '-'}"
        if chosen
        else "Click, box or lasso points on the map."
    )
    return


@app.cell
def _(browser_view, facet_view, mo):
    facets = mo.ui.anywidget(facet_view)
    browser = mo.ui.anywidget(browser_view)
    mo.vstack([facets, browser])
    return browser, facets


@app.cell
def _(browser, facets, mo):
    # Runs again on a facet brush (a click on a bar, or a drag over a histogram).
    brush = facets.value["selection"]
    mo.md(
        f"Facet brush, in Python: **{brush or 'none'}**; the linked browser shows "
        f"{browser.widget.total} rows"
    )
    return


@app.cell
def _(articles, mo, widgets):
    # A few questions about the articles and the document that answers each. Two share no
    # word with their answer: full-text search misses them, the embedding does not.
    queries = {
        "q1": "why are there tides",
        "q2": "what happens to bonds when rates rise",
        "q3": "what makes a loaf airy",
        "q4": "teaching the body to fight a virus",
    }
    qrels = {"q1": {"moon-tides": 1}, "q2": {"bond-prices": 1}, "q3": {"sourdough": 1},
             "q4": {"vaccines": 1}}  # fmt: skip
    setups = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}
    evaluation = mo.ui.anywidget(
        widgets.EvalWidget(articles, queries, qrels, setups, k=3, doc_key="doc_id")
    )
    evaluation
    return queries, setups


@app.cell
def _(articles, mo, queries, setups, widgets):
    # Blind pooled judging: grade the pooled hits; the grades go to the collection.
    judge = mo.ui.anywidget(
        widgets.JudgeWidget(articles, list(queries.values())[:2], setups, depth=3, judge="you")
    )
    judge
    return


@app.cell
def _(articles, hashed, mo, widgets):
    # The same articles under two embeddings: where the neighbours disagree, the points warm.
    compared = mo.ui.anywidget(widgets.EmbeddingMap.compare(articles, hashed, k=4))
    compared
    return (compared,)


@app.cell
def _(compared, mo):
    # Runs again on a selection on either map (or a row of the "moved most" table).
    both = compared.value["selected_ids"]
    mo.md(f"Selected on both maps, in Python: **{', '.join(both) or 'none yet'}**")
    return


@app.cell
def _(mo, widgets):
    # Every stage of the work above, timed.
    telemetry = mo.ui.anywidget(widgets.TelemetryWidget(interval=0.5))
    telemetry
    return


if __name__ == "__main__":
    app.run()
