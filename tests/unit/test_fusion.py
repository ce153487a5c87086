"""Score fusion: RRF and linear combination on hand-computed examples."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vecstore_lab.fusion import fuse, linear_scores, minmax, rrf_scores


def test_rrf_hand_computed() -> None:
    vector = {"a": 1, "b": 2, "c": 3}
    fts = {"c": 1, "a": 2, "d": 3}
    got = rrf_scores(vector, fts, k=60)
    assert got == pytest.approx(
        {"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61, "d": 1 / 63}
    )


def test_minmax_and_linear() -> None:
    assert minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert minmax({"a": 5.0, "b": 5.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({}) == {}
    got = linear_scores({"a": 0.9, "b": 0.5}, {"b": 10.0, "c": 2.0}, alpha=0.25)
    assert got == pytest.approx({"a": 0.25, "b": 0.75, "c": 0.0})
    with pytest.raises(ValueError, match="alpha"):
        linear_scores({}, {}, alpha=1.5)


def _tables() -> tuple[pa.Table, pa.Table]:
    vec = pa.table(
        {
            "id": ["a", "b", "c"],
            "text": ["A", "B", "C"],
            "_distance": [0.1, 0.2, 0.3],
            "_vector_score": [0.9, 0.8, 0.7],
            "_vector_rank": pa.array([1, 2, 3], pa.int32()),
        }
    )
    fts = pa.table(
        {
            "id": ["c", "d"],
            "text": ["C", "D"],
            "_distance": pa.nulls(2, pa.float64()),
            "_fts_score": [3.0, 1.0],
            "_fts_rank": pa.array([1, 2], pa.int32()),
        }
    )
    return vec, fts


def test_fuse_rrf_table() -> None:
    out = fuse(*_tables(), method="rrf", k=60)
    assert out.column("id").to_pylist() == ["c", "a", "b", "d"]
    assert out.column("text").to_pylist() == ["C", "A", "B", "D"]
    assert out.column("_fused_score").to_pylist() == pytest.approx(
        [1 / 63 + 1 / 61, 1 / 61, 1 / 62, 1 / 62]
    )
    assert out.column("_vector_rank").to_pylist() == [3, 1, 2, None]
    assert out.column("_fts_rank").to_pylist() == [1, None, None, 2]
    # b and d tie at 1/62: the vector list wins ties.
    assert out.column("_distance").to_pylist()[3] is None


@pytest.mark.parametrize(
    ("alpha", "order"), [(1.0, ["a", "b", "c", "d"]), (0.0, ["c", "d", "a", "b"])]
)
def test_fuse_linear_extremes(alpha: float, order: list[str]) -> None:
    out = fuse(*_tables(), method="linear", alpha=alpha)
    assert out.column("id").to_pylist() == order


def test_fuse_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse(*_tables(), method="max")
