"""The widgets in marimo: `marimo edit notebooks/marimo_tour.py` (or `marimo run`).

marimo renders anywidgets natively. Each widget is wrapped in `mo.ui.anywidget`, so what the
widget shares with Python (the search's selected hit, the map's selected points) is the
element's `.value`, and the cells that read it run again when it changes. (The map's
selection is the exception: see the last cells.)
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import tempfile

    import marimo as mo

    import vecstore_lab as vl
    from vecstore_lab.widgets import EmbeddingMap, SearchWidget

    return EmbeddingMap, SearchWidget, mo, tempfile, vl


@app.cell
def _(mo, tempfile, vl):
    # The sample articles, embedded with MiniLM, in a folder removed when the session ends.
    scratch = tempfile.TemporaryDirectory(prefix="vecstore-marimo-")
    db = vl.connect(scratch.name, embedder="sentence-transformers")
    articles = db.create_collection("articles")
    report = articles.add_documents(vl.load_sample_documents(), progress=False)
    mo.md(f"**{report.documents} articles** in `{articles.name}`, {len(articles)} chunks")
    return (articles,)


@app.cell
def _(SearchWidget, articles, mo):
    search = mo.ui.anywidget(SearchWidget(articles, k=5, query="why are there tides"))
    search
    return (search,)


@app.cell
def _(mo, search):
    # Runs again whenever a hit is clicked in the widget above.
    picked = search.value.get("selected")
    mo.md(f"Selected hit, in Python: **{picked['id'] if picked else 'none yet'}**")
    return


@app.cell
def _(EmbeddingMap, articles, mo):
    world = mo.ui.anywidget(EmbeddingMap(articles, color_by="topic"))
    world
    return (world,)


@app.cell
def _(mo):
    # The map's selection is set by Python (the front end sends point indices, Python turns
    # them into ids), and marimo re-runs cells only for changes a front end makes: read it
    # when you ask.
    read = mo.ui.run_button(label="Read the map's selection")
    read
    return (read,)


@app.cell
def _(articles, mo, read, world):
    mo.stop(not read.value, mo.md("Box or lasso points on the map, then press the button."))
    chosen = list(world.widget.selected_ids)
    topics = sorted({r.metadata["topic"] for r in articles.get(ids=chosen)}) if chosen else []
    mo.md(f"**{len(chosen)} points** selected on the map; topics: {', '.join(topics) or '-'}")
    return


if __name__ == "__main__":
    app.run()
