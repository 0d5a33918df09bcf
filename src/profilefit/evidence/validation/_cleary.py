"""Differential prediction by group (Cleary 1968): whether one regression line serves every group.

For each demographic dimension, ordinary least squares of the outcome on the fit score, the group
and their product::

    outcome = b0 + b1 f + sum_g (a_g D_g + c_g D_g f) + e,   f = (fit - mean fit) / 10

with the largest group as reference. ``a_g`` is group ``g``'s intercept difference at the mean fit,
``c_g`` its slope difference per 10 fit points. Slopes are tested first (F test of all ``c_g``); when
they do not differ, intercepts are tested in the model without products (the step-down order of
Lautenschlager & Mendoza 1986). For a yes/no outcome this is a linear probability model with
heteroscedasticity-consistent (HC3) standard errors.

Demographics enter only this analysis, never the fit. Needs statsmodels (the ``evidence`` extra:
``pip install -e ".[evidence]"`` in the checkout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from profilefit._extras import missing_extra
from profilefit.evidence.validation._inputs import plain_name
from profilefit.evidence.validation._stats import Estimate

if TYPE_CHECKING:
    from profilefit.evidence.audit import Demographics, DemographicsTable

#: Groups with fewer people in the study than this are counted but left out of the regression.
MIN_CLEARY_GROUP = 20
#: Significance level of the slope and intercept tests.
ALPHA = 0.05
#: The fit enters the regression per this many points, so slopes read as "per 10 fit points".
FIT_UNIT = 10.0

_DIMENSIONS = (
    ("sex", "Sex"),
    ("race_ethnicity", "Race/ethnicity"),
    ("age_band", "Age band"),
)


@dataclass(frozen=True)
class GroupPrediction:
    """One group against the reference group.

    Attributes
    ----------
    group : str
    n : int
    intercept_difference : Estimate
        Predicted outcome at the mean fit, this group minus the reference.
    intercept_p : float
    slope_difference : Estimate
        Slope per 10 fit points, this group minus the reference.
    slope_p : float
    """

    group: str
    n: int
    intercept_difference: Estimate
    intercept_p: float
    slope_difference: Estimate
    slope_p: float


@dataclass(frozen=True)
class DifferentialPrediction:
    """The Cleary analysis of one dimension.

    Attributes
    ----------
    dimension, title : str
    reference : str or None
        The largest group; ``None`` when fewer than two groups are large enough.
    reference_n : int
    reference_slope : Estimate or None
        The reference group's slope per 10 fit points.
    groups : tuple of GroupPrediction
    left_out : dict of str to int
        Groups below ``MIN_CLEARY_GROUP`` people, with their sizes.
    unknown : int
        Study members whose category is unknown.
    slopes_p, intercepts_p : float or None
        F tests of all slope differences (full model) and all intercept differences (model without products).
    differs : bool
        Whether prediction differs (slopes, or intercepts when slopes do not), at ``ALPHA``.
    finding : str
        The result in plain words.
    """

    dimension: str
    title: str
    reference: str | None
    reference_n: int
    reference_slope: Estimate | None
    groups: tuple[GroupPrediction, ...]
    left_out: dict[str, int]
    unknown: int
    slopes_p: float | None
    intercepts_p: float | None
    differs: bool
    finding: str


def _require_statsmodels() -> Any:
    try:
        import statsmodels.api as sm
    except ImportError as problem:
        raise missing_extra("statsmodels", purpose="differential prediction") from problem
    return sm


def _estimate(result: Any, column: int) -> tuple[Estimate, float]:
    low, high = np.asarray(result.conf_int(alpha=ALPHA))[column]
    return Estimate(float(result.params[column]), float(low), float(high)), float(result.pvalues[column])


def _f_p(result: Any, columns: list[int]) -> float:
    restriction = np.zeros((len(columns), len(result.params)))
    for row, column in enumerate(columns):
        restriction[row, column] = 1.0
    return float(np.squeeze(result.f_test(restriction).pvalue))


def cleary_regression(
    fit: NDArray[np.float64], outcome: NDArray[np.float64], groups: Sequence[str], *, binary: bool = False
) -> tuple[str, Estimate, list[GroupPrediction], float, float]:
    """Fit the Cleary model for people in known groups.

    Parameters
    ----------
    fit, outcome : ndarray of float, shape (n,)
    groups : sequence of str, length n
        Each person's group; the largest (ties: first by name) is the reference.
    binary : bool, default=False
        Use HC3 standard errors (a linear probability model).

    Returns
    -------
    reference : str
    reference_slope : Estimate
    comparisons : list of GroupPrediction
    slopes_p : float
        F test that every slope difference is zero (model with products).
    intercepts_p : float
        F test that every intercept difference is zero (model without products).
    """
    sm = _require_statsmodels()
    labels = np.asarray(list(groups), dtype=np.str_)
    names = sorted(set(labels.tolist()), key=lambda name: (-int((labels == name).sum()), name))
    if len(names) < 2:
        raise ValueError("differential prediction needs at least two groups")
    reference, others = names[0], names[1:]
    f = (np.asarray(fit, dtype=np.float64) - float(np.mean(fit))) / FIT_UNIT
    dummies = np.column_stack([(labels == name).astype(np.float64) for name in others])
    design = np.column_stack([np.ones_like(f), f, dummies, dummies * f[:, None]])
    cov_type = "HC3" if binary else "nonrobust"
    full = sm.OLS(np.asarray(outcome, dtype=np.float64), design).fit(cov_type=cov_type)
    additive = sm.OLS(np.asarray(outcome, dtype=np.float64), design[:, : 2 + len(others)]).fit(cov_type=cov_type)
    k = len(others)
    comparisons = []
    for j, name in enumerate(others):
        intercept, intercept_p = _estimate(full, 2 + j)
        slope, slope_p = _estimate(full, 2 + k + j)
        comparisons.append(GroupPrediction(name, int((labels == name).sum()), intercept, intercept_p, slope, slope_p))
    reference_slope, _ = _estimate(full, 1)
    slopes_p = _f_p(full, [2 + k + j for j in range(k)])
    intercepts_p = _f_p(additive, [2 + j for j in range(k)])
    return reference, reference_slope, comparisons, slopes_p, intercepts_p


def _finding(
    title: str, outcome_is_binary: bool, comparisons: list[GroupPrediction], slopes_p: float, intercepts_p: float
) -> tuple[bool, str]:
    unit = "share of yes" if outcome_is_binary else "outcome"
    if slopes_p < ALPHA:
        return True, (
            f"Prediction differs by {title.lower()}: the fit score's slope is not the same for every group "
            f"(slopes p = {slopes_p:.3f}). One regression line does not serve all groups; a common cut-off "
            "means something different for each. Look into it before relying on the fit."
        )
    if intercepts_p < ALPHA:
        over = [plain_name(c.group) for c in comparisons if c.intercept_difference.value < 0]
        under = [plain_name(c.group) for c in comparisons if c.intercept_difference.value > 0]
        parts = []
        if over:
            parts.append(f"over-predicts the {unit} of {', '.join(over)}")
        if under:
            parts.append(f"under-predicts the {unit} of {', '.join(under)}")
        return True, (
            f"Prediction differs by {title.lower()} in level: the slopes agree (p = {slopes_p:.3f}) but the lines "
            f"lie at different heights (intercepts p = {intercepts_p:.3f}); one common line "
            f"{' and '.join(parts)} against the reference group."
        )
    return False, (
        f"No evidence that prediction differs by {title.lower()} (slopes p = {slopes_p:.3f}, intercepts "
        f"p = {intercepts_p:.3f}). With these group sizes, differences as large as the intervals cannot be ruled out."
    )


def differential_prediction(
    ids: Sequence[str],
    fit: NDArray[np.float64],
    outcome: NDArray[np.float64],
    demographics: DemographicsTable,
    *,
    binary: bool = False,
) -> tuple[DifferentialPrediction, ...]:
    """The Cleary analysis for every dimension the demographics report (sex, race/ethnicity, age band).

    Parameters
    ----------
    ids : sequence of str
        Candidate ids of the study sample, in the order of ``fit`` and ``outcome``.
    fit, outcome : ndarray of float, shape (n,)
    demographics : profilefit.evidence.audit.DemographicsTable
    binary : bool, default=False

    Returns
    -------
    tuple of DifferentialPrediction
    """
    from profilefit.evidence.audit import Demographics

    unknown_person = Demographics()
    people: list[Demographics] = [demographics.people.get(candidate_id, unknown_person) for candidate_id in ids]
    analyses = []
    for dimension, title in _DIMENSIONS:
        if dimension not in demographics.dimensions:
            continue
        labels = [getattr(person, dimension) for person in people]
        sizes: dict[str, int] = {}
        for label in labels:
            if label is not None:
                sizes[label] = sizes.get(label, 0) + 1
        kept = {name for name, size in sizes.items() if size >= MIN_CLEARY_GROUP}
        left_out = {name: size for name, size in sorted(sizes.items()) if name not in kept}
        unknown = sum(label is None for label in labels)
        if len(kept) < 2:
            analyses.append(
                DifferentialPrediction(
                    dimension,
                    title,
                    None,
                    0,
                    None,
                    (),
                    left_out,
                    unknown,
                    None,
                    None,
                    False,
                    f"Not tested by {title.lower()}: fewer than two groups have {MIN_CLEARY_GROUP} or more people "
                    "with an outcome.",
                )
            )
            continue
        member = np.array([label in kept for label in labels])
        chosen = [str(label) for label in np.asarray(labels, dtype=object)[member]]
        reference, slope, comparisons, slopes_p, intercepts_p = cleary_regression(
            fit[member], outcome[member], chosen, binary=binary
        )
        differs, finding = _finding(title, binary, comparisons, slopes_p, intercepts_p)
        analyses.append(
            DifferentialPrediction(
                dimension,
                title,
                reference,
                sizes[reference],
                slope,
                tuple(comparisons),
                left_out,
                unknown,
                slopes_p,
                intercepts_p,
                differs,
                finding,
            )
        )
    return tuple(analyses)
