"""Internal consistency of each scale: Cronbach's alpha and corrected item-total correlations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import Instrument
from profilefit.core.scoring._responses import Responses
from profilefit.core.scoring._scales import keyed_items


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale, computed on candidates who answered all its items.

    Attributes
    ----------
    scale : str
    n_items : int
    n_candidates : int
        Complete cases used (listwise deletion within the scale).
    alpha : float
        Cronbach's alpha; ``nan`` with fewer than two complete cases or no variance.
    item_total : dict of str to float
        Correlation of each keyed item with the sum of the scale's other items.
    """

    scale: str
    n_items: int
    n_candidates: int
    alpha: float
    item_total: dict[str, float]


def cronbach_alpha(keyed: NDArray[np.float64]) -> float:
    """Cronbach's alpha of a complete (n_candidates, n_items) matrix of keyed answers.

    ``alpha = k / (k - 1) * (1 - sum(item variances) / variance(total))``, with
    sample variances (``ddof=1``).

    Examples
    --------
    >>> import numpy as np
    >>> round(cronbach_alpha(np.array([[1, 2], [2, 3], [3, 3], [4, 5]], dtype=float)), 4)
    0.96
    """
    n, k = keyed.shape
    if n < 2 or k < 2:
        return float("nan")
    total_variance = keyed.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - keyed.var(axis=0, ddof=1).sum() / total_variance))


def _correlation(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    a_centred, b_centred = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a_centred**2).sum() * (b_centred**2).sum())
    return float((a_centred * b_centred).sum() / denominator) if denominator > 0 else float("nan")


def scale_reliability(responses: Responses) -> list[ScaleReliability]:
    """Cronbach's alpha and corrected item-total correlations for every scale.

    Parameters
    ----------
    responses : Responses

    Returns
    -------
    list of ScaleReliability
        One entry per scale, in instrument order.
    """
    instrument: Instrument = responses.instrument
    keyed = keyed_items(instrument, responses.items)
    results = []
    for scale_id in instrument.scale_ids:
        columns = [k for k, item in enumerate(instrument.items) if item.scale == scale_id]
        block = keyed[:, columns]
        complete = block[~np.isnan(block).any(axis=1)]
        total = complete.sum(axis=1)
        item_total = {
            instrument.items[column].id: _correlation(complete[:, j], total - complete[:, j])
            if len(complete) > 1
            else float("nan")
            for j, column in enumerate(columns)
        }
        results.append(ScaleReliability(scale_id, len(columns), len(complete), cronbach_alpha(complete), item_total))
    return results


def format_reliability(results: list[ScaleReliability]) -> str:
    """A plain-text table of :func:`scale_reliability` results for the terminal."""
    lines = [f"{'scale':<18}{'items':>6}{'n':>8}{'alpha':>8}   item-total correlations (corrected)"]
    for result in results:
        correlations = "  ".join(f"{item} {value:+.2f}" for item, value in result.item_total.items())
        lines.append(
            f"{result.scale:<18}{result.n_items:>6}{result.n_candidates:>8}{result.alpha:>8.3f}   {correlations}"
        )
    return "\n".join(lines)
