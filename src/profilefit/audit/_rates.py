"""Rates compared with the highest rate: exact impact ratios, the four-fifths flag, Fisher's and the z test.

Rates and impact ratios are computed from the counts as fractions, so that a ratio of exactly 4/5
is not below four-fifths; the floats a report prints are taken from the fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

#: Uniform Guidelines, 29 CFR 1607.4(D): an impact ratio below this is evidence of adverse impact to look into.
#: A fraction, so that the comparison with a ratio of counts is exact.
FOUR_FIFTHS = Fraction(4, 5)


@dataclass(frozen=True)
class RateComparison:
    """One rate of one category, set against the category with the highest rate.

    Attributes
    ----------
    count : int
        Candidates selected (selection) or scoring above the median (scoring).
    rate : float
        ``count / applicants``.
    impact_ratio : float or None
        ``rate`` over the highest rate among non-excludable categories. ``None`` for an
        excludable category, when every category is excludable, or when the highest rate is 0.
    impact_ratio_all : float or None
        ``rate`` over the highest rate among all categories; ``None`` when that is 0.
    below_four_fifths : bool or None
        ``impact_ratio_exact < 4/5``, compared exactly; ``None`` when ``impact_ratio`` is.
    is_reference : bool
        This category has the highest rate among the non-excludable ones (the denominator of ``impact_ratio``).
    fisher_p : float or None
        Two-sided p of Fisher's exact test of this category against the reference; ``None`` for the
        reference itself and when there is no reference.
    z : float or None
        Pooled two-proportion z statistic, this category minus the reference; ``None`` as for
        ``fisher_p`` and when both rates are 0 or both are 1 (no variance).
    z_p : float or None
        Two-sided p of ``z`` under the standard normal.
    impact_ratio_exact : Fraction or None
        ``impact_ratio`` as the exact fraction of counts it is computed from.
    fisher_q : float or None
        ``fisher_p`` adjusted for the many tests of one audit: the Benjamini–Hochberg q over every
        Fisher test in the report (:func:`adjust_for_many_tests`); ``None`` before adjustment and
        where ``fisher_p`` is.
    shortfall : int or None
        How many more of the category would have to be counted (selected, above the median,
        assigned the classification) for its ratio to reach four-fifths: 0 when it does; ``None``
        without an impact ratio. A shortfall of 1 or 2 means the flag hangs on one or two people.
    """

    count: int
    rate: float
    impact_ratio: float | None
    impact_ratio_all: float | None
    below_four_fifths: bool | None
    is_reference: bool
    fisher_p: float | None
    z: float | None
    z_p: float | None
    impact_ratio_exact: Fraction | None = None
    shortfall: int | None = None
    fisher_q: float | None = None


def fisher_exact_p(count_a: int, n_a: int, count_b: int, n_b: int) -> float:
    """Two-sided p of Fisher's exact test that groups ``a`` and ``b`` share one rate.

    Examples
    --------
    >>> round(fisher_exact_p(2, 10, 10, 20), 4)
    0.2353
    """
    table = [[count_a, n_a - count_a], [count_b, n_b - count_b]]
    from scipy import stats  # imported when an audit runs, not when the command line starts

    return min(1.0, float(stats.fisher_exact(table, alternative="two-sided").pvalue))


def two_proportion_z(count_a: int, n_a: int, count_b: int, n_b: int) -> tuple[float | None, float | None]:
    """Pooled two-proportion z test of group ``a`` against group ``b``: ``(z, two-sided p)``.

    ``z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b))`` with the pooled rate
    ``p = (count_a + count_b) / (n_a + n_b)``. Both are ``None`` when ``p`` is 0 or 1.

    Examples
    --------
    >>> z, p = two_proportion_z(2, 10, 10, 20)
    >>> round(z, 4), round(p, 4)
    (-1.5811, 0.1138)
    """
    pooled = (count_a + count_b) / (n_a + n_b)
    variance = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)
    if variance <= 0.0:
        return None, None
    z = (count_a / n_a - count_b / n_b) / math.sqrt(variance)
    from scipy import stats

    return z, min(1.0, float(2.0 * stats.norm.sf(abs(z))))


def _highest(rates: Sequence[Fraction], sizes: Sequence[int], eligible: Sequence[bool]) -> int | None:
    """Index of the highest rate among ``eligible``; ties go to more applicants, then to the first by name."""
    candidates = [k for k, ok in enumerate(eligible) if ok]
    if not candidates:
        return None
    return max(candidates, key=lambda k: (rates[k], sizes[k], -k))


def _shortfall(count: int, size: int, reference_rate: Fraction) -> int:
    """The fewest more counted people that bring ``count / size`` to four-fifths of the reference rate."""
    return max(0, math.ceil(FOUR_FIFTHS * reference_rate * size) - count)


def compare_rates(
    counts: NDArray[np.int64], sizes: NDArray[np.int64], excludable: NDArray[np.bool_]
) -> list[RateComparison]:
    """Impact ratios and tests of every category's rate, in the order given; ratios are exact fractions."""
    count_list = [int(count) for count in counts]
    size_list = [int(size) for size in sizes]
    rates = [Fraction(count, size) for count, size in zip(count_list, size_list, strict=True)]
    reference = _highest(rates, size_list, [not bool(flag) for flag in excludable])
    top_all = _highest(rates, size_list, [True] * len(rates))
    comparisons = []
    for k, rate in enumerate(rates):
        exact = shortfall = None
        if reference is not None and not excludable[k] and rates[reference] > 0:
            exact = rate / rates[reference]
            shortfall = _shortfall(count_list[k], size_list[k], rates[reference])
        ratio_all = float(rate / rates[top_all]) if top_all is not None and rates[top_all] > 0 else None
        fisher_p = z = z_p = None
        if reference is not None and k != reference:
            tables = (count_list[k], size_list[k], count_list[reference], size_list[reference])
            fisher_p = fisher_exact_p(*tables)
            z, z_p = two_proportion_z(*tables)
        comparisons.append(
            RateComparison(
                count=count_list[k],
                rate=float(rate),
                impact_ratio=None if exact is None else float(exact),
                impact_ratio_all=ratio_all,
                below_four_fifths=None if exact is None else exact < FOUR_FIFTHS,
                is_reference=k == reference,
                fisher_p=fisher_p,
                z=z,
                z_p=z_p,
                impact_ratio_exact=exact,
                shortfall=shortfall,
            )
        )
    return comparisons


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q), which control the false discovery rate.

    Examples
    --------
    >>> [round(q, 4) for q in benjamini_hochberg([0.01, 0.04, 0.03, 0.5])]
    [0.04, 0.0533, 0.0533, 0.5]
    """
    if not p_values:
        return []
    from scipy import stats  # imported when an audit runs, not when the command line starts

    return [float(q) for q in stats.false_discovery_control(list(p_values), method="bh")]
