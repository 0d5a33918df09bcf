"""A local validation study: how well the fit score predicted what happened after hiring.

:func:`validation_study` joins applicants (a results file) with outcomes (what the centre measured
later) and reports, in the order a test publisher's technical report gives them: the sample, the
observed validity, the corrected validity (always next to the observed one), outcome means per
profile and per scale, expectancy tables, and differential prediction by group.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from profilefit.evidence.audit import DemographicsTable

from profilefit.core.fit import BANDS, RoleProfile
from profilefit.evidence.validation._cleary import DifferentialPrediction, differential_prediction
from profilefit.evidence.validation._inputs import (
    INCOMPLETE,
    Applicants,
    Outcomes,
    plain_name,
    read_applicants,
    read_outcomes,
)
from profilefit.evidence.validation._stats import (
    Estimate,
    case_ii,
    correct_for_criterion,
    correlation,
    difference_interval,
    fisher_interval,
    mean_interval,
    wilson_interval,
)

#: Below this many people with both a fit score and an outcome, a study is too small to conclude.
MIN_STUDY_N = 100
#: Profiles (and groups) with fewer hired people than this are shown but not compared.
MIN_GROUP_N = 10
#: Rows of the expectancy table by band, strongest first; an incomplete fit has no band and is not selected.
BAND_ROWS = (*BANDS, INCOMPLETE)
QUINTILES = 5

SIMULATION_NOTE = (
    "The reference model is trained on a documented simulation (docs/simulation.md); this study is what "
    "checks it against your own outcomes."
)


@dataclass(frozen=True)
class StudyCounts:
    """Where every row went.

    Attributes
    ----------
    applicants : int
        Candidates in the results file.
    incomplete_fits : int
        Applicants whose fit has no band (a weighted scale is missing): not selected.
    outcome_rows : int
        Rows of the outcomes file.
    matched : int
        Outcome rows whose candidate is in the results file.
    unmatched_outcomes : int
        Outcome rows with no result; left out.
    unmatched_examples : tuple of str
        Up to five of their ids.
    blank_outcomes : int
        Matched rows whose outcome cell is blank; left out.
    outcome_without_fit : int
        Matched rows with an outcome but no fit score (incomplete fit); left out of correlations.
    study_n : int
        People with both a fit score and an outcome: the study sample.
    without_outcome : int
        Applicants with no outcome row (not hired, or not yet measured).
    """

    applicants: int
    incomplete_fits: int
    outcome_rows: int
    matched: int
    unmatched_outcomes: int
    unmatched_examples: tuple[str, ...]
    blank_outcomes: int
    outcome_without_fit: int
    study_n: int
    without_outcome: int


@dataclass(frozen=True)
class Validity:
    """Observed and corrected validity of the fit score.

    Attributes
    ----------
    pearson, spearman : Estimate
        Observed in the study sample, with BCa bootstrap 95 % intervals.
    pearson_p, spearman_p : float
    sd_applicants, sd_hired : float
        SD of the fit among all applicants with a score, and in the study sample.
    u : float
        ``sd_applicants / sd_hired``.
    range_corrected : Estimate
        Pearson corrected for direct range restriction (Case II); bounds corrected the same way.
    criterion_reliability : float or None
    fully_corrected : Estimate or None
        Corrected for criterion unreliability, then for range restriction; ``None`` without a reliability.
    """

    pearson: Estimate
    pearson_p: float
    spearman: Estimate
    spearman_p: float
    sd_applicants: float
    sd_hired: float
    u: float
    range_corrected: Estimate
    criterion_reliability: float | None
    fully_corrected: Estimate | None


@dataclass(frozen=True)
class GroupOutcome:
    """Outcome of one group of hired people (a profile, a band, a quintile, a third of a scale).

    Attributes
    ----------
    label : str
    n : int
    mean : Estimate
        Mean outcome (for yes/no: the share of yes, Wilson interval).
    success : Estimate
        Share successful: yes, or above the study's median outcome for a numeric outcome.
    fit_low, fit_high : float or None
        Range of fit scores in the group (expectancy rows).
    """

    label: str
    n: int
    mean: Estimate
    success: Estimate
    fit_low: float | None = None
    fit_high: float | None = None


@dataclass(frozen=True)
class ScaleOutcome:
    """How one scale relates to the outcome: its correlation and the outcome by thirds of the scale."""

    scale: str
    n: int
    r: Estimate
    thirds: tuple[GroupOutcome, ...]


@dataclass(frozen=True)
class ControllerCheck:
    """The HBR study's claim, tested locally: Controllers resolve complex cases best.

    Attributes
    ----------
    controllers : int
        Hired Controllers with an outcome.
    highest_profile : str or None
        The profile with the highest mean outcome among those with at least ``MIN_GROUP_N`` people.
    difference : Estimate
        Controllers' mean minus everyone else's, Welch 95 % interval.
    finding : str
        The result in one sentence.
    """

    controllers: int
    highest_profile: str | None
    difference: Estimate
    finding: str


@dataclass(frozen=True)
class ValidationStudy:
    """The full study; see :func:`validation_study`.

    ``sample_fit`` and ``sample_outcome`` hold the study sample itself (for charts); the rest are figures.
    """

    outcome: str
    kind: str
    success_rule: str
    median_outcome: float
    counts: StudyCounts
    validity: Validity
    by_band: tuple[GroupOutcome, ...]
    by_quintile: tuple[GroupOutcome, ...]
    profiles: tuple[GroupOutcome, ...]
    controller_check: ControllerCheck
    scales: tuple[ScaleOutcome, ...]
    differential: tuple[DifferentialPrediction, ...]
    too_small: bool
    notes: tuple[str, ...]
    sample_fit: tuple[float, ...] = ()
    sample_outcome: tuple[float, ...] = ()


def _group(
    label: str,
    outcome: NDArray[np.float64],
    success: NDArray[np.bool_],
    kind: str,
    fit: NDArray[np.float64] | None = None,
) -> GroupOutcome:
    n = int(outcome.size)
    mean = wilson_interval(int(outcome.sum()), n) if kind == "binary" else mean_interval(outcome)
    low = high = None
    if fit is not None and fit.size and not np.isnan(fit).all():
        low, high = float(np.nanmin(fit)), float(np.nanmax(fit))
    return GroupOutcome(label, n, mean, wilson_interval(int(success.sum()), n), low, high)


def _corrected(observed: Estimate, u: float, reliability: float | None) -> Estimate:
    """The observed correlation and its bounds, corrected for the criterion (when given), then for range (Case II).

    Both corrections increase with r, so correcting the bounds gives the interval of the corrected value.
    """

    def correct(r: float | None) -> float | None:
        if r is None or math.isnan(r) or math.isnan(u):
            return None
        if reliability is not None:
            r = correct_for_criterion(r, reliability)
        return case_ii(r, u)

    value = correct(observed.value)
    return Estimate(math.nan if value is None else value, correct(observed.low), correct(observed.high))


def _validity(
    fit: NDArray[np.float64],
    outcome: NDArray[np.float64],
    applicants_fit: NDArray[np.float64],
    reliability: float | None,
) -> Validity:
    pearson, pearson_p = correlation(fit, outcome, method="pearson")
    spearman, spearman_p = correlation(fit, outcome, method="spearman")
    sd_all = float(np.std(applicants_fit, ddof=1))
    sd_hired = float(np.std(fit, ddof=1)) if fit.size > 1 else math.nan
    u = sd_all / sd_hired if sd_hired > 0 else math.nan

    return Validity(
        pearson=pearson,
        pearson_p=pearson_p,
        spearman=spearman,
        spearman_p=spearman_p,
        sd_applicants=sd_all,
        sd_hired=sd_hired,
        u=u,
        range_corrected=_corrected(pearson, u, None),
        criterion_reliability=reliability,
        fully_corrected=None if reliability is None else _corrected(pearson, u, reliability),
    )


def _quintiles(
    fit: NDArray[np.float64], outcome: NDArray[np.float64], success: NDArray[np.bool_], kind: str
) -> tuple[GroupOutcome, ...]:
    order = np.argsort(fit, kind="stable")
    groups = np.array_split(order, QUINTILES)
    names = ("lowest fifth", "second fifth", "middle fifth", "fourth fifth", "highest fifth")
    return tuple(
        _group(names[k], outcome[members], success[members], kind, fit[members])
        for k, members in enumerate(groups)
        if members.size
    )


def _profiles(
    profile: NDArray[np.str_], outcome: NDArray[np.float64], success: NDArray[np.bool_], kind: str
) -> tuple[tuple[GroupOutcome, ...], ControllerCheck]:
    from profilefit.core.profiles import PROFILE_IDS

    known = [p for p in (*PROFILE_IDS, "undetermined") if (profile == p).any()]
    others = sorted(set(profile.tolist()) - set(known))
    rows = tuple(_group(p, outcome[profile == p], success[profile == p], kind) for p in (*known, *others))
    comparable = [row for row in rows if row.n >= MIN_GROUP_N and row.label != "undetermined"]
    highest = max(comparable, key=lambda row: row.mean.value).label if comparable else None
    is_controller = profile == "controller"
    difference = difference_interval(outcome[is_controller], outcome[~is_controller])
    count = int(is_controller.sum())
    if count < MIN_GROUP_N:
        finding = f"Too few hired Controllers ({count}, fewer than {MIN_GROUP_N}) to test whether they do best here."
    else:
        where = "the highest" if highest == "controller" else f"not the highest (highest: {plain_name(str(highest))})"
        if difference.low is not None and difference.low > 0:
            verdict = "clearly higher (the interval excludes zero)"
        elif difference.high is not None and difference.high < 0:
            verdict = "clearly lower (the interval excludes zero)"
        else:
            verdict = "not clearly different (the interval includes zero)"
        finding = (
            f"Controllers' mean outcome is {where} of the profiles with {MIN_GROUP_N}+ hired; "
            f"against everyone else pooled, it is {verdict}."
        )
    return rows, ControllerCheck(count, highest, difference, finding)


def _scales(
    applicants: Applicants, index: NDArray[np.intp], outcome: NDArray[np.float64], success: NDArray[np.bool_], kind: str
) -> tuple[ScaleOutcome, ...]:
    rows = []
    for scale, scores in applicants.scales.items():
        everyone = scores[~np.isnan(scores)]
        hired = scores[index]
        known = ~np.isnan(hired)
        if everyone.size < 3 or known.sum() < 4:
            continue
        low_cut, high_cut = np.quantile(everyone, [1 / 3, 2 / 3])
        r = float(np.corrcoef(hired[known], outcome[known])[0, 1]) if np.ptp(hired[known]) > 0 else math.nan
        thirds = []
        for label, member in (
            ("low third", known & (hired <= low_cut)),
            ("middle third", known & (hired > low_cut) & (hired <= high_cut)),
            ("high third", known & (hired > high_cut)),
        ):
            thirds.append(_group(label, outcome[member], success[member], kind))
        rows.append(ScaleOutcome(scale, int(known.sum()), fisher_interval(r, int(known.sum())), tuple(thirds)))
    return tuple(rows)


def validation_study(
    applicants: Applicants,
    outcomes: Outcomes,
    *,
    criterion_reliability: float | None = None,
    demographics: DemographicsTable | None = None,
) -> ValidationStudy:
    """Run a local validation study of the fit score against one outcome.

    Parameters
    ----------
    applicants : Applicants
        Every candidate scored (see :func:`read_applicants`); those with an outcome are the hired.
    outcomes : Outcomes
        One outcome per hired candidate (see :func:`read_outcomes`).
    criterion_reliability : float, optional
        Reliability of the outcome measure, in (0, 1]; when given, validity is also corrected for it.
    demographics : profilefit.evidence.audit.DemographicsTable, optional
        When given, differential prediction (Cleary) by each dimension it reports.

    Returns
    -------
    ValidationStudy

    Raises
    ------
    ValueError
        If fewer than three people have both a fit score and an outcome, or the reliability is out of range.
    """
    if criterion_reliability is not None and not 0.0 < criterion_reliability <= 1.0:
        raise ValueError(f"criterion reliability must be in (0, 1], got {criterion_reliability}")
    # An incomplete fit (no band) is not selected, and its score, if any, is not comparable: leave it out.
    usable = np.where(applicants.band == INCOMPLETE, np.nan, applicants.fit)
    position = {candidate_id: k for k, candidate_id in enumerate(applicants.ids)}
    matched = [key for key in outcomes.values if key in position]
    unmatched = [key for key in outcomes.values if key not in position]
    filled = [key for key in matched if outcomes.values[key] is not None]
    with_fit = [key for key in filled if not math.isnan(usable[position[key]])]
    counts = StudyCounts(
        applicants=len(applicants),
        incomplete_fits=int((applicants.band == INCOMPLETE).sum()),
        outcome_rows=len(outcomes.values),
        matched=len(matched),
        unmatched_outcomes=len(unmatched),
        unmatched_examples=tuple(unmatched[:5]),
        blank_outcomes=len(matched) - len(filled),
        outcome_without_fit=len(filled) - len(with_fit),
        study_n=len(with_fit),
        without_outcome=len(applicants) - len(matched),
    )
    if counts.study_n < 3:
        raise ValueError(
            f"only {counts.study_n} people have both a fit score and a {outcomes.name!r} outcome; a study needs "
            f"many more (at least {MIN_STUDY_N} to conclude). Check that candidate ids match: "
            f"{counts.unmatched_outcomes} outcome rows had no result"
        )
    index = np.array([position[key] for key in with_fit], dtype=np.intp)
    fit = usable[index]
    outcome = np.array([outcomes.values[key] for key in with_fit], dtype=np.float64)
    median = float(np.median(outcome))
    success = outcome > 0.5 if outcomes.kind == "binary" else outcome > median
    rule = "yes" if outcomes.kind == "binary" else f"above the study's median, {median:g}"

    # Every filled outcome, incomplete fits included, for the band table: an incomplete fit is its own row.
    all_index = np.array([position[key] for key in filled], dtype=np.intp)
    all_outcome = np.array([outcomes.values[key] for key in filled], dtype=np.float64)
    all_success = all_outcome > 0.5 if outcomes.kind == "binary" else all_outcome > median
    bands = applicants.band[all_index]
    by_band = tuple(
        _group(
            band,
            all_outcome[bands == band],
            all_success[bands == band],
            outcomes.kind,
            applicants.fit[all_index][bands == band],
        )
        for band in BAND_ROWS
        if band != INCOMPLETE or (bands == INCOMPLETE).any()
    )
    profiles, check = _profiles(applicants.profile[index], outcome, success, outcomes.kind)
    validity = _validity(fit, outcome, usable[~np.isnan(usable)], criterion_reliability)
    differential: tuple[DifferentialPrediction, ...] = ()
    if demographics is not None:
        differential = differential_prediction(
            [applicants.ids[k] for k in index], fit, outcome, demographics, binary=outcomes.kind == "binary"
        )
    notes = [SIMULATION_NOTE]
    too_small = counts.study_n < MIN_STUDY_N
    if too_small:
        notes.insert(
            0,
            f"Too small to conclude: {counts.study_n} people have both a fit score and an outcome, fewer than "
            f"{MIN_STUDY_N}. The figures are printed, but their intervals are wide; collect more outcomes.",
        )
    if counts.without_outcome == 0:
        notes.append(
            "Every applicant in RESULTS has an outcome row, so RESULTS seems to hold only the hired: the "
            "range-restriction correction then cannot see the applicant pool. Give the results of every applicant."
        )
    if not math.isnan(validity.u) and validity.u < 1:
        notes.append(
            f"The fit varies more among the hired than among all applicants (U = {validity.u:.2f} < 1); "
            "the range-restriction correction then lowers the validity. Check that RESULTS holds every applicant."
        )
    notes.append(
        "Observed figures are what happened among the hired. Corrected figures estimate the validity among all "
        "applicants; they rest on the assumptions of the correction (selection on the fit score), so both are shown."
    )
    return ValidationStudy(
        outcome=outcomes.name,
        kind=outcomes.kind,
        success_rule=rule,
        median_outcome=median,
        counts=counts,
        validity=validity,
        by_band=by_band,
        by_quintile=_quintiles(fit, outcome, success, outcomes.kind),
        profiles=profiles,
        controller_check=check,
        scales=_scales(applicants, index, outcome, success, outcomes.kind),
        differential=differential,
        too_small=too_small,
        notes=tuple(notes),
        sample_fit=tuple(fit.tolist()),
        sample_outcome=tuple(outcome.tolist()),
    )


def validate_files(
    results: str | Path,
    outcomes: str | Path,
    outcome: str,
    *,
    demographics: str | Path | None = None,
    criterion_reliability: float | None = None,
    role: RoleProfile | str | Path | None = None,
) -> ValidationStudy:
    """Read a results file, an outcomes file and optionally a demographics CSV, and run the study.

    See :func:`validation_study`. Raises :class:`ValidationInputError` (a ``ValueError``) for a file
    it cannot use; the message names the file, row, field and value. ``role``, when given, must be
    the role the results record, and a file that records more than one role is refused
    (:class:`profilefit.exceptions.ResultsRoleError`, a ``ValueError``).
    """
    from profilefit.evidence.audit import read_demographics

    table = None if demographics is None else read_demographics(demographics)
    study = validation_study(
        read_applicants(results, role=role),
        read_outcomes(outcomes, outcome),
        criterion_reliability=criterion_reliability,
        demographics=table,
    )
    if _is_bundled_sample(outcomes):
        study = dataclasses.replace(study, notes=(SAMPLE_OUTCOMES_NOTE, *study.notes))
    return study


#: The first note of a study of the bundled outcomes, as the audit warns of its bundled demographics.
SAMPLE_OUTCOMES_NOTE = (
    "The outcomes are profilefit's bundled synthetic file: invented ratings of simulated hires, not real people. "
    "Every figure here, the Controllers' lead included, shows how the study reads, not how well the fit "
    "predicts anything."
)


def _is_bundled_sample(outcomes: str | Path) -> bool:
    """Whether ``outcomes`` is the bundled synthetic outcomes file (the same bytes)."""
    from profilefit.evidence.validation._sample import sample_outcomes_path

    path = Path(outcomes)
    try:
        return path.read_bytes() == sample_outcomes_path().read_bytes()
    except OSError:
        return False
