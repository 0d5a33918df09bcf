"""The statistics of a validation study: correlations with bootstrap intervals, corrections, intervals of means.

Corrections follow the psychometric literature (docs/validation.md gives the sources):

- Criterion unreliability: ``r / sqrt(r_yy)`` (Spearman's correction for attenuation in the criterion only;
  the predictor is left as it is, since decisions are made with the fallible score).
- Direct range restriction, Thorndike's Case II: ``r_c = U r / sqrt(1 + r^2 (U^2 - 1))`` with
  ``U = SD(applicants) / SD(hired)``.

When both apply, the criterion correction comes first, with the reliability of the hired (restricted)
group, as published reliabilities of supervisor ratings are; then Case II (Hunter, Schmidt & Le 2006).
Both corrections are increasing functions of ``r``, so interval bounds are corrected the same way.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

#: Bootstrap resamples of a correlation's interval.
BOOTSTRAP_RESAMPLES = 2000
#: Seed of the bootstrap, so that a study gives the same intervals every time it is run.
BOOTSTRAP_SEED = 20_261_130
CONFIDENCE = 0.95
#: Up to this many pairs the interval is BCa; above it, the percentile interval.
BCA_MAX_N = 5000
_BATCH_ELEMENTS = 4_000_000


def _seeded(seed: int) -> dict[str, np.random.Generator]:
    """The bootstrap's generator argument: ``rng`` from scipy 1.15, ``random_state`` before it."""
    name = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"
    return {name: np.random.default_rng(seed)}


def bootstrap_method(n: int) -> str:
    """The bootstrap interval used for ``n`` pairs: ``"BCa"`` up to ``BCA_MAX_N``, ``"percentile"`` above."""
    return "BCa" if n <= BCA_MAX_N else "percentile"


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval; ``low``/``high`` are ``None`` when no interval can be formed."""

    value: float
    low: float | None
    high: float | None


def case_ii(r: float, u: float) -> float:
    """Correct a correlation for direct range restriction (Thorndike's Case II).

    Parameters
    ----------
    r : float
        Correlation observed in the selected (hired) group, in [-1, 1].
    u : float
        ``SD(applicants) / SD(selected)`` of the predictor, above 0.

    Examples
    --------
    >>> round(case_ii(0.25, 1.5), 4)
    0.3612
    >>> case_ii(0.3, 1.0)
    0.3
    """
    if u <= 0:
        raise ValueError(f"U must be above 0, got {u}")
    if not -1.0 <= r <= 1.0:
        raise ValueError(f"r must be in [-1, 1], got {r}")
    return u * r / math.sqrt(1.0 + r * r * (u * u - 1.0))


def correct_for_criterion(r: float, reliability: float) -> float:
    """Correct a correlation for an unreliable criterion: ``r / sqrt(r_yy)``, kept within [-1, 1].

    Examples
    --------
    >>> round(correct_for_criterion(0.2, 0.52), 4)
    0.2774
    """
    if not 0.0 < reliability <= 1.0:
        raise ValueError(f"criterion reliability must be in (0, 1], got {reliability}")
    return max(-1.0, min(1.0, r / math.sqrt(reliability)))


def _pearson_rows(x: NDArray[np.float64], y: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    x = x - x.mean(axis=axis, keepdims=True)
    y = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: NDArray[np.float64] = (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))
    return result


def _spearman_rows(x: NDArray[np.float64], y: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    return _pearson_rows(stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis), axis=axis)


def correlation(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    method: str = "pearson",
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[Estimate, float]:
    """A correlation with its bootstrap 95 % interval (BCa up to ``BCA_MAX_N`` pairs, percentile above), and its p.

    Parameters
    ----------
    x, y : ndarray of float, shape (n,)
        Paired values; cases are resampled as pairs.
    method : {"pearson", "spearman"}
    resamples : int
    seed : int

    Returns
    -------
    estimate : Estimate
        ``value`` is ``nan`` when either variable is constant.
    p : float
        Two-sided p of scipy's test of no correlation (``nan`` when the value is).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    statistic = {"pearson": _pearson_rows, "spearman": _spearman_rows}[method]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Estimate(math.nan, None, None), math.nan
    value = float(statistic(x, y))
    test = stats.pearsonr(x, y) if method == "pearson" else stats.spearmanr(x, y)
    with warnings.catch_warnings():
        # A resample with a constant column gives nan; BCa then warns and returns nan bounds, handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (x, y),
            statistic,
            paired=True,
            vectorized=True,
            n_resamples=resamples,
            confidence_level=CONFIDENCE,
            # BCa's jackknife costs n² operations: above BCA_MAX_N the percentile interval, as good at that size.
            method=bootstrap_method(x.size),
            batch=max(1, _BATCH_ELEMENTS // x.size),  # bounds memory: resamples are drawn in batches
            **_seeded(seed),
        )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if math.isnan(low) or math.isnan(high):
        return Estimate(value, None, None), float(test.pvalue)
    return Estimate(value, low, high), float(test.pvalue)


def fisher_interval(r: float, n: int) -> Estimate:
    """A correlation with its Fisher-z 95 % interval (for many small figures, where a bootstrap each is too slow).

    Examples
    --------
    >>> e = fisher_interval(0.3, 100)
    >>> round(e.low, 3), round(e.high, 3)
    (0.11, 0.469)
    """
    if math.isnan(r) or n < 4 or abs(r) >= 1.0:
        return Estimate(r, None, None)
    z, half = math.atanh(r), float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) / math.sqrt(n - 3)
    return Estimate(r, math.tanh(z - half), math.tanh(z + half))


def mean_interval(values: NDArray[np.float64]) -> Estimate:
    """The mean with its t-based 95 % interval (no interval below two values)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return Estimate(math.nan, None, None)
    mean = float(values.mean())
    if values.size < 2:
        return Estimate(mean, None, None)
    half = (
        float(stats.t.ppf(0.5 + CONFIDENCE / 2, values.size - 1)) * float(values.std(ddof=1)) / math.sqrt(values.size)
    )
    return Estimate(mean, mean - half, mean + half)


def wilson_interval(successes: int, n: int) -> Estimate:
    """A share with its Wilson score 95 % interval.

    Examples
    --------
    >>> e = wilson_interval(8, 10)
    >>> round(e.value, 2), round(e.low, 3), round(e.high, 3)
    (0.8, 0.49, 0.943)
    """
    if n == 0:
        return Estimate(math.nan, None, None)
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(share, max(0.0, centre - half), min(1.0, centre + half))


def difference_interval(a: NDArray[np.float64], b: NDArray[np.float64]) -> Estimate:
    """Difference of two means, ``mean(a) - mean(b)``, with Welch's 95 % interval."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    difference = float(a.mean() - b.mean()) if a.size and b.size else math.nan
    if a.size < 2 or b.size < 2:
        return Estimate(difference, None, None)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return Estimate(difference, None, None)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(va + vb)
    return Estimate(difference, difference - half, difference + half)
