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
