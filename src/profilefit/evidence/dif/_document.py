"""The DIF report's JSON document as a pydantic model: what ``profilefit dif --json`` writes, and its JSON Schema.

:func:`~profilefit.evidence.dif.dif_to_dict` validates the document into :class:`DifDocument` before
anything is written, so the file always matches the published schema (``docs/schema/dif.schema.json``,
``profilefit schema --which dif``). Field order is the order of the keys in the file; ``null`` stands
where a figure is undefined. The statistics are explained in docs/dif.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer
from pydantic.json_schema import SkipJsonSchema

from profilefit._frozen import FrozenModel
from profilefit.evidence.stats import Count, Probability, Share

#: Version of the DIF JSON layout (``"1"`` until profilefit 0.2, with the same keys).
DIF_SCHEMA_VERSION = "profilefit.dif/1"


class InstrumentRef(FrozenModel):
    """The instrument the candidates answered."""

    id: str = Field(description="The instrument's id.")
    version: str = Field(description="The instrument's version.")


class RowCounts(FrozenModel):
    """What was read, and the rows left out and why."""

    read: Count = Field(description="Rows of the export read.")
    rejected: Count = Field(description="Rows refused by the row rule (not valid assessments).")
    repeated_ids: Count = Field(description="Rows left out because their candidate id was seen before.")
    without_demographics: Count = Field(description="Valid rows with no demographics row.")
    unknown_category: Count = Field(description="Valid rows whose category in the dimension is unknown.")


class Matching(FrozenModel):
    """What each kind of answer is matched on."""

    likert: str = Field(description="Matching score of an agreement item.")
    option: str = Field(description="Matching score of a scenario option.")
    check: str = Field(description="Matching score of an attention check.")
    statement: str = Field(description="Matching score of a forced-choice statement (instrument 2.0).")


class Method(FrozenModel):
    """How the answers were tested, in words and thresholds."""

    false_discovery_rate: Share = Field(description="The false-discovery rate of the Benjamini-Hochberg adjustment.")
    adjustment: str = Field(description="Which p-values are adjusted together.")
    purification: str = Field(description="How matching scores are purified (two steps).")
    min_group_size: Count = Field(description="Below this many people per group, the figures are provisional.")
    matching: Matching = Field(description="What each kind of answer is matched on.")
    r2: str = Field(description="The pseudo-R² of the logistic regression's R² change.")


class Curves(FrozenModel):
    """The empirical item curves: the mean answer at each rest score, for both groups."""

    rest_score: list[float] = Field(description="The matching score of each stratum used (both groups present).")
    mean_reference: list[float] = Field(description="The reference group's mean answer in each of those strata.")
    mean_focal: list[float] = Field(description="The focal group's mean answer in each of those strata.")


class Mantel(FrozenModel):
    """Mantel's ordinal test and the standardised mean difference (agreement items)."""

    chi2: float | None = Field(description="Mantel's chi-square (1 df).")
    p: Probability | None = Field(description="Its p-value, unadjusted.")
    smd: float | None = Field(description="Standardised mean difference, focal minus reference, in answer points.")
    smd_sd: float | None = Field(description="smd divided by the item's standard deviation in both groups together.")
    strata: Count = Field(description="Strata that held both groups.")
    curves: Curves = Field(description="The empirical item curves.")


class Logistic(FrozenModel):
    """Ordinal logistic-regression DIF (agreement items): uniform, non-uniform and both."""

    chi2_uniform: float | None = Field(description="Likelihood-ratio chi-square, model 2 against model 1 (1 df).")
    p_uniform: Probability | None = Field(description="Its p-value.")
    chi2_nonuniform: float | None = Field(description="Likelihood-ratio chi-square, model 3 against model 2 (1 df).")
    p_nonuniform: Probability | None = Field(description="Its p-value.")
    chi2_any: float | None = Field(description="Likelihood-ratio chi-square, model 3 against model 1 (2 df).")
    p_any: Probability | None = Field(description="Its p-value, unadjusted.")
    q_any: Probability | None = Field(description="p_any adjusted (Benjamini-Hochberg) within the comparison.")
    r2_change_nagelkerke: float | None = Field(description="Nagelkerke R² of model 3 minus that of model 1.")
    group_coef: float | None = Field(
        description="The group slope in model 2 (focal = 1): negative when the focal group answers lower than "
        "reference people of the same matching score."
    )
    dif_type: Literal["uniform", "non-uniform", "both"] | None = Field(
        description="Which 1-df test is below 5 %, read only when q_any is below 0.05; null otherwise."
    )
    zumbo_thomas: str = Field(description="Zumbo-Thomas effect-size class A/B/C.")
    jodoin_gierl: str = Field(description="Jodoin-Gierl effect-size class A/B/C.")
    converged: bool = Field(description="Every fit converged.")


class MantelHaenszel(FrozenModel):
    """The Mantel-Haenszel common odds ratio and ETS delta (scenario options and attention checks)."""

    odds_ratio: float | None = Field(description="Common odds ratio alpha (reference over focal); null when undefined.")
    log_odds_se: float | None = Field(description="Robins-Breslow-Greenland standard error of ln(alpha).")
    chi2: float | None = Field(description="Mantel-Haenszel chi-square with continuity correction (1 df).")
    p: Probability | None = Field(description="Its p-value, unadjusted.")
    delta: float | None = Field(description="ETS delta, -2.35 ln(alpha).")
    delta_se: float | None = Field(description="Standard error of delta.")
    strata: Count = Field(description="Strata that held both groups.")


class Answer(FrozenModel):
    """DIF of one answer: an agreement item, one option of a scenario, an attention check, or a statement."""

    field: str = Field(
        description='Item id, SCENARIO.OPTION (as "sc3.b") for an option, the check id, or the statement id.'
    )
    kind: Literal["likert", "option", "check", "most", "least"] = Field(
        description='The kind of answer; "most" and "least": a forced-choice statement marked most (least) like me.'
    )
    group: str = Field(description="The item's or statement's scale, the option's key, or \"attention\".")
    # Statements only: absent, never null, for the other kinds.
    block: str | SkipJsonSchema[None] = Field(default=None, description="Statements: the block's id.")
    letter: Literal["a", "b", "c"] | SkipJsonSchema[None] = Field(
        default=None, description="Statements: the statement's letter in its block."
    )
    n_reference: Count = Field(description="People of the reference group in this answer's analysis.")
    n_focal: Count = Field(description="People of the focal group in this answer's analysis.")
    matched_on: list[str] = Field(description="The fields whose answers make up the matching score.")
    purified: bool = Field(description="Answers flagged in step 1 were left out of the matching score.")
    flagged: bool = Field(
        description="Moderate or large DIF by any reported rule (ETS B/C or BB/CC, Jodoin-Gierl B/C)."
    )
    ets_class: str = Field(description="ETS class: A/B/C for yes/no answers, AA/BB/CC for agreement items.")
    q_mh: Probability | None = Field(description="Benjamini-Hochberg adjusted p-value of the Mantel-Haenszel test.")
    # Present only for the kinds of answer tested this way: absent, never null, in the file.
    mantel: Mantel | SkipJsonSchema[None] = Field(default=None, description="Agreement items: Mantel's test.")
    logistic: Logistic | SkipJsonSchema[None] = Field(
        default=None,
        description="Agreement items: ordinal logistic regression; statements: binary logistic regression.",
    )
    mantel_haenszel: MantelHaenszel | SkipJsonSchema[None] = Field(
        default=None,
        description="Options, checks and statements: the common odds ratio, chi-square and ETS delta.",
    )

    @model_serializer(mode="wrap")
    def _leave_out_absent_tests(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for key in ("block", "letter", "mantel", "logistic", "mantel_haenszel"):
            if data.get(key, ...) is None:
                del data[key]
        return data


class DifWarning(FrozenModel):
    """What a reader must know about a comparison, with the values its message names."""

    code: Literal["warning_small_group"] = Field(
        description="warning_small_group: a group has fewer people than method.min_group_size."
    )
    group: str = Field(description="The group.")
    n: Count = Field(description="People in the group.")
    minimum: Count = Field(description="The size below which the figures are provisional.")


class Comparison(FrozenModel):
    """One focal group against the reference group."""

    reference: str = Field(description="The reference group.")
    focal: str = Field(description="The focal group.")
    n_reference: Count = Field(description="People in the reference group.")
    n_focal: Count = Field(description="People in the focal group.")
    step1_flagged: list[str] = Field(description="Answers flagged in step 1, left out of the purified matching scores.")
    flagged: list[str] = Field(description="Answers flagged in step 2, the result.")
    flagged_blocks: dict[str, list[str]] = Field(
        description='Forced choice: each block with a flagged statement and its flags ("em_01 most"); the '
        "statements of a block share one answer, so read them together. Empty for agreement instruments."
    )
    ets_class_counts: dict[str, dict[str, Count]] = Field(
        description='How many answers of each kind are in each ETS class, e.g. {"likert": {"AA": 45, ...}}.'
    )
    warnings: list[DifWarning] = Field(description="What a reader must know, e.g. a small group.")
    answers: list[Answer] = Field(description="Every answer's figures.")


class DifDocument(FrozenModel):
    """Item bias (DIF) of an export by one demographic dimension, as profilefit dif --json writes it."""

    schema_version: Literal["profilefit.dif/1"] = Field(description="Version of this JSON layout.")
    instrument: InstrumentRef = Field(description="The instrument answered.")
    by: str = Field(description='The demographic dimension: "sex", "race_ethnicity" or "age_band".')
    rows: RowCounts = Field(description="What was read, and the rows left out and why.")
    groups: dict[str, Count] = Field(description="People in each group of the dimension.")
    skipped_groups: dict[str, Count] = Field(
        description="Groups left out of the default comparisons for having too few people."
    )
    method: Method = Field(description="How the answers were tested.")
    comparisons: list[Comparison] = Field(description="One per focal group, each against the reference group.")
