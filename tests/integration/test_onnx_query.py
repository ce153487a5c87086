"""The ONNX query encoder (``query_backend="onnx"`` / ``"onnx-int8"``), on tiny models built
here and exported through the real path: torch.onnx, ONNX Runtime's quantiser, a session.
Its vectors agree with the model's, the file is cached and reused, and it is not used (with a
warning, and the model answering) when it disagrees or cannot follow the model's pooling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_models import build_tiny_model

import vecstore_lab as vl
from vecstore_lab import errors

pytestmark = pytest.mark.slow

TEXTS = ["one", "What is the difference between a list and a tuple?", "sort a dict by value"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("onnx-models")
    return {
        "mean": build_tiny_model(root / "tiny-mean", pooling="mean"),
        # cls pooling and a query prompt from the model's config, as BGE has
        "cls": build_tiny_model(root / "tiny-cls", pooling="cls", prompts={"query": "Q: "}),
        "max": build_tiny_model(root / "tiny-max", pooling="max"),
    }


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "vecstore-lab" / "onnx"


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_onnx_queries_agree_with_the_model(models: dict[str, Path], pooling: str) -> None:
    onnx = vl.SentenceTransformerEmbedder(str(models[pooling]), query_backend="onnx")
    model = vl.SentenceTransformerEmbedder(str(models[pooling]))
    for text in TEXTS:
        np.testing.assert_allclose(onnx.embed_query(text), model.embed_query(text), atol=1e-4)
    report = onnx.query_report
    assert report is not None and report["used"] and report["backend"] == "onnx"
    assert report["min_cosine"] > 0.9999 and report["probes"] >= 10
    # documents still go through the model itself
    np.testing.assert_array_equal(onnx.embed_documents(TEXTS), model.embed_documents(TEXTS))


def test_the_exported_file_is_kept_and_reused(models: dict[str, Path], cache: Path) -> None:
    first = vl.SentenceTransformerEmbedder(str(models["mean"]), query_backend="onnx-int8")
    first.embed_query("one")
    assert first.query_report is not None and first.query_report["used"]
    files = list(cache.glob("*.onnx"))
    assert [str(f) for f in files] == [first.query_report["file"]]  # no stray temporaries
    written = files[0].stat().st_mtime_ns
    again = vl.SentenceTransformerEmbedder(str(models["mean"]), query_backend="onnx-int8")
    np.testing.assert_array_equal(again.embed_query("one"), first.embed_query("one"))
    assert files[0].stat().st_mtime_ns == written and list(cache.glob("*.onnx")) == files


def test_it_is_not_used_when_it_disagrees(models: dict[str, Path]) -> None:
    # int8 weights never match float32 to 1e-5 on every probe: refused, the model answers
    strict = vl.SentenceTransformerEmbedder(
        str(models["mean"]), query_backend="onnx-int8", min_cosine=0.99999
    )
    with pytest.warns(errors.QueryEncoderWarning, match="lowest cosine"):
        q = strict.embed_query("one")
    model = vl.SentenceTransformerEmbedder(str(models["mean"]))
    np.testing.assert_array_equal(q, model.embed_query("one"))
    report = strict.query_report
    assert report is not None and report["used"] is False and 0.9 < report["min_cosine"] < 0.99999


def test_a_pooling_it_cannot_follow_keeps_the_model(models: dict[str, Path]) -> None:
    e = vl.SentenceTransformerEmbedder(str(models["max"]), query_backend="onnx")
    with pytest.warns(errors.QueryEncoderWarning, match="pools mean or cls"):
        q = e.embed_query("one")
    model = vl.SentenceTransformerEmbedder(str(models["max"]))
    np.testing.assert_array_equal(q, model.embed_query("one"))


def test_a_collection_keeps_its_query_backend(models: dict[str, Path], tmp_path: Path) -> None:
    e = vl.SentenceTransformerEmbedder(str(models["mean"]), query_backend="onnx-int8")
    c = vl.connect(tmp_path / "db").create_collection("t", embedder=e)
    c.add(ids=["a", "b"], texts=["one", "two"])
    again = vl.connect(tmp_path / "db").get_collection("t")
    assert again.embedder.config()["query_backend"] == "onnx-int8"
    assert again.query("one", k=1).ids == ["a"]
    assert again.embedder.query_report["used"]
    # a handle's cached query vectors belong to the backend that made them
    again.embedder.query_backend = "torch"
    torch_vector = vl.SentenceTransformerEmbedder(str(models["mean"])).embed_query("one")
    hit = again.query("one", k=1)[0]
    stored = again.get(ids=["a"], include_vectors=True)[0].vector
    assert hit.score == pytest.approx(float(stored @ torch_vector), abs=1e-5)


def test_an_unknown_backend_is_a_typed_error() -> None:
    with pytest.raises(errors.InvalidInputError, match="query_backend"):
        vl.SentenceTransformerEmbedder(query_backend="tensorrt")


def test_switching_the_backend_on_a_handle_builds_the_other(models: dict[str, Path]) -> None:
    e = vl.SentenceTransformerEmbedder(str(models["mean"]), query_backend="onnx")
    f32 = e.embed_query("one")
    e.query_backend = "onnx-int8"
    i8 = e.embed_query("one")
    assert e.query_report is not None and e.query_report["backend"] == "onnx-int8"
    assert not np.array_equal(f32, i8) and float(f32 @ i8) > 0.9
    e.query_backend = "torch"
    model = vl.SentenceTransformerEmbedder(str(models["mean"]))
    np.testing.assert_array_equal(e.embed_query("one"), model.embed_query("one"))
