"""The server extension against a real jupyter_server on 127.0.0.1: auth, roots, pages,
queries equal to Collection.query, typed JSON errors, and a database on a real S3 server
(``c.VecStoreLab.uris``, credentials from the server's environment only)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from lab_server import running_server

import vecstore_lab as vl
from vecstore_lab.server._roots import Roots
from vecstore_lab.server._state import State
from vecstore_lab.testing import LocalS3

pytestmark = pytest.mark.slow

ROWS = [  # id, text, year (the paging test sorts by year)
    ("tides", "the moon raises the tides", 2000),
    ("bonds", "bond prices fall as rates rise", 2001),
    ("bread", "sourdough bread needs time", 2002),
    ("stars", "stars and planets at night", 2003),
    ("evil", "<img src=x onerror=alert(1)> moon", 2004),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("server-root")
    db = vl.connect(root / "data" / "db", embedder=vl.HashEmbedder(dim=32))
    docs = db.create_collection("docs")
    docs.add(
        ids=[r[0] for r in ROWS],
        texts=[r[1] for r in ROWS],
        metadatas=[{"year": r[2]} for r in ROWS],
    )
    outside = tmp_path_factory.mktemp("outside")
    vl.connect(outside / "db", embedder=vl.HashEmbedder(dim=8)).create_collection("secret").add(
        ids=["s"], texts=["not yours"]
    )
    (root / "escape").symlink_to(outside / "db", target_is_directory=True)
    s3 = LocalS3().start()
    remote = vl.connect(s3.uri("team"), storage_options=s3.storage_options)
    remote.create_collection("shared", embedder=vl.HashEmbedder(dim=32)).add(
        ids=[r[0] for r in ROWS], texts=[r[1] for r in ROWS]
    )
    with running_server(root, f"--VecStoreLab.uris={s3.uri('team')}", env=s3.env, s3=s3) as srv:
        yield srv, docs
    s3.stop()


WHERE = {"root": 0, "path": "data/db", "name": "docs"}


def deep_filter(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"year": 2000}
    for _ in range(levels - 1):
        where = {"$or": [where, {"year": 2001}]}
    return where


def test_nothing_answers_without_the_token(server: Any) -> None:
    srv, _ = server
    for endpoint in ("databases", "collection", "rows", "telemetry"):
        status, body, _ = srv.call(endpoint, WHERE, token=False)
        assert status == 403, (endpoint, status)
        assert b"moon" not in body
    status, _, _ = srv.call("query", WHERE, body=b'{"text": "moon"}', token=False)
    assert status == 403


def test_lists_databases_under_the_root_only(server: Any) -> None:
    srv, docs = server
    listing = srv.json("databases")
    assert listing["roots"] == [str(srv.root.resolve())]
    # the symlinked database outside the root is not listed
    (db,) = [d for d in listing["databases"] if d["root"] == 0]
    assert (db["root"], db["path"]) == (0, "data/db")
    (c,) = db["collections"]
    assert c["name"] == "docs" and c["rows"] == len(docs) and c["dim"] == 32
    assert c["distance"] == "cosine" and c["embedder"] == "hashing"
    assert c["version"] == docs.version and c["versions"] == len(docs.list_versions())
    assert any(ix["columns"] == ["text"] for ix in c["indexes"])  # the full-text index
    full = srv.json("collection", WHERE)
    assert [f["name"] for f in full["schema"]] == docs.schema.names
    assert full["version_list"][-1]["version"] == docs.version


@pytest.mark.parametrize(
    "path", ["..", "../outside", "data/../../x", "/etc", "escape", "data/db/../../escape"]
)
def test_paths_cannot_leave_the_roots(server: Any, path: str) -> None:
    srv, _ = server
    status, body, kind = srv.call("rows", {**WHERE, "path": path, "name": "secret"})
    assert status == 403, (path, status, body)
    error = json.loads(body)["error"]
    assert error["type"] == "PathOutsideRootsError" and "application/json" in kind
    assert "not yours" not in body.decode()


def outside_secret(srv: Any) -> Path:
    """The collection outside the root that links try to reach."""
    return Path(os.path.realpath(srv.root / "escape")) / "secret.lance"


def listed(srv: Any) -> set[str]:
    return {c["name"] for d in srv.json("databases")["databases"] for c in d["collections"]}


def refused(srv: Any, name: str) -> None:
    for endpoint, body in (("rows", None), ("collection", None), ("query", b'{"text": "x"}')):
        status, data, _ = srv.call(endpoint, {**WHERE, "name": name}, body=body)
        assert status == 403, (endpoint, name, status, data)
        assert json.loads(data)["error"]["type"] == "PathOutsideRootsError"
        assert b"not yours" not in data


def test_a_symlinked_collection_is_refused_and_not_listed(server: Any) -> None:
    srv, _ = server
    link = srv.root / "data" / "db" / "leak.lance"
    link.symlink_to(outside_secret(srv), target_is_directory=True)
    try:
        refused(srv, "leak")
        assert "leak" not in listed(srv) and "docs" in listed(srv)
    finally:
        link.unlink()


def test_a_symlinked_data_folder_is_refused(server: Any, tmp_path: Path) -> None:
    """A real collection folder inside the root whose data/ leads outside."""
    srv, _ = server
    copy = srv.root / "data" / "db" / "mixed.lance"
    shutil.copytree(outside_secret(srv), copy)
    try:
        assert srv.json("rows", {**WHERE, "name": "mixed"})["rows"][0]["text"] == "not yours"
        shutil.rmtree(copy / "data")
        (copy / "data").symlink_to(outside_secret(srv) / "data", target_is_directory=True)
        refused(srv, "mixed")
        assert "mixed" not in listed(srv)
    finally:
        shutil.rmtree(copy)


def test_a_link_swapped_in_after_listing_is_refused(server: Any) -> None:
    srv, _ = server
    db = vl.connect(srv.root / "data" / "db", embedder=vl.HashEmbedder(dim=8))
    db.create_collection("swap").add(ids=["mine"], texts=["mine to read"])
    folder = srv.root / "data" / "db" / "swap.lance"
    try:
        assert "swap" in listed(srv)  # the panel now shows it, and a user clicks it later:
        shutil.rmtree(folder)
        folder.symlink_to(outside_secret(srv), target_is_directory=True)
        refused(srv, "swap")
        assert "swap" not in listed(srv)
    finally:
        folder.unlink()


def test_status_shows_the_pool_and_limits(server: Any) -> None:
    srv, _ = server
    srv.json("rows", WHERE)
    status = srv.json("status")
    assert status["pool"]["workers"] == 4 and status["pool"]["done"] >= 1
    assert status["pool"]["in_flight"] == 0
    assert status["limits"] == {
        "max_body_bytes": 1_000_000,
        "max_text_chars": 10_000,
        "max_k": 1000,
        "max_filter_depth": 12,
    }


def test_rows_page_by_page_sorted_and_filtered(server: Any) -> None:
    srv, docs = server
    first = srv.json("rows", {**WHERE, "limit": 2, "order_by": "year", "descending": "true"})
    second = srv.json(
        "rows", {**WHERE, "limit": 2, "offset": 2, "order_by": "year", "descending": "true"}
    )
    assert first["total"] == len(docs) and first["offset"] == 0
    years = [r["year"] for r in first["rows"] + second["rows"]]
    assert years == [2004, 2003, 2002, 2001]
    assert all("vector" not in r for r in first["rows"])
    want = docs.get(order_by=("year", "descending"), limit=2, offset=2).ids
    assert [r["id"] for r in second["rows"]] == want
    filtered = srv.json("rows", {**WHERE, "where": '{"year": {"$gte": 2003}}'})
    assert filtered["total"] == 2 and {r["id"] for r in filtered["rows"]} == {"stars", "evil"}


@pytest.mark.parametrize(
    "spec",
    [
        vl.QuerySpec("moon tides", k=3),
        vl.QuerySpec("moon", mode="text", k=2, where={"year": {"$gte": 2001}}),
        vl.QuerySpec("moon tides", mode="hybrid", fusion="linear", k=4, rerank="mmr"),
    ],
)
def test_query_results_equal_collection_query(server: Any, spec: vl.QuerySpec) -> None:
    srv, docs = server
    reply = srv.json("query", WHERE, body=spec.to_json().encode())
    expected = docs.search(spec)
    assert [r["id"] for r in reply["results"]] == expected.ids
    assert [r["_score"] for r in reply["results"]] == pytest.approx(expected.scores)
    assert vl.QuerySpec.from_dict(reply["spec"]) == spec
    status, data, kind = srv.call(
        "query", WHERE, body=spec.to_json().encode(), accept="application/vnd.apache.arrow.stream"
    )
    assert status == 200 and kind == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(data).read_all()
    assert table.column("id").to_pylist() == expected.ids


@pytest.mark.parametrize(
    "case",
    [
        ("query", WHERE, b"{not json", 400, "InvalidInputError"),
        ("query", WHERE, b'{"text": "x", "top_k": 3}', 400, "InvalidInputError"),
        ("query", {**WHERE, "name": "nope"}, b'{"text": "x"}', 404, "CollectionNotFoundError"),
        ("rows", {**WHERE, "name": "nope"}, None, 404, "CollectionNotFoundError"),
        ("rows", {**WHERE, "limit": "many"}, None, 400, "InvalidInputError"),
        ("rows", {**WHERE, "where": "yeer > 1"}, None, 400, "InvalidFilterError"),
        ("rows", {**WHERE, "root": 7}, None, 400, "InvalidInputError"),
        ("rows", {**WHERE, "where": '{"year": '}, None, 400, "InvalidFilterError"),
        ("rows", {**WHERE, "where": json.dumps(deep_filter(13))}, None, 400, "InvalidFilterError"),
        (
            "rows",
            {**WHERE, "where": "(" * 300 + "year = 1" + ")" * 300},
            None,
            400,
            "InvalidFilterError",
        ),
        ("query", WHERE, b'{"text": "x", "select": 5}', 400, "InvalidInputError"),
        ("query", WHERE, b'{"text": "x", "k": 1001}', 400, "InvalidInputError"),
        (
            "query",
            WHERE,
            b'{"text": "x", "k": 2147483647, "mode": "hybrid"}',
            400,
            "InvalidInputError",
        ),
        (
            "query",
            WHERE,
            b'{"text": "x", "candidates": 5000, "mode": "hybrid"}',
            400,
            "InvalidInputError",
        ),
        (
            "query",
            WHERE,
            json.dumps({"text": "x", "where": deep_filter(13)}).encode(),
            400,
            "InvalidFilterError",
        ),
        (
            "query",
            WHERE,
            json.dumps({"text": "moon " * 2001}).encode(),
            413,
            "RequestTooLargeError",
        ),
        (
            "query",
            WHERE,
            json.dumps({"text": "moon", "vector": [0.5] * 200_000}).encode(),
            413,
            "RequestTooLargeError",
        ),
        ("query", WHERE, b'{"vector": [0, 0, 0]}', 400, "DimensionMismatchError"),
        ("query", WHERE, b"[1, 2]", 400, "InvalidInputError"),
    ],
)
def test_errors_are_typed_json(server: Any, case: tuple[Any, ...]) -> None:
    endpoint, params, body, status, kind = case
    srv, _ = server
    got, data, content_type = srv.call(endpoint, params, body=body)
    assert got == status and "application/json" in content_type
    error = json.loads(data)["error"]
    assert error["type"] == kind and error["message"]
    assert "Traceback" not in data.decode()


def test_telemetry_summary(server: Any) -> None:
    srv, _ = server
    reply = srv.json("telemetry")
    assert set(reply) == {"enabled", "summary"} and isinstance(reply["summary"], list)


def test_each_stored_embedder_is_built_once_per_process(tmp_path: Path) -> None:
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    db.create_collection("a").add(ids=["x"], texts=["moon"])
    state = State(Roots([str(tmp_path)]))
    first = state.collection(0, "db", "a", embed=True).embedder
    second = state.collection(0, "db", "a", embed=True).embedder
    assert first is second and first is not None
    assert state.search(0, "db", "a", vl.QuerySpec("moon", k=1)).ids == ["x"]


def test_collections_stay_open_between_requests_and_warm_up(tmp_path: Path) -> None:
    """The server opens a collection once: the second query searches the vectors the first
    loaded. Picking a collection in the panel warms it (model and vectors) before any query.
    A collection dropped and made anew under the same name is opened again."""
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    db.create_collection("a").add(ids=["x", "y"], texts=["moon tides", "sun"])
    state = State(Roots([str(tmp_path)]))
    held = state.collection(0, "db", "a", embed=True)
    assert held.stats()["exact_search"]["rows"] == 0
    state.warm(0, "db", "a")
    assert state.collection(0, "db", "a", embed=True) is held
    assert held.stats()["exact_search"]["rows"] == 2  # loaded by the warm-up, kept
    assert state.search(0, "db", "a", vl.QuerySpec("moon", k=1)).ids == ["x"]
    db.delete_collection("a")
    db.create_collection("a").add(ids=["z"], texts=["moon again"])
    assert state.search(0, "db", "a", vl.QuerySpec("moon", k=1)).ids == ["z"]


def test_installed_and_enabled_in_this_environment() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = out.stdout + out.stderr
    line = next(ln for ln in text.splitlines() if "vecstore_lab.server" in ln and "enabled" in ln)
    assert "enabled" in line
    assert "vecstore_lab.server  \x1b[32mOK" in text or "vecstore_lab.server  OK" in text


def _listing(*args: str) -> list[str]:
    """The lines of ``jupyter <args>`` (stdout and stderr), without colour codes."""
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, check=True
    )
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr).splitlines()


def test_pip_install_enables_both_extensions() -> None:
    """After a plain pip install, JupyterLab lists the prebuilt extension and the server
    extension as enabled (.ci/run checks the same in its fresh venv)."""
    (lab,) = [line.split() for line in _listing("labextension", "list") if "vecstore-lab" in line]
    assert lab[:4] == ["vecstore-lab", "v0.1.0", "enabled", "OK"], lab
    server = [line.split() for line in _listing("server", "extension", "list")]
    assert ["vecstore_lab.server", "enabled"] in server
    assert ["vecstore_lab.server", "OK"] in server


def test_a_database_on_object_storage_is_listed_and_queried(server: Any) -> None:
    srv, _ = server
    s3 = srv.s3
    listing = srv.json("databases")
    assert listing["uris"] == [s3.uri("team")]
    (db,) = [d for d in listing["databases"] if d["root"] == 1]
    assert db["location"] == s3.uri("team") and db["path"] == "."
    (c,) = db["collections"]
    assert (c["name"], c["rows"]) == ("shared", len(ROWS))
    where = {"root": 1, "path": ".", "name": "shared"}
    reply = srv.json("query", where, body=vl.QuerySpec("moon tides", k=1).to_json().encode())
    assert [r["id"] for r in reply["results"]] == ["tides"]
    status, _, _ = srv.call("rows", {**where, "path": "sub"})
    assert status == 403  # a URI has no sub-paths
    # the server got its credentials from the environment; it hands them to no one
    for endpoint, params in (("databases", None), ("collection", where), ("rows", where)):
        _, body, _ = srv.call(endpoint, params) if params else srv.call(endpoint, {})
        assert s3.secret_key.encode() not in body and s3.access_key.encode() not in body
