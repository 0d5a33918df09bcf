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
- *Classifications*: for each classification the model reports (each profile, and undetermined), the
  share of a category assigned it, with the same impact ratios and tests (6 RCNY § 5-301(b)(4)).
- *Flags*: for needing review and for each validity flag, the share of a category flagged, set against
  the least-flagged category (a flag is an adverse outcome, so the comparison runs the other way), with
  the same tests; a notable disparity is a flag rate at least 5/4 of the lowest that is significant
  after adjustment (:data:`~profilefit.evidence.audit._rates.FLAG_RATIO_THRESHOLD`). Left out, with a warning,
  for results files without the ``validity_flags`` or ``needs_review`` column.

Rates and ratios are computed from the counts as exact fractions, so a ratio of exactly 4/5 is not
below four-fifths; floats are derived from the fractions for output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.core.artifact import file_sha256
from profilefit.core.fit import RoleProfile
from profilefit.core.validity import FLAG_IDS
from profilefit.data.demographics import MergedSpellings, category_key
from profilefit.evidence.audit._inputs import (
    FIT_BANDS,
    NEEDS_REVIEW,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    read_demographics,
    read_results_file,
)
from profilefit.evidence.audit._rates import FlagComparison, RateComparison, compare_flag_rates, compare_rates
from profilefit.evidence.audit._scales import ScaleDifference, scale_differences
from profilefit.evidence.audit._synthetic import sample_demographics_path
from profilefit.evidence.audit._tool import UNDETERMINED, AuditedTool, describe_tool, order_classifications
from profilefit.evidence.stats import benjamini_hochberg
from profilefit.exceptions import AuditMatchError

#: Bands a selection can be made at; "weak" would select everyone.
SELECT_BANDS = ("strong", "possible")
DEFAULT_SELECT_BAND = "possible"

#: Share of the audited candidates below which a category may be excluded from impact ratios (6 RCNY § 5-301(d)).
EXCLUDABLE_SHARE = 0.02

#: Below this share of results matched to a demographics row, the audit warns that it says little.
MIN_MATCHED_SHARE = 0.5


_INTERSECTION = " × "


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
        Share of the category assigned each classification: the profile the model reported,
        ``"undetermined"`` included. The same rates, with ratios and tests, are in
        :attr:`DimensionImpact.classifications`.
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
    classifications : tuple of ClassificationImpact
        For each classification, the rate at which each category is assigned it, with impact
        ratios and tests; in the order of :attr:`AuditReport.profiles`.
    scales : tuple of ScaleDifference
        For each scale the results file reports, each category's mean score and its standardised
        difference from the largest category; empty when the results have no scale columns.
    flags : tuple of FlagImpact
        For needing review and each validity flag, the rate at which each category is flagged, with
        flag ratios and tests; in the order of :attr:`AuditReport.flags` (empty when it is).
    """

    dimension: str
    title: str
    categories: tuple[CategoryImpact, ...]
    unknown: int
    classifications: tuple[ClassificationImpact, ...] = ()
    scales: tuple[ScaleDifference, ...] = ()
    flags: tuple[FlagImpact, ...] = ()

    def fisher_ps(self) -> list[float | None]:
        """Fisher's p of every comparison of the dimension: selection, scoring, classifications, flags, in order.

        The order in which the audit's Benjamini–Hochberg adjustment gives out its q-values.
        """
        rates: list[RateComparison | FlagComparison] = [
            *(c.selection for c in self.categories),
            *(c.scoring for c in self.categories),
            *(x for impact in self.classifications for x in impact.comparisons),
            *(x for impact in self.flags for x in impact.comparisons),
        ]
        return [comparison.fisher_p for comparison in rates]

    def reference(self, rate: str = "selection") -> str | None:
        """Name of the category whose ``rate`` (``"selection"`` or ``"scoring"``) is the impact-ratio denominator."""
        for category in self.categories:
            if getattr(category, rate).is_reference:
                return category.category
        return None


@dataclass(frozen=True)
class ClassificationImpact:
    """How often each category of one dimension is assigned one classification.

    Attributes
    ----------
    classification : str
        A profile id the model reports, or ``"undetermined"``.
    comparisons : tuple of RateComparison
        One per category, in the order of :attr:`DimensionImpact.categories`: ``count`` is the
        category's candidates assigned the classification, ``rate`` their share of the category.
    """

    classification: str
    comparisons: tuple[RateComparison, ...]

    def reference(self, categories: Sequence[CategoryImpact]) -> str | None:
        """Name of the category with the highest rate (the impact-ratio denominator), if any."""
        for category, comparison in zip(categories, self.comparisons, strict=True):
            if comparison.is_reference:
                return category.category
        return None


@dataclass(frozen=True)
class FlagImpact:
    """How often each category of one dimension is flagged by one adverse flag.

    Attributes
    ----------
    flag : str
        ``"needs_review"`` or a validity flag id (:data:`profilefit.core.validity.FLAG_IDS`).
    comparisons : tuple of FlagComparison
        One per category, in the order of :attr:`DimensionImpact.categories`: ``count`` is the
        category's candidates flagged, ``rate`` their share of the category.
    """

    flag: str
    comparisons: tuple[FlagComparison, ...]

    def reference(self, categories: Sequence[CategoryImpact]) -> str | None:
        """Name of the category with the lowest flag rate (the flag-ratio denominator), if any."""
        for category, comparison in zip(categories, self.comparisons, strict=True):
            if comparison.is_reference:
                return category.category
        return None


@dataclass(frozen=True)
class AuditReport:
    """The adverse-impact audit of one batch of results.

    Attributes
    ----------
    select_band : {"strong", "possible"}
        Selected means a fit band at or above this one; a candidate without a band is not selected.
    applicants : int
        Candidates in the results file; every one is audited.
    selected : int
    median_fit_score : float or None
        Median fit score of the audited candidates that have one; the scoring rate counts scores
        strictly above it. ``None`` when no candidate has a fit score.
    above_median : int
    results_without_demographics : int
        Audited candidates with no demographics row (unknown in every dimension).
    demographics_without_results : int
        Demographics rows with no result; they are ignored.
    excludable_share : float
    profiles : tuple of str
        The classifications: the profile ids the model reports, then ``"undetermined"``; the order
        of ``profile_rates`` and of every dimension's ``classifications``.
    profile_rates : dict of str to float
        Share of all audited candidates assigned each classification.
    dimensions : tuple of DimensionImpact
        The dimensions the demographics file reports, in the order sex, race/ethnicity, their
        intersection, age band.
    tool : AuditedTool
        The model and role the results come from, as far as they are known.
    without_band : int
        Audited candidates whose fit has no band (an incomplete fit); they count as not selected.
    without_score : int
        Audited candidates without a fit score; they count as not above the median.
    warnings : tuple of str
        Codes of what a reader must know before trusting the figures: ``"low_match"`` (under half
        of the results matched to demographics), ``"no_band"``, ``"mixed_models"``,
        ``"unlisted_classifications"`` (profiles the model does not list), ``"no_dimensions"``,
        ``"synthetic_demographics"`` (the bundled demographics, which describe no real person),
        ``"no_validity_flags"`` and ``"no_needs_review"`` (the results file lacks the column, so
        those flag rates are left out).
    sources : dict of str to str
        Where the figures come from, when read from files: ``results`` and ``demographics`` (file
        names) and their ``results_sha256`` and ``demographics_sha256``.
    flags : tuple of str
        The adverse flags audited: ``"needs_review"``, then the validity flags in
        :data:`~profilefit.core.validity.FLAG_IDS` order; each only when the results record it.
    flag_rates : dict of str to float
        Share of all audited candidates flagged, per flag of ``flags``.
    merged_categories : tuple of MergedSpellings
        Categories the demographics file writes in more than one way (``Vrouw`` and ``vrouw``), counted
        as one (:attr:`~profilefit.data.demographics.DemographicsTable.merged`); ``profilefit audit``
        names them on standard error.
    unaudited_columns : tuple of str
        Columns of the demographics file, as written, that are neither the id nor audited
        (:attr:`~profilefit.data.demographics.DemographicsTable.unaudited`); ``profilefit audit`` names them
        in a note (:func:`~profilefit.data.demographics.unaudited_note`).
    """

    select_band: str
    applicants: int
    selected: int
    median_fit_score: float | None
    above_median: int
    results_without_demographics: int
    demographics_without_results: int
    excludable_share: float
    profiles: tuple[str, ...]
    profile_rates: Mapping[str, float]
    dimensions: tuple[DimensionImpact, ...]
    tool: AuditedTool = field(default_factory=AuditedTool)
    without_band: int = 0
    without_score: int = 0
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    flag_rates: Mapping[str, float] = field(default_factory=dict)
    merged_categories: tuple[MergedSpellings, ...] = ()
    unaudited_columns: tuple[str, ...] = ()

    @property
    def matched(self) -> int:
        """Audited candidates with a demographics row."""
        return self.applicants - self.results_without_demographics

    @property
    def matched_share(self) -> float:
        """Share of the audited candidates with a demographics row."""
        return self.matched / self.applicants


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


def _profile_rates(assigned: NDArray[np.str_], profiles: tuple[str, ...]) -> dict[str, float]:
    if assigned.size == 0:
        return dict.fromkeys(profiles, 0.0)
    return {profile: float(Fraction(int(np.sum(assigned == profile)), int(assigned.size))) for profile in profiles}


def _adjust_for_many_tests(dimensions: Sequence[DimensionImpact]) -> tuple[DimensionImpact, ...]:
    """Give every comparison its Benjamini–Hochberg q.

    Every Fisher test of the audit (selection, scoring, classifications, flags, all dimensions) is one
    family. A flag comparison is then decided notable or not (:meth:`FlagComparison.decided`).
    """
    found = [p for dimension in dimensions for p in dimension.fisher_ps() if p is not None]
    adjusted = iter(benjamini_hochberg(found).tolist())

    def with_q(comparison: RateComparison) -> RateComparison:
        # The same order as the list above, so each p meets its own q.
        return comparison if comparison.fisher_p is None else replace(comparison, fisher_q=next(adjusted))

    result = []
    for dimension in dimensions:
        categories = [replace(c, selection=with_q(c.selection)) for c in dimension.categories]
        categories = [replace(c, scoring=with_q(c.scoring)) for c in categories]
        classifications = tuple(
            replace(impact, comparisons=tuple(with_q(x) for x in impact.comparisons))
            for impact in dimension.classifications
        )
        flags = tuple(
            replace(
                impact,
                comparisons=tuple(
                    x.decided(
                        None if x.fisher_p is None else next(adjusted),
                        comparable=not category.excludable and impact.reference(dimension.categories) is not None,
                    )
                    for category, x in zip(dimension.categories, impact.comparisons, strict=True)
                ),
            )
            for impact in dimension.flags
        )
        result.append(replace(dimension, categories=tuple(categories), classifications=classifications, flags=flags))
    return tuple(result)


def _warnings(
    candidates: Sequence[ScoredCandidate], tool: AuditedTool, matched: int, without_band: int, dimensions: int
) -> tuple[str, ...]:
    codes = []
    if matched < MIN_MATCHED_SHARE * len(candidates):
        codes.append("low_match")
    if without_band:
        codes.append("no_band")
    if len({c.model_id for c in candidates if c.model_id is not None}) > 1:
        codes.append("mixed_models")
    if {c.profile for c in candidates} - {*tool.classifications, UNDETERMINED}:
        codes.append("unlisted_classifications")
    if not dimensions:
        codes.append("no_dimensions")
    if any(c.validity_flags is None for c in candidates):
        codes.append("no_validity_flags")
    if any(c.needs_review is None for c in candidates):
        codes.append("no_needs_review")
    return tuple(codes)


def _flagged(candidates: Sequence[ScoredCandidate]) -> dict[str, NDArray[np.bool_]]:
    """Who is flagged, per adverse flag the candidates record: needing review first, then each validity flag."""
    flagged: dict[str, NDArray[np.bool_]] = {}
    if all(c.needs_review is not None for c in candidates):
        flagged[NEEDS_REVIEW] = np.array([bool(c.needs_review) for c in candidates], dtype=np.bool_)
    if all(c.validity_flags is not None for c in candidates):
        for flag in FLAG_IDS:
            flagged[flag] = np.array([flag in (c.validity_flags or ()) for c in candidates], dtype=np.bool_)
    return flagged


def _no_match_message(candidates: Sequence[ScoredCandidate], demographics: DemographicsTable) -> str:
    def first(ids: Sequence[str]) -> str:
        return ", ".join(repr(candidate_id[:40]) for candidate_id in ids[:3]) or "none"

    return (
        f"none of the {len(candidates)} results has a row in the demographics file "
        f"({len(demographics.people)} rows), so there is nothing to audit: candidate ids must match exactly. "
        f"First result ids: {first([c.candidate_id for c in candidates])}; "
        f"first demographics ids: {first(list(demographics.people))}"
    )


def adverse_impact(
    candidates: Sequence[ScoredCandidate],
    demographics: DemographicsTable,
    *,
    select_band: str = DEFAULT_SELECT_BAND,
    excludable_share: float = EXCLUDABLE_SHARE,
    tool: AuditedTool | None = None,
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
    tool : AuditedTool, optional
        The model and role the results come from: its classifications are audited, its texts
        shown. By default, the classifications are the profiles the candidates were assigned.

    Returns
    -------
    AuditReport

    Raises
    ------
    AuditMatchError
        If no candidate has a demographics row.

    Examples
    --------
    >>> from profilefit.evidence.audit import Demographics, DemographicsTable, ScoredCandidate
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
    matched = sum(c.candidate_id in demographics.people for c in candidates)
    if matched == 0:
        raise AuditMatchError(_no_match_message(candidates, demographics))
    if tool is None:
        tool = AuditedTool(classifications=order_classifications((), [c.profile for c in candidates]))
    threshold = FIT_BANDS.index(select_band)
    selected = np.array([c.fit_band is not None and FIT_BANDS.index(c.fit_band) >= threshold for c in candidates])
    scored = [c.fit_score for c in candidates if c.fit_score is not None]
    median = float(np.median(scored)) if scored else None
    # Strictly above, as the rules define the scoring rate; no score is never above.
    above = np.array([median is not None and c.fit_score is not None and c.fit_score > median for c in candidates])
    assigned = np.array([c.profile for c in candidates], dtype=np.str_)
    profiles = (*order_classifications(tool.classifications, [c.profile for c in candidates]), UNDETERMINED)
    total = len(candidates)
    assigned_as = {profile: assigned == profile for profile in profiles}
    flagged_by = _flagged(candidates)
    scales = list(dict.fromkeys(scale for c in candidates for scale in c.scales))
    scores = np.array([[c.scales.get(scale, np.nan) for scale in scales] for c in candidates], dtype=np.float64)
    scores = scores.reshape(total, len(scales))

    ids = {c.candidate_id for c in candidates}
    unknown_person = Demographics()
    people = [demographics.people.get(c.candidate_id, unknown_person) for c in candidates]

    dimensions = []
    for dimension, title, needs, category_of in _DIMENSIONS:
        if not needs <= demographics.dimensions:
            continue
        labels = [category_of(person) for person in people]
        # Ordered by the demographics reader's key, so how a category happens to be spelled never moves it.
        names = sorted({label for label in labels if label is not None}, key=lambda name: (category_key(name), name))
        index = {name: k for k, name in enumerate(names)}
        codes = np.array([-1 if label is None else index[label] for label in labels], dtype=np.int64)
        members = [codes == k for k in range(len(names))]
        sizes = np.array([int(member.sum()) for member in members], dtype=np.int64)
        excludable = sizes / total < excludable_share
        selection = compare_rates(
            np.array([int(selected[m].sum()) for m in members], dtype=np.int64), sizes, excludable
        )
        scoring = compare_rates(np.array([int(above[m].sum()) for m in members], dtype=np.int64), sizes, excludable)
        classifications = tuple(
            ClassificationImpact(
                profile,
                tuple(
                    compare_rates(
                        np.array([int((is_profile[m]).sum()) for m in members], dtype=np.int64),
                        sizes,
                        excludable,
                    )
                ),
            )
            for profile, is_profile in assigned_as.items()
        )
        flags = tuple(
            FlagImpact(
                flag,
                tuple(
                    compare_flag_rates(
                        np.array([int(is_flagged[m].sum()) for m in members], dtype=np.int64), sizes, excludable
                    )
                ),
            )
            for flag, is_flagged in flagged_by.items()
        )
        categories = tuple(
            CategoryImpact(
                category=name,
                applicants=int(sizes[k]),
                share=float(Fraction(int(sizes[k]), total)),
                excludable=bool(excludable[k]),
                selection=selection[k],
                scoring=scoring[k],
                profile_rates={c.classification: c.comparisons[k].rate for c in classifications},
            )
            for k, name in enumerate(names)
        )
        dimensions.append(
            DimensionImpact(
                dimension,
                title,
                categories,
                unknown=sum(label is None for label in labels),
                classifications=classifications,
                scales=scale_differences(scores, scales, members, sizes, excludable),
                flags=flags,
            )
        )

    without_band = sum(c.fit_band is None for c in candidates)
    return AuditReport(
        select_band=select_band,
        applicants=total,
        selected=int(selected.sum()),
        median_fit_score=median,
        above_median=int(above.sum()),
        results_without_demographics=total - matched,
        demographics_without_results=sum(candidate_id not in ids for candidate_id in demographics.people),
        excludable_share=excludable_share,
        profiles=profiles,
        profile_rates=_profile_rates(assigned, profiles),
        dimensions=_adjust_for_many_tests(dimensions),
        tool=tool,
        without_band=without_band,
        without_score=total - len(scored),
        warnings=_warnings(candidates, tool, matched, without_band, len(dimensions)),
        flags=tuple(flagged_by),
        flag_rates={flag: float(Fraction(int(is_flagged.sum()), total)) for flag, is_flagged in flagged_by.items()},
        merged_categories=demographics.merged,
        unaudited_columns=demographics.unaudited,
    )


def audit_files(
    results: str | Path,
    demographics: str | Path,
    *,
    select_band: str = DEFAULT_SELECT_BAND,
    excludable_share: float = EXCLUDABLE_SHARE,
    model: str | Path | None = None,
    role: RoleProfile | str | Path | None = None,
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
    model : str or Path, optional
        The model file (``.model.json``, with its manifest) that scored the results. By default the
        reference model when the results name it, else what the results file shows.
    role : RoleProfile, str or Path, optional
        The role the fit was computed for (a built-in id or a role file), to name it and its bands.

    Returns
    -------
    AuditReport

    Raises
    ------
    AuditInputError
        If either file cannot be used; the message names the file, row and field.
    AuditMatchError
        If no result has a demographics row.
    """
    results_file = read_results_file(results)
    tool = describe_tool(results_file, model=model, role=role)
    report = adverse_impact(
        results_file.candidates,
        read_demographics(demographics),
        select_band=select_band,
        excludable_share=excludable_share,
        tool=tool,
    )
    sources = {
        "results": Path(results).name,
        "results_sha256": file_sha256(results),
        "demographics": Path(demographics).name,
        "demographics_sha256": file_sha256(demographics),
    }
    warnings = report.warnings
    if sources["demographics_sha256"] == file_sha256(sample_demographics_path()):
        warnings = (*warnings, "synthetic_demographics")
    return replace(report, sources=sources, warnings=warnings)
