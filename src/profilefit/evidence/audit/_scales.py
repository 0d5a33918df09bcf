"""Scale scores by group: each category's mean and its standardised difference from the largest category.

Beyond what NYC Local Law 144 asks: the differences show where a gap in fit comes from, since a
difference on a scale the role weighs moves the fit and one on a scale it ignores does not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: A pooled standard deviation below this share of the scores' size counts as no spread.
_NO_SPREAD = 1e-9


@dataclass(frozen=True)
class ScaleStatistics:
    """The scores of one category on one scale.

    Attributes
    ----------
    n : int
        Candidates of the category with a score on the scale.
    mean, sd : float or None
        Mean and standard deviation (ddof 1) of their scores; ``None`` without scores (sd: under two).
    d : float or None
        Standardised mean difference from the reference category: ``(mean - mean_ref) / s_pooled``
        with ``s_pooled`` the pooled standard deviation of the two; positive when this category
        scores higher. 0 for the reference; ``None`` when either has under two scores or no spread.
    is_reference : bool
        This is the largest category that is not excludable (ties: the first by name).
    """

    n: int
    mean: float | None
    sd: float | None
    d: float | None
    is_reference: bool


@dataclass(frozen=True)
class ScaleDifference:
    """Scale scores of every category of one dimension on one scale.

    Attributes
    ----------
    scale : str
        The scale id.
    statistics : tuple of ScaleStatistics
        One per category, in the order of :attr:`DimensionImpact.categories`.
    """

    scale: str
    statistics: tuple[ScaleStatistics, ...]


def scale_differences(
    scores: NDArray[np.float64], scales: Sequence[str], members: Sequence[NDArray[np.bool_]],
    sizes: NDArray[np.int64], excludable: NDArray[np.bool_],
) -> tuple[ScaleDifference, ...]:  # fmt: skip
    """Mean, SD and d against the largest non-excludable category, per scale and category."""
    eligible = [k for k in range(len(members)) if not excludable[k]]
    reference = max(eligible, key=lambda k: (sizes[k], -k)) if eligible else None
    differences = []
    for j, scale in enumerate(scales):
        groups = [scores[member, j][~np.isnan(scores[member, j])] for member in members]
        statistics = []
        for k, group in enumerate(groups):
            mean = float(group.mean()) if group.size else None
            sd = float(group.std(ddof=1)) if group.size > 1 else None
            d = None
            if reference is not None and k == reference and group.size > 1:
                d = 0.0
            elif reference is not None and group.size > 1 and groups[reference].size > 1:
                ref = groups[reference]
                pooled = ((group.size - 1) * group.var(ddof=1) + (ref.size - 1) * ref.var(ddof=1)) / (
                    group.size + ref.size - 2
                )
                # No spread, up to rounding (equal scores give a variance of about 1e-32, not 0): no d.
                scale_of_scores = max(abs(float(group.mean())), abs(float(ref.mean())), 1.0)
                if pooled > (_NO_SPREAD * scale_of_scores) ** 2:
                    d = float((group.mean() - ref.mean()) / math.sqrt(pooled))
            statistics.append(ScaleStatistics(int(group.size), mean, sd, d, k == reference))
        differences.append(ScaleDifference(scale, tuple(statistics)))
    return tuple(differences)
