"""Result objects: typed hits, conversions, and safe display."""

from __future__ import annotations

import vecstore_lab as vl


def test_html_repr_escapes_user_text(db: vl.VecDatabase) -> None:
    c = db.create_collection("xss")
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    c.add(ids=["<b>id</b>"], texts=[evil], metadatas=[{"note": "<i>meta</i>"}])
    for res in (c.get(), c.query("img script", k=1)):
        html = res._repr_html_()
        assert "<script>" not in html and "<img" not in html and "<b>id" not in html
        assert "&lt;script&gt;" in html and "&lt;i&gt;meta&lt;/i&gt;" in html


def test_text_repr_and_hit_fields(docs: vl.Collection) -> None:
    res = docs.query("the cat sat on the mat", k=2)
    text = repr(res)
    assert text.startswith("QueryResults(mode='vector', 2 rows)")
    assert "id='cat'" in text
    hit = res[0]
    assert isinstance(hit, vl.Hit)
    assert hit.rank == 1 and hit.metadata["topic"] == "pets"
    assert hit.to_dict()["id"] == "cat" and "vector" not in hit.to_dict()
    assert res[:1][0] == hit
    assert res.texts[0] == hit.text
    rows = docs.get(ids=["cat"])
    assert isinstance(rows[0], vl.Record) and not isinstance(rows[0], vl.Hit)


def test_results_json_is_strict_json_with_user_text_as_data(db: vl.VecDatabase) -> None:
    """``QueryResults`` display data carries the hits for JupyterLab's renderer: strict JSON
    (no NaN), at most 50 rows, no vectors, document text unchanged (the renderer shows it as
    text)."""
    import json

    from vecstore_lab._render.html import RESULTS_MIME

    c = db.create_collection("payload")
    evil = "cat cat cat <img src=x onerror=alert(1)>"  # ranks first
    c.add(
        ids=[f"d{i}" for i in range(60)],
        texts=[evil] + [f"cat number {i}" for i in range(1, 60)],
        metadatas=[{"score": float("nan") if i == 0 else i / 2} for i in range(60)],
    )
    res = c.query("cat", k=60, mode="text")
    bundle = res._repr_mimebundle_()
    payload = bundle[RESULTS_MIME]
    assert payload["total"] == 60 and len(payload["rows"]) == 50
    assert payload["title"] == "text search for 'cat': 60 hits" and payload["words"] == ["cat"]
    by_id = {r["id"]: r for r in payload["rows"]}
    assert by_id["d0"]["text"] == evil and by_id["d0"]["score"] is None
    assert all("vector" not in r for r in payload["rows"])
    assert [r["id"] for r in payload["rows"]] == res.ids[:50]
    json.dumps(payload, allow_nan=False)
