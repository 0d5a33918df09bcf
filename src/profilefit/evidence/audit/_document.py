"""The audit's JSON document as a pydantic model: what ``--json`` writes, and its published JSON Schema.

:func:`~profilefit.evidence.audit.audit_to_dict` builds the document and validates it into
:class:`AuditDocument` before anything is written, so a key that is missing, misspelt or of the wrong
type fails in profilefit's tests, not in a reader's system. The committed schema is
``docs/schema/audit.schema.json`` (``profilefit schema --which audit``). Field order is the order
of the keys in the file. The figures are explained in docs/fairness.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from profilefit._frozen import FrozenModel
from profilefit.evidence.stats import Count, Probability, Ratio, Share

#: Version of the JSON layout; it changes when a key is renamed or removed, or a meaning changes.
#: 2: profile shares count the reported profile (``undetermined`` included), ``classifications`` added.
AUDIT_SCHEMA_VERSION = "profilefit.audit/2"


class Bands(FrozenModel):
    """The role's fit-band thresholds."""

    strong: float = Field(description="Lowest fit score in the strong band.")
    possible: float = Field(description="Lowest fit score in the possible band.")


class ToolFigures(FrozenModel):
    """The model and role behind the audited results, as far as they are known."""

    model_id: str | None = Field(description="The model's id, from its manifest or the results' model_id column.")
    trained_on: str | None = Field(
        description='"simulation" or "organisation data", from the model\'s manifest; null when not given the model.'
    )
    is_reference: bool = Field(description="The model is profilefit's shipped reference model (same sha256).")
    classifications: list[str] = Field(description='The profile ids the model reports ("undetermined" not included).')
    instrument_id: str | None = Field(description="The instrument the candidates answered.")
    instrument_version: str | None = Field(
        description='Its version ("1.2"; "2.0" is forced choice), from the model\'s manifest; null when not known.'
    )
    role_id: str | None = Field(
        description="The role the fit was computed for: the one the results record, else the one the audit was told."
    )
    role_name: dict[str, str] = Field(description="The role's name by language code.")
    role_scales: list[str] = Field(description="Ids of the scales the role weighs.")
    bands: Bands | None = Field(description="The role's band thresholds; null when the role is not known.")
    role_recorded: bool = Field(
        description="The results file records the role of its fit (fit_role); false for older files."
    )
    description: list[str] = Field(description="The tool in sentences, in the audit's language.")


class RateFigures(FrozenModel):
    """One rate of one category, set against the category with the highest rate (the reference)."""

    count: Count = Field(description="Candidates selected, scoring above the median, or assigned the classification.")
    rate: Share = Field(description="count / applicants.")
    impact_ratio: Ratio | None = Field(
        description="rate over the highest rate among non-excludable categories (IR); null for an excludable "
        "category, when every category is excludable, or when the highest rate is 0."
    )
    impact_ratio_all: Ratio | None = Field(
        description="rate over the highest rate among all categories (IR all); null when that is 0."
    )
    below_four_fifths: bool | None = Field(
        description="impact_ratio_exact < 4/5, compared exactly; null when impact_ratio is."
    )
    is_reference: bool = Field(
        description="This category has the highest rate among the non-excludable ones (the denominator of IR)."
    )
    fisher_p: Probability | None = Field(
        description="Two-sided p of Fisher's exact test against the reference; null for the reference itself "
        "and when there is no reference."
    )
    z: float | None = Field(
        description="Pooled two-proportion z statistic, this category minus the reference; null as fisher_p, "
        "and when the pooled rate is 0 or 1."
    )
    z_p: Probability | None = Field(description="Two-sided p of z under the standard normal.")
    impact_ratio_exact: str | None = Field(
        description='impact_ratio as the exact fraction of counts it is computed from, e.g. "4/5".',
        pattern=r"^\d+/\d+$",
    )
    shortfall: Count | None = Field(
        description="How many more of the category would have to be counted for its ratio to reach four-fifths: "
        "0 when it does; null without an impact ratio."
    )
    fisher_q: Probability | None = Field(
        description="fisher_p adjusted over every Fisher test of the audit (Benjamini-Hochberg q)."
    )


class CategoryFigures(FrozenModel):
    """All figures of one category of one dimension."""

    category: str = Field(description="The category, as the demographics file names it.")
    applicants: Count = Field(description="Audited candidates in the category.")
    share: Share = Field(description="applicants over all audited candidates (unknowns included).")
    excludable: bool = Field(description="share < 0.02: the rules allow leaving the category out of the impact ratios.")
    selection: RateFigures = Field(description="The selection rate: a fit band at or above select_band.")
    scoring: RateFigures = Field(description="The scoring rate: a fit score strictly above the median.")
    profile_rates: dict[str, Share] = Field(
        description='Share of the category assigned each classification ("undetermined" included).'
    )


class ScaleCategory(FrozenModel):
    """The scores of one category on one scale."""

    category: str = Field(description="The category.")
    n: Count = Field(description="Candidates of the category with a score on the scale.")
    mean: float | None = Field(description="Mean of their scores; null without scores.")
    sd: float | None = Field(description="Standard deviation (ddof 1) of their scores; null under two scores.")
    d: float | None = Field(
        description="Standardised mean difference from the reference category (pooled SD), positive when this "
        "category scores higher; 0 for the reference; null when either has under two scores or no spread."
    )
    is_reference: bool = Field(description="This is the largest category that is not excludable.")


class ScaleFigures(FrozenModel):
    """Scale scores of every category of one dimension on one scale."""

    scale: str = Field(description="The scale id.")
    name: str = Field(description="The scale's name in the audit's language.")
    categories: list[ScaleCategory] = Field(description="One per category, in the order of the dimension's.")


class DimensionFigures(FrozenModel):
    """The categories of one dimension: sex, race/ethnicity, their intersection, or age band."""

    dimension: str = Field(description='"sex", "race_ethnicity", "sex_race_ethnicity" or "age_band".')
    title: str = Field(description="The dimension in words, in the audit's language.")
    categories: list[CategoryFigures] = Field(description="The categories, sorted by name.")
    unknown: Count = Field(
        description="Audited candidates whose category is unknown, including those without a demographics row."
    )
    selection_reference: str | None = Field(description="The category whose selection rate is the IR denominator.")
    scoring_reference: str | None = Field(description="The category whose scoring rate is the IR denominator.")
    scales: list[ScaleFigures] = Field(
        description="Scale scores by category, for each scale the results report; empty without scale columns."
    )


class CategoryHead(FrozenModel):
    """The category an outcome's figures belong to, with its size; the first keys of each category's figures."""

    category: str = Field(description="The category.")
    applicants: Count = Field(description="Audited candidates in the category.")
    share: Share = Field(description="applicants over all audited candidates (unknowns included).")
    excludable: bool = Field(description="share < 0.02: the rules allow leaving the category out of the impact ratios.")


# A model's fields come base by base from the last base to the first: (figures, head) puts the head first,
# as the file has it.
class ClassificationCategory(RateFigures, CategoryHead):
    """How often one category is assigned one classification, with impact ratios and tests."""


class ClassificationDimension(FrozenModel):
    """One classification in one dimension."""

    dimension: str = Field(description="The dimension.")
    reference: str | None = Field(description="The category with the highest rate (the IR denominator), if any.")
    unknown: Count = Field(description="Audited candidates whose category is unknown.")
    categories: list[ClassificationCategory] = Field(description="Every category's figures.")


class ClassificationFigures(FrozenModel):
    """One classification the model reports (a profile, or undetermined), in every dimension."""

    classification: str = Field(description='A profile id the model reports, or "undetermined".')
    name: str = Field(description="The classification's name in the audit's language.")
    rate: Share = Field(description="Share of all audited candidates assigned it.")
    dimensions: list[ClassificationDimension] = Field(description="Per dimension, every category's figures.")


class FlagRateFigures(FrozenModel):
    """One category's rate of an adverse flag, set against the lowest rate (the reference)."""

    count: Count = Field(description="Candidates of the category flagged.")
    rate: Share = Field(description="count / applicants.")
    flag_ratio: Ratio | None = Field(
        description="rate over the lowest rate among non-excludable categories; null for an excludable "
        "category, when every category is excludable, or when the lowest rate is 0."
    )
    is_reference: bool = Field(
        description="This category has the lowest rate among the non-excludable ones (the flag-ratio denominator)."
    )
    fisher_p: Probability | None = Field(description="Two-sided p of Fisher's exact test against the reference.")
    z: float | None = Field(
        description="Pooled two-proportion z statistic, positive when this category is flagged more often."
    )
    z_p: Probability | None = Field(description="Two-sided p of z under the standard normal.")
    not_flagged_ratio: Ratio | None = Field(
        description="The four-fifths view: the share not flagged over the reference's share not flagged."
    )
    flag_ratio_exact: str | None = Field(
        description="flag_ratio as the exact fraction of counts.", pattern=r"^\d+/\d+$"
    )
    fisher_q: Probability | None = Field(
        description="fisher_p adjusted over every Fisher test of the audit (Benjamini-Hochberg q)."
    )
    notable: bool | None = Field(
        description="A notable disparity: not the reference, fisher_q below flag_rule.alpha and the rate at least "
        "flag_rule.ratio times the lowest; null for an excludable category and without a reference."
    )


class FlagCategory(FlagRateFigures, CategoryHead):
    """How often one category is flagged by one adverse flag, with flag ratios and tests."""


class FlagDimension(FrozenModel):
    """One adverse flag in one dimension."""

    dimension: str = Field(description="The dimension.")
    reference: str | None = Field(description="The category with the lowest flag rate (the denominator), if any.")
    unknown: Count = Field(description="Audited candidates whose category is unknown.")
    categories: list[FlagCategory] = Field(description="Every category's figures.")


class FlagFigures(FrozenModel):
    """Needing review, or one validity flag, in every dimension."""

    flag: str = Field(description='"needs_review" or a validity flag id.')
    name: str = Field(description="The flag's name in the audit's language.")
    rate: Share = Field(description="Share of all audited candidates flagged.")
    dimensions: list[FlagDimension] = Field(description="Per dimension, every category's figures.")


class FlagRule(FrozenModel):
    """When a flag rate is a notable disparity."""

    ratio: float = Field(description="The flag ratio at or above which a disparity is notable (5/4).")
    alpha: Probability = Field(description="The q below which it is significant.")


class AuditWarning(FrozenModel):
    """What a reader must know before trusting the figures."""

    code: str = Field(description='A code such as "low_match", "no_band" or "synthetic_demographics".')
    message: str = Field(description="The warning in the audit's language.")


class AuditDocument(FrozenModel):
    """The adverse-impact audit of one batch of results, as profilefit audit --json writes it."""

    schema_version: Literal["profilefit.audit/2"] = Field(description="Version of this JSON layout.")
    language: str = Field(description="Language of the notes, warnings and names; keys are the same in every one.")
    profilefit_version: str = Field(description="The profilefit release that wrote the audit.")
    audited_on: str = Field(
        description="UTC date of the audit, YYYY-MM-DD (SOURCE_DATE_EPOCH fixes it).", pattern=r"^\d{4}-\d{2}-\d{2}$"
    )
    sources: dict[str, str] = Field(
        description="Where the figures come from, when read from files: results and demographics (file names) "
        "and their results_sha256 and demographics_sha256."
    )
    tool: ToolFigures = Field(description="The model and role the results come from.")
    select_band: str = Field(description="Selected means a fit band at or above this one.")
    applicants: Count = Field(description="Candidates in the results file; every one is audited.")
    selected: Count = Field(description="Audited candidates selected.")
    median_fit_score: float | None = Field(
        description="Median fit score of the audited candidates that have one; null when none has."
    )
    above_median: Count = Field(description="Audited candidates whose fit score is strictly above the median.")
    matched: Count = Field(description="Audited candidates with a demographics row.")
    matched_share: Share = Field(description="matched over applicants.")
    results_without_demographics: Count = Field(
        description="Audited candidates with no demographics row (unknown in every dimension)."
    )
    demographics_without_results: Count = Field(description="Demographics rows with no result; they are ignored.")
    without_band: Count = Field(description="Audited candidates whose fit has no band; they count as not selected.")
    without_score: Count = Field(
        description="Audited candidates without a fit score; they count as not above the median."
    )
    excludable_share: Share = Field(description="Share below which a category may be left out of impact ratios.")
    profiles: list[str] = Field(
        description='The classifications: the profile ids the model reports, then "undetermined".'
    )
    profile_names: dict[str, str] = Field(description="Each classification's name in the audit's language.")
    profile_rates: dict[str, Share] = Field(description="Share of all audited candidates assigned each classification.")
    dimensions: list[DimensionFigures] = Field(
        description="The dimensions the demographics file reports: sex, race/ethnicity, their intersection, age band."
    )
    classifications: list[ClassificationFigures] = Field(
        description="For each classification its overall share and, per dimension, every category's figures."
    )
    flags: list[FlagFigures] = Field(
        description="Needing review and each validity flag; empty when the results record neither."
    )
    flag_rule: FlagRule = Field(description="When a flag rate is a notable disparity.")
    warnings: list[AuditWarning] = Field(description="What a reader must know before trusting the figures.")
    notes: list[str] = Field(description="Notes on the method, in the audit's language.")
