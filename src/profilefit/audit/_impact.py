"""Adverse impact of the fit bands and fit scores by sex, race/ethnicity, their intersections and age band.

The figures follow what a NYC Local Law 144 bias audit publishes (6 RCNY § 5-300 et seq.), with the
Uniform Guidelines' four-fifths flag and two significance tests beside them; docs/fairness.md explains
each and gives the sources.

- *Selection rate*: share of a category whose fit band is at or above the chosen band.
- *Scoring rate*: share of a category whose fit score is strictly above the median fit score of all
  audited candidates (the rules' "above the sample's median score").
- *Impact ratio*: a category's rate divided by the highest rate. Categories with less than 2 % of the
  audited candidates may be excluded from the impact-ratio calculation; ``impact_ratio`` excludes them
  (it is ``None`` for them and the highest rate is taken among the others), while
  ``impact_ratio_all`` includes every category.
- *Unknown*: candidates whose category is unknown, or who have no demographics row, are counted and
  never enter a ratio.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.audit._inputs import (
    FIT_BANDS,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    read_demographics,
    read_results,
)
from profilefit.profiles import PROFILE_IDS

#: Bands a selection can be made at; "weak" would select everyone.
SELECT_BANDS = ("strong", "possible")
DEFAULT_SELECT_BAND = "possible"

#: Share of the audited candidates below which a category may be excluded from impact ratios (6 RCNY § 5-301).
EXCLUDABLE_SHARE = 0.02

#: Uniform Guidelines, 29 CFR 1607.4(D): an impact ratio below this is evidence of adverse impact to look into.
FOUR_FIFTHS = 0.8

UNDETERMINED = "undetermined"

_INTERSECTION = " × "


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
        ``impact_ratio < 0.8``; ``None`` when ``impact_ratio`` is.
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


@dataclass(frozen=True)
class CategoryImpact:
    """All figures for one category of one dimension.

    Attributes
    ----------
    category : str
    applicants : int
        Audited candidates in the category.
    share : float
        ``applicants`` over all audited candidates (unknowns included).
    excludable : bool
        ``share < 0.02``: the rules allow leaving the category out of the impact ratios.
    selection : RateComparison
    scoring : RateComparison
    profile_rates : dict of str to float
        Share of the category whose top profile is each profile (``"undetermined"`` included).
    """

    category: str
    applicants: int
    share: float
    excludable: bool
    selection: RateComparison
    scoring: RateComparison
    profile_rates: Mapping[str, float]


@dataclass(frozen=True)
class DimensionImpact:
    """The categories of one dimension (sex, race/ethnicity, their intersection, or age band).

    Attributes
    ----------
    dimension : str
        ``"sex"``, ``"race_ethnicity"``, ``"sex_race_ethnicity"`` or ``"age_band"``.
    title : str
        The dimension in words.
    categories : tuple of CategoryImpact
        Sorted by category name.
    unknown : int
        Audited candidates whose category is unknown, including those without a demographics row.
    """

    dimension: str
    title: str
    categories: tuple[CategoryImpact, ...]
    unknown: int

    def reference(self, rate: str = "selection") -> str | None:
        """Name of the category whose ``rate`` (``"selection"`` or ``"scoring"``) is the impact-ratio denominator."""
        for category in self.categories:
            if getattr(category, rate).is_reference:
                return category.category
        return None


@dataclass(frozen=True)
class AuditReport:
    """The adverse-impact audit of one batch of results.

    Attributes
    ----------
    select_band : {"strong", "possible"}
        Selected means a fit band at or above this one.
    applicants : int
        Candidates in the results file; every one is audited.
    selected : int
    median_fit_score : float
        Median fit score of all audited candidates; the scoring rate counts scores strictly above it.
    above_median : int
    results_without_demographics : int
        Audited candidates with no demographics row (unknown in every dimension).
    demographics_without_results : int
        Demographics rows with no result; they are ignored.
    excludable_share : float
    profiles : tuple of str
        Profile ids in the order of ``profile_rates``.
    profile_rates : dict of str to float
        Share of all audited candidates assigned each profile.
    dimensions : tuple of DimensionImpact
        The dimensions the demographics file reports, in the order sex, race/ethnicity, their
        intersection, age band.
    """

    select_band: str
    applicants: int
    selected: int
    median_fit_score: float
    above_median: int
    results_without_demographics: int
    demographics_without_results: int
    excludable_share: float
    profiles: tuple[str, ...]
    profile_rates: Mapping[str, float]
    dimensions: tuple[DimensionImpact, ...]


def _sex_and_race(person: Demographics) -> str | None:
    if person.sex is None or person.race_ethnicity is None:
        return None
    return f"{person.sex}{_INTERSECTION}{person.race_ethnicity}"


_Dimension = tuple[str, str, frozenset[str], Callable[[Demographics], str | None]]

#: (id, title, demographic columns it needs, how to read a person's category).
_DIMENSIONS: tuple[_Dimension, ...] = (
    ("sex", "Sex", frozenset({"sex"}), lambda person: person.sex),
    ("race_ethnicity", "Race/ethnicity", frozenset({"race_ethnicity"}), lambda person: person.race_ethnicity),
    ("sex_race_ethnicity", "Sex × race/ethnicity", frozenset({"sex", "race_ethnicity"}), _sex_and_race),
    ("age_band", "Age band (40 and over against under 40)", frozenset({"age_band"}), lambda person: person.age_band),
)


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


def _highest(rates: NDArray[np.float64], sizes: NDArray[np.int64], eligible: NDArray[np.bool_]) -> int | None:
    """Index of the highest rate among ``eligible``; ties go to more applicants, then to the first by name."""
    candidates = [int(k) for k in np.flatnonzero(eligible)]
    if not candidates:
        return None
    return max(candidates, key=lambda k: (rates[k], sizes[k], -k))


def _compare(
    counts: NDArray[np.int64], sizes: NDArray[np.int64], excludable: NDArray[np.bool_]
) -> list[RateComparison]:
    """Impact ratios and tests of every category's rate, in the order given."""
    rates = counts / sizes
    reference = _highest(rates, sizes, ~excludable)
    top_all = _highest(rates, sizes, np.ones_like(excludable))
    comparisons = []
    for k in range(len(sizes)):
        ratio = None
        if reference is not None and not excludable[k] and rates[reference] > 0:
            ratio = float(rates[k] / rates[reference])
        ratio_all = float(rates[k] / rates[top_all]) if top_all is not None and rates[top_all] > 0 else None
        fisher_p = z = z_p = None
        if reference is not None and k != reference:
            fisher_p = fisher_exact_p(int(counts[k]), int(sizes[k]), int(counts[reference]), int(sizes[reference]))
            z, z_p = two_proportion_z(int(counts[k]), int(sizes[k]), int(counts[reference]), int(sizes[reference]))
        comparisons.append(
            RateComparison(
                count=int(counts[k]),
                rate=float(rates[k]),
                impact_ratio=ratio,
                impact_ratio_all=ratio_all,
                below_four_fifths=None if ratio is None else ratio < FOUR_FIFTHS,
                is_reference=k == reference,
                fisher_p=fisher_p,
                z=z,
                z_p=z_p,
            )
        )
    return comparisons


def _profile_order(assigned: Sequence[str]) -> tuple[str, ...]:
    known = (*PROFILE_IDS, UNDETERMINED)
    return known + tuple(sorted(set(assigned) - set(known)))


def _profile_rates(assigned: NDArray[np.str_], profiles: tuple[str, ...]) -> dict[str, float]:
    return {profile: float(np.mean(assigned == profile)) for profile in profiles}


def adverse_impact(
    candidates: Sequence[ScoredCandidate],
    demographics: DemographicsTable,
    *,
    select_band: str = DEFAULT_SELECT_BAND,
    excludable_share: float = EXCLUDABLE_SHARE,
) -> AuditReport:
    """Compute the adverse-impact audit of scored candidates.

    Parameters
    ----------
    candidates : sequence of ScoredCandidate
        Every scored candidate; each is audited, with unknown categories if it has no demographics.
    demographics : DemographicsTable
        Joined to ``candidates`` by candidate id; rows without a candidate are counted and ignored.
    select_band : {"strong", "possible"}, default "possible"
        A candidate is selected when their fit band is this band or a higher one; an incomplete
        fit (no band) is not selected.
    excludable_share : float, default 0.02
        Categories with a smaller share of the candidates may be left out of impact ratios.

    Returns
    -------
    AuditReport

    Examples
    --------
    >>> from profilefit.audit import Demographics, DemographicsTable, ScoredCandidate
    >>> people = {"a": Demographics(sex="Female"), "b": Demographics(sex="Male"), "c": Demographics(sex="Male")}
    >>> scored = [ScoredCandidate("a", "rock", 80.0, "strong"), ScoredCandidate("b", "rock", 40.0, "weak"),
    ...           ScoredCandidate("c", "controller", 70.0, "possible")]
    >>> report = adverse_impact(scored, DemographicsTable(frozenset({"sex"}), people))
    >>> [(c.category, c.selection.rate, c.selection.impact_ratio) for c in report.dimensions[0].categories]
    [('Female', 1.0, 1.0), ('Male', 0.5, 0.5)]
    """
    if select_band not in SELECT_BANDS:
        raise ValueError(f"select_band must be one of {', '.join(SELECT_BANDS)}, got {select_band!r}")
    if not candidates:
        raise ValueError("no candidates to audit")
    threshold = FIT_BANDS.index(select_band)
    # An incomplete fit has no band and is never selected.
    selected = np.array([c.fit_band is not None and FIT_BANDS.index(c.fit_band) >= threshold for c in candidates])
    scores = np.array([c.fit_score for c in candidates], dtype=np.float64)
    median = float(np.median(scores))
    above = scores > median  # strictly above, as the rules define the scoring rate
    assigned = np.array([c.top_profile for c in candidates], dtype=np.str_)
    profiles = _profile_order([c.top_profile for c in candidates])
    total = len(candidates)

    ids = {c.candidate_id for c in candidates}
    unknown_person = Demographics()
    people = [demographics.people.get(c.candidate_id, unknown_person) for c in candidates]

    dimensions = []
    for dimension, title, needs, category_of in _DIMENSIONS:
        if not needs <= demographics.dimensions:
            continue
        labels = [category_of(person) for person in people]
        names = sorted({label for label in labels if label is not None}, key=lambda name: (name.casefold(), name))
        members = [np.array([label == name for label in labels]) for name in names]
        sizes = np.array([int(member.sum()) for member in members], dtype=np.int64)
        excludable = sizes / total < excludable_share
        selection = _compare(np.array([int(selected[m].sum()) for m in members], dtype=np.int64), sizes, excludable)
        scoring = _compare(np.array([int(above[m].sum()) for m in members], dtype=np.int64), sizes, excludable)
        categories = tuple(
            CategoryImpact(
                category=name,
                applicants=int(sizes[k]),
                share=float(sizes[k] / total),
                excludable=bool(excludable[k]),
                selection=selection[k],
                scoring=scoring[k],
                profile_rates=_profile_rates(assigned[members[k]], profiles),
            )
            for k, name in enumerate(names)
        )
        dimensions.append(DimensionImpact(dimension, title, categories, unknown=sum(label is None for label in labels)))

    return AuditReport(
        select_band=select_band,
        applicants=total,
        selected=int(selected.sum()),
        median_fit_score=median,
        above_median=int(above.sum()),
        results_without_demographics=sum(c.candidate_id not in demographics.people for c in candidates),
        demographics_without_results=sum(candidate_id not in ids for candidate_id in demographics.people),
        excludable_share=excludable_share,
        profiles=profiles,
        profile_rates=_profile_rates(assigned, profiles),
        dimensions=tuple(dimensions),
    )


def audit_files(
    results: str | Path,
    demographics: str | Path,
    *,
    select_band: str = DEFAULT_SELECT_BAND,
    excludable_share: float = EXCLUDABLE_SHARE,
) -> AuditReport:
    """Read a results file and a demographics CSV and audit them; see :func:`adverse_impact`.

    Parameters
    ----------
    results : str or Path
        A results file that ``profilefit score`` wrote (CSV, JSON Lines or Parquet).
    demographics : str or Path
        A demographics CSV (see :func:`read_demographics`).
    select_band : {"strong", "possible"}, default "possible"
    excludable_share : float, default 0.02

    Returns
    -------
    AuditReport

    Raises
    ------
    AuditInputError
        If either file cannot be used; the message names the file, row and field.
    """
    return adverse_impact(
        read_results(results),
        read_demographics(demographics),
        select_band=select_band,
        excludable_share=excludable_share,
    )
