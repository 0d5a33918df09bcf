"""The role fit of one candidate, as it appears in a ScreeningResult."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, Field

from profilefit._frozen import FrozenModel

FitPoints = Annotated[float, Ge(0), Le(100)]

#: Fit bands from best to worst.
BANDS = ("strong", "possible", "weak")


Model = TypeVar("Model", bound=BaseModel)


def construct_trusted(cls: type[Model], **values: Any) -> Model:
    """Build a model from values the code computed itself, every field given, without validation.

    What ``cls.model_construct(**values)`` does, in a quarter of its time: scoring one
    candidate builds a few dozen small result objects, and ``model_construct`` alone
    was a third of the time of :meth:`profilefit.core.screening.Screener.score`. Only for
    values that already satisfy the model (a test compares the two).
    """
    model = cls.__new__(cls)
    setattr_ = object.__setattr__  # the models are frozen
    setattr_(model, "__dict__", values)
    setattr_(model, "__pydantic_fields_set__", set(values))
    setattr_(model, "__pydantic_extra__", None)
    setattr_(model, "__pydantic_private__", None)
    return model


class FitReason(FrozenModel):
    """One reason for or against the fit, with the numbers behind it and an English sentence.

    Reports render the same reason in other languages from ``kind``, ``stance``,
    ``direction`` and the numbers (see :func:`profilefit.core.fit.reason_text`).
    """

    kind: Literal["scale", "profile", "situational", "missing", "missing_situational"] = Field(
        description="'scale': a scale's standing; 'profile': the most likely profile; 'situational': the "
        "options chosen in the scenarios, valued by the role; 'missing': a weighted scale with too few answers, "
        "counted at the role's least-wanted end; 'missing_situational': fewer than half the scenarios answered, "
        "each unanswered one counted as the option the role values least."
    )
    id: str = Field(
        description="The scale id (kinds 'scale' and 'missing'), the profile id (kind 'profile'), or "
        "'scenarios' (kinds 'situational' and 'missing_situational')."
    )
    stance: Literal["for", "against"]
    direction: Literal["higher", "lower"] = Field(
        "higher", description="For scale reasons: the end of the scale the role prefers."
    )
    percentile: float | None = Field(None, description="For scale reasons: percentile in the norm group.")
    probability: float | None = Field(None, description="For profile reasons: probability of the profile.")
    situational: float | None = Field(
        None,
        description="For situational reasons: the situational part, 0-100 (0: the option the role values least "
        "in every scenario; 100: the one it values most; 50: halfway).",
    )
    text: str = Field(description="The reason in plain English.")


class RoleFit(FrozenModel):
    """How well a candidate fits a role: a 0–100 score, its band and the main reasons.

    Decision support for a person: a weak fit is a reason to look closer, never an
    automatic rejection.
    """

    role: str
    score: FitPoints = Field(
        description="0-100; an unanswered item of a weighted scale counts as the answer the role wants least."
    )
    band: Literal["strong", "possible", "weak"] | None = Field(
        description="The band of the score; null when the fit is incomplete."
    )
    incomplete: bool = Field(
        False,
        description="A weighted scale had too few answers to score, or the role weighs the scenarios and "
        "fewer than half were answered: no band, a person must review, "
        "and the shortlist and the audit count the candidate as not selected.",
    )
    missing_scales: list[str] = Field(default_factory=list, description="The weighted scales with too few answers.")
    missing_situational: bool = Field(
        False, description="The role weighs the scenarios and fewer than half of them were answered."
    )
    strong_from: FitPoints = Field(description="Fit at or above this is 'strong'.")
    possible_from: FitPoints = Field(description="Fit at or above this (and below strong_from) is 'possible'.")
    scale_component: FitPoints = Field(description="Weighted standing on the role's scales, 0–100.")
    profile_component: FitPoints = Field(
        description="Suitability of the profiles the role's scales point to, 0–100 (docs/fit.md: the profile part)."
    )
    situational_component: FitPoints | None = Field(
        None,
        description="The options chosen in the scenarios, valued by the role, 0-100 (docs/fit.md: the "
        "situational part); null when the role does not weigh the scenarios.",
    )
    reasons_for: list[FitReason] = Field(default_factory=list)
    reasons_against: list[FitReason] = Field(default_factory=list)
