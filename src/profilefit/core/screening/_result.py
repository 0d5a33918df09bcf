"""The typed result an HR system receives for one candidate."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le
from pydantic import ConfigDict, Field

from profilefit._frozen import FrozenModel
from profilefit.core.fit import RoleFit

Probability = Annotated[float, Ge(0), Le(1)]

#: Shown with every result: what the result is for and what the model knows.
NOTICE = (
    "This result supports a human decision; it must not be the sole basis for rejecting anyone. "
    "The reference model is trained on simulated candidates, not on real people labelled with profiles."
)
UNDETERMINED = "undetermined"


class _Frozen(FrozenModel):
    # Field names such as model_id are the result's own, not pydantic's namespace.
    model_config = ConfigDict(protected_namespaces=())


class ModelInfo(_Frozen):
    """Which model produced the result."""

    model_id: str
    sha256: str
    trained_on: Literal["simulation", "organisation data"]
    instrument_id: str
    instrument_version: str


class Contribution(_Frozen):
    """How one scored feature moved the candidate toward the top profile and away from the runner-up."""

    feature: str
    score: float | None = Field(description="The candidate's score; null when too few items were answered.")
    contribution: float = Field(description="Log-odds of top over runner-up added by this feature (negative: away).")


class Explanation(_Frozen):
    """Why the top profile beat the runner-up, feature by feature, largest effect first."""

    towards: str
    against: str
    contributions: list[Contribution]


class ScaleResult(_Frozen):
    """A scale score with its standing in the norm group."""

    scale: str
    score: float | None = Field(
        description="Agreement instrument: the mean keyed answer. Forced choice (2.0): the trait estimate in "
        "the z metric (0 the calibration group's mean, 1 its standard deviation). Null when too few were answered."
    )
    percentile: float | None
    answered_items: int = Field(
        description="Answered items of the scale; forced choice: answered blocks holding one of its statements."
    )
    standard_error: float | None = Field(
        None, description="Forced choice: the standard error of the trait estimate; null on agreement instruments."
    )


class ValidityFlag(_Frozen):
    """A reason to doubt that the answers reflect the candidate; see docs/fit.md and docs/faking.md."""

    flag: str = Field(
        description="straight_lining, failed_attention_check, too_fast, contradictory, too_many_missing or "
        "idealised (answers piled at the desirable end and improbable virtues claimed; never a reason on its "
        "own to reject anyone)."
    )
    detail: str = Field(description="The numbers behind the flag, in English.")


class ScreeningResult(_Frozen):
    """Everything profilefit says about one candidate.

    ``profile`` is the top profile, or ``"undetermined"`` when the top probability is
    below ``min_confidence``; ``top_profile`` is always the most probable one. ``fit``
    is the candidate's fit to the screener's role (see docs/fit.md); ``needs_human_review``
    is true when a validity flag fired or the fit is incomplete (a weighted scale had too few
    answers: no band, never selected). Without a role (no fit), an undetermined profile asks for
    review too; with a complete fit it is shown, not a reason for review.
    """

    schema_version: Literal["profilefit.result/1"] = "profilefit.result/1"
    candidate_id: str
    model: ModelInfo
    probabilities: dict[str, Probability]
    profile: str
    top_profile: str
    second_profile: str
    confidence: Probability
    min_confidence: Probability
    explanation: Explanation
    scales: list[ScaleResult]
    situational: dict[str, float | None]
    norm_group: str
    flags: list[ValidityFlag] = Field(default_factory=list)
    fit: RoleFit | None = Field(None, description="Fit to the role the screener was built for; null without a role.")
    needs_human_review: bool = Field(
        description="A person must look first: a validity flag fired or the fit is incomplete; "
        "without a role (no fit), also when the profile is undetermined."
    )
    notice: str = NOTICE
