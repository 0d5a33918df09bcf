"""Rates compared with the highest rate: exact impact ratios, the four-fifths flag, Fisher's and the z test.

Flag rates (an adverse outcome: a validity flag, a human review) are compared with the *lowest* rate
instead, by :func:`compare_flag_rates`.

Rates and impact ratios are computed from the counts as fractions, so that a ratio of exactly 4/5
is not below four-fifths; the floats a report prints are taken from the fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from profilefit.evidence.stats import FOUR_FIFTHS

#: A category's flag rate at least this many times the lowest category's is a notable disparity when its
#: Fisher test is also significant after adjustment (q below :data:`FLAG_DISPARITY_ALPHA`). 5/4 is the
#: four-fifths rule turned round: the lowest flag rate is at most four-fifths of this category's.
FLAG_RATIO_THRESHOLD = Fraction(5, 4)

#: The adjusted significance (Benjamini–Hochberg q) a flag-rate disparity must reach to be notable.
FLAG_DISPARITY_ALPHA = 0.05


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


@dataclass(frozen=True)
class FlagComparison:
    """One category's rate of an adverse flag (a validity flag, or needing review), set against the lowest rate.

    Attributes
    ----------
    count : int
        Candidates of the category flagged.
    rate : float
        ``count / applicants``.
    flag_ratio : float or None
        ``rate`` over the lowest rate among non-excludable categories. ``None`` for an excludable
        category, when every category is excludable, or when the lowest rate is 0 (no ratio exists;
        any flagged category is then more than :data:`FLAG_RATIO_THRESHOLD` times it).
    is_reference : bool
        This category has the lowest rate among the non-excludable ones (ties go to more applicants,
        then to the first by name), the denominator of ``flag_ratio``.
    fisher_p, z, z_p : float or None
        Fisher's exact test and the pooled z test of this category against the reference, as
        :class:`RateComparison` has them (``z`` positive when this category is flagged more often).
    not_flagged_ratio : float or None
        The four-fifths view: the share *not* flagged over the reference's share not flagged
        (:attr:`RateComparison.impact_ratio` of the not-flagged counts). ``None`` as ``flag_ratio``
        is for an excludable category or without a reference.
    flag_ratio_exact : Fraction or None
        ``flag_ratio`` as the exact fraction of counts.
    fisher_q : float or None
        ``fisher_p`` adjusted over every Fisher test of the audit (Benjamini–Hochberg); ``None`` before
        adjustment and where ``fisher_p`` is.
    notable : bool or None
        A notable disparity: not the reference, ``fisher_q`` below :data:`FLAG_DISPARITY_ALPHA`, and
        the rate at least :data:`FLAG_RATIO_THRESHOLD` times the lowest (or the lowest is 0 and this
        rate is not). ``None`` for an excludable category, without a reference, and before adjustment.
    """

    count: int
    rate: float
    flag_ratio: float | None
    is_reference: bool
    fisher_p: float | None
    z: float | None
    z_p: float | None
    not_flagged_ratio: float | None = None
    flag_ratio_exact: Fraction | None = None
    fisher_q: float | None = None
    notable: bool | None = None

    def decided(self, q: float | None, *, comparable: bool) -> FlagComparison:
        """The comparison with its adjusted ``fisher_q`` and the :attr:`notable` decision that follows.

        ``comparable`` is false for an excludable category and when the dimension has no reference;
        such a category is never notable (``None``), nor is the reference (``False``).
        """
        notable: bool | None = None
        if comparable:
            higher = (self.flag_ratio_exact is None and self.count > 0) or (
                self.flag_ratio_exact is not None and self.flag_ratio_exact >= FLAG_RATIO_THRESHOLD
            )
            notable = not self.is_reference and q is not None and q < FLAG_DISPARITY_ALPHA and higher
        return replace(self, fisher_q=q, notable=notable)


def compare_flag_rates(
    counts: NDArray[np.int64], sizes: NDArray[np.int64], excludable: NDArray[np.bool_]
) -> list[FlagComparison]:
    """Flag rates of every category against the lowest, in the order given.

    The tests and the choice of reference are :func:`compare_rates` run over the counts *not*
    flagged: the category with the highest share not flagged is the one with the lowest flag rate,
    and Fisher's test of a 2×2 table does not change when its columns are swapped, so a flag rate
    meets exactly the tests every other rate of the audit meets. ``notable`` is decided once the
    q-values are known (:meth:`FlagComparison.decided`); until then it is ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> rows = compare_flag_rates(np.array([2, 8]), np.array([20, 20]), np.array([False, False]))
    >>> [(x.rate, x.flag_ratio, x.is_reference) for x in rows]
    [(0.1, 1.0, True), (0.4, 4.0, False)]
    """
    flagged = [int(count) for count in counts]
    size_list = [int(size) for size in sizes]
    kept = np.array([size - count for count, size in zip(flagged, size_list, strict=True)], dtype=np.int64)
    complements = compare_rates(kept, sizes, excludable)
    reference = next((k for k, c in enumerate(complements) if c.is_reference), None)
    result = []
    for k, complement in enumerate(complements):
        exact = None
        if reference is not None and not excludable[k] and flagged[reference] > 0:
            exact = Fraction(flagged[k], size_list[k]) / Fraction(flagged[reference], size_list[reference])
        result.append(
            FlagComparison(
                count=flagged[k],
                rate=float(Fraction(flagged[k], size_list[k])),
                flag_ratio=None if exact is None else float(exact),
                is_reference=complement.is_reference,
                fisher_p=complement.fisher_p,
                z=None if complement.z is None else -complement.z,
                z_p=complement.z_p,
                not_flagged_ratio=complement.impact_ratio,
                flag_ratio_exact=exact,
            )
        )
    return result
