"""A validation study's JSON document as a pydantic model: what ``profilefit validate --json`` writes, and its schema.

:func:`~profilefit.evidence.validation.study_to_dict` validates the document into :class:`StudyDocument`
before anything is written, so the file always matches the published schema
(``docs/schema/validation.schema.json``, ``profilefit schema --which validation``). Field order is the
order of the keys in the file; ``null`` stands where a figure cannot be computed. ObservedFigures and corrected
validity are separate objects, as the study prints them apart. The figures are explained in
docs/validation.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from profilefit._frozen import FrozenModel
from profilefit.evidence.stats import Count, Probability

#: Version of the study's JSON layout (``"1"`` until profilefit 0.2, with the same keys).
STUDY_SCHEMA_VERSION = "profilefit.validation/1"


class EstimateFigures(FrozenModel):
    """A figure with its 95 % interval."""

    value: float | None = Field(description="The figure.")
    low: float | None = Field(description="Lower end of the 95 % interval; null when no interval can be formed.")
    high: float | None = Field(description="Upper end of the 95 % interval; null when no interval can be formed.")


class CorrelationFigures(EstimateFigures):
    """An observed correlation with its bootstrap interval and p-value."""

    p: Probability | None = Field(description="Two-sided p-value of the correlation.")


class CountFigures(FrozenModel):
    """Where every row went."""

    applicants: Count = Field(description="Candidates in the results file.")
    incomplete_fits: Count = Field(description="Applicants whose fit has no band (a weighted scale is missing).")
    outcome_rows: Count = Field(description="Rows of the outcomes file.")
    matched: Count = Field(description="Outcome rows whose candidate is in the results file.")
    unmatched_outcomes: Count = Field(description="Outcome rows with no result; left out.")
    unmatched_examples: list[str] = Field(description="Up to five of their ids.")
    blank_outcomes: Count = Field(description="Matched rows whose outcome cell is blank; left out.")
    outcome_without_fit: Count = Field(
        description="Matched rows with an outcome but no fit score (incomplete fit); left out of correlations."
    )
    study_n: Count = Field(description="People with both a fit score and an outcome: the study sample.")
    without_outcome: Count = Field(description="Applicants with no outcome row (not hired, or not yet measured).")


class ObservedFigures(FrozenModel):
    """Validity observed in the study sample (among the hired)."""

    n: Count = Field(description="The study sample: people with both a fit score and an outcome.")
    pearson: CorrelationFigures = Field(description="Pearson's r of fit score and outcome.")
    spearman: CorrelationFigures = Field(description="Spearman's rank correlation of fit score and outcome.")
    interval: str = Field(description="How the intervals were formed (bootstrap method, resamples, level).")


class CorrectedFigures(FrozenModel):
    """Validity corrected for range restriction and criterion unreliability: estimates, never observations."""

    sd_applicants: float | None = Field(description="SD of the fit among all applicants with a score.")
    sd_hired: float | None = Field(description="SD of the fit in the study sample.")
    u: float | None = Field(description="sd_applicants / sd_hired.")
    range_restriction_case_ii: EstimateFigures = Field(
        description="Pearson corrected for direct range restriction (Case II); bounds corrected the same way."
    )
    criterion_reliability: float | None = Field(description="The outcome's reliability, when given.")
    range_restriction_and_criterion: EstimateFigures | None = Field(
        description="Corrected for criterion unreliability, then for range restriction; null without a reliability."
    )


class ValidityFigures(FrozenModel):
    """Observed and corrected validity of the fit score, apart."""

    observed: ObservedFigures = Field(description="What happened among the hired.")
    corrected: CorrectedFigures = Field(
        description="Estimates for all applicants, resting on the corrections' assumptions."
    )


class GroupFigures(FrozenModel):
    """Outcome of one group of hired people (a band, a quintile, a profile, a third of a scale)."""

    label: str = Field(description="The group.")
    n: Count = Field(description="Hired people in the group with an outcome.")
    mean: EstimateFigures | None = Field(description="Mean outcome (for yes/no: the share of yes, Wilson interval).")
    share_successful: EstimateFigures | None = Field(
        description="Share successful: yes, or above the study's median outcome for a numeric outcome."
    )
    fit_low: float | None = Field(description="Lowest fit score in the group (expectancy rows).")
    fit_high: float | None = Field(description="Highest fit score in the group (expectancy rows).")


class ControllerFigures(FrozenModel):
    """The HBR study's claim, tested locally: Controllers resolve complex cases best."""

    controllers: Count = Field(description="Hired Controllers with an outcome.")
    highest_profile: str | None = Field(
        description="The profile with the highest mean outcome among those with enough people."
    )
    difference_to_others: EstimateFigures | None = Field(
        description="Controllers' mean minus everyone else's, Welch 95 % interval."
    )
    finding: str = Field(description="The result in one sentence.")


class ScaleFigures(FrozenModel):
    """How one scale relates to the outcome."""

    scale: str = Field(description="The scale id.")
    n: Count = Field(description="People with a score on the scale and an outcome.")
    r: EstimateFigures | None = Field(description="Correlation of the scale score with the outcome (Fisher interval).")
    thirds: list[GroupFigures] = Field(
        description="The outcome in the low, middle and high third of the applicants' scores on the scale."
    )


class GroupPredictionFigures(FrozenModel):
    """One group against the reference group in the Cleary regression."""

    group: str = Field(description="The group.")
    n: Count = Field(description="People of the group with an outcome.")
    intercept_difference: EstimateFigures | None = Field(
        description="Predicted outcome at the mean fit, this group minus the reference."
    )
    intercept_p: Probability | None = Field(description="p-value of the intercept difference.")
    slope_difference_per_10_fit_points: EstimateFigures | None = Field(
        description="Slope per 10 fit points, this group minus the reference."
    )
    slope_p: Probability | None = Field(description="p-value of the slope difference.")


class DifferentialFigures(FrozenModel):
    """Differential prediction by one dimension (Cleary 1968)."""

    dimension: str = Field(description='"sex", "race_ethnicity" or "age_band".')
    reference: str | None = Field(description="The largest group; null when fewer than two groups are large enough.")
    reference_n: Count = Field(description="People of the reference group with an outcome.")
    reference_slope_per_10_fit_points: EstimateFigures | None = Field(
        description="The reference group's slope per 10 fit points."
    )
    groups: list[GroupPredictionFigures] = Field(description="Every other group large enough, against the reference.")
    left_out: dict[str, Count] = Field(description="Groups too small to compare, with their sizes.")
    unknown: Count = Field(description="Study members whose category is unknown.")
    slopes_p: Probability | None = Field(description="F test of all slope differences (full model).")
    intercepts_p: Probability | None = Field(
        description="F test of all intercept differences (model without products)."
    )
    prediction_differs: bool = Field(
        description="Whether prediction differs (slopes, or intercepts when slopes do not), at p < .05."
    )
    finding: str = Field(description="The result in plain words.")


class StudyDocument(FrozenModel):
    """A local validation study of the fit score, as profilefit validate --json writes it."""

    schema_version: Literal["profilefit.validation/1"] = Field(description="Version of this JSON layout.")
    outcome: str = Field(description="The outcome column, lower-cased as read.")
    kind: Literal["numeric", "binary"] = Field(description="A numeric outcome, or a yes/no one (yes as 1).")
    success_rule: str = Field(
        description='What counts as successful: "yes", or "above the study\'s median, <median>" for a numeric outcome.'
    )
    median_outcome: float = Field(description="The study's median outcome.")
    too_small_to_conclude: bool = Field(description="Fewer than 100 people have both a fit score and an outcome.")
    counts: CountFigures = Field(description="Where every row went.")
    validity: ValidityFigures = Field(description="Observed and corrected validity, apart.")
    expectancy_by_band: list[GroupFigures] = Field(description="Outcome by fit band, strongest first.")
    expectancy_by_quintile: list[GroupFigures] = Field(description="Outcome by fifth of the fit score.")
    profiles: list[GroupFigures] = Field(description="Outcome by profile.")
    controller_check: ControllerFigures = Field(description="Whether Controllers resolve complex cases best here.")
    scales: list[ScaleFigures] = Field(description="How each scale relates to the outcome.")
    differential_prediction: list[DifferentialFigures] = Field(
        description="Per dimension of the demographics file; empty without demographics."
    )
    notes: list[str] = Field(description="What a reader must know about the study.")
