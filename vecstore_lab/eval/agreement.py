"""Cohen's kappa: how far two judges agree beyond what chance would give.

``kappa = (p_o - p_e) / (1 - p_e)``, where ``p_o`` is the observed share of agreement and
``p_e`` the agreement expected if each judge graded at random with their own grade
frequencies. With weights, disagreements count by distance: ``"linear"`` |i - j| or
``"quadratic"`` (i - j)², the usual choice for graded relevance. The tests check it against
scikit-learn's ``cohen_kappa_score``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["agreement_between", "cohen_kappa"]


def cohen_kappa(
    a: Sequence[int], b: Sequence[int], *, labels: Sequence[int], weights: str | None = None
) -> float:
    """Cohen's kappa of two equally long gradings over ``labels`` (1.0 when both judges use
    one and the same grade throughout: there is nothing to disagree on).

    Examples:
        >>> cohen_kappa([0, 1, 2, 3], [0, 1, 2, 3], labels=[0, 1, 2, 3])
        1.0
        >>> round(cohen_kappa([0, 0, 1, 1], [0, 1, 0, 1], labels=[0, 1]), 3)
        0.0
    """
    if len(a) != len(b) or not a:
        raise InvalidInputError("kappa needs two gradings of the same, non-zero length")
    if weights not in (None, "linear", "quadratic"):
        raise InvalidInputError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({x for x in (*a, *b) if x not in index})
    if unknown:
        raise InvalidInputError(f"grades {unknown} are not among the labels {list(labels)}")
    n = len(labels)
    observed = np.zeros((n, n))
    for x, y in zip(a, b, strict=True):
        observed[index[x], index[y]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((n, n))
    if weights is None:
        cost = (i != j).astype(float)
    else:
        cost = np.abs(i - j).astype(float) ** (1 if weights == "linear" else 2)
    chance = float((cost * expected).sum())
    if chance == 0.0:
        return 1.0
    return float(1.0 - (cost * observed).sum() / chance)


def agreement_between(
    mine: Mapping[tuple[str, str], int],
    theirs: Mapping[tuple[str, str], int],
    *,
    labels: Sequence[int] = (0, 1, 2, 3),
) -> dict[str, float | int | None]:
    """How far two judges' grades of the same (query, id) pairs agree: ``pairs`` graded by
    both, ``agreed`` (share of equal grades), ``kappa`` and quadratic ``weighted_kappa``
    (None with no shared pair). ``Judgements.agreement`` of their standing grades."""
    both = sorted(set(mine) & set(theirs))
    if not both:
        return {"pairs": 0, "agreed": None, "kappa": None, "weighted_kappa": None}
    a = [mine[p] for p in both]
    b = [theirs[p] for p in both]
    return {
        "pairs": len(both),
        "agreed": sum(x == y for x, y in zip(a, b, strict=True)) / len(both),
        "kappa": cohen_kappa(a, b, labels=list(labels)),
        "weighted_kappa": cohen_kappa(a, b, labels=list(labels), weights="quadratic"),
    }
