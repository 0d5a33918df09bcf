"""The forecast's JSON document as a pydantic model: what ``profilefit forecast --json`` writes, and its JSON Schema.

:func:`~profilefit.evidence.forecast.forecast_to_dict` validates the document into
:class:`ForecastDocument` before anything is written, so the file always matches the published schema
(``docs/schema/forecast.schema.json``, ``profilefit schema --which forecast``). Field order is the
order of the keys in the file. What the figures mean is in docs/forecast.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from profilefit._frozen import FrozenModel
from profilefit.evidence.forecast._differences import GroupDifferences
from profilefit.evidence.stats import Count, Share

#: Version of the forecast's JSON layout (``"1"`` until profilefit 0.2, with the same keys).
FORECAST_SCHEMA_VERSION = "profilefit.forecast/1"

#: A 95 % simulation interval: the 2.5th and 97.5th percentiles over the draws.
Interval = tuple[float, float]


class RateFigures(FrozenModel):
    """One group's forecast rate and impact ratio over the draws."""

    group: str = Field(description="The group, as the differences file names it.")
    rate: Share = Field(description="The rate (selected, or scoring above the median), mean over the draws.")
    rate_interval: Interval = Field(description="2.5th and 97.5th percentiles of the rate over the draws.")
    impact_ratio: float = Field(
        description="Impact ratio against the group with the highest rate in each draw, mean over the draws."
    )
    impact_ratio_interval: Interval = Field(description="2.5th and 97.5th percentiles of the impact ratio.")
    share_of_draws_below_four_fifths: Share = Field(description="Share of draws in which the ratio is below 0.8.")


class FitGap(FrozenModel):
    """A group's standardised mean difference in fit score against the reference group."""

    d: float = Field(description="Standardised mean difference in fit score (pooled SD), group minus reference.")
    interval: Interval = Field(description="Its simulation interval (2.5th and 97.5th percentiles).")


class RoleScale(FrozenModel):
    """One scale the role weighs."""

    weight: float = Field(description="The scale's weight in the role.")
    direction: Literal["higher", "lower"] = Field(description="The direction the role prefers.")


class ForecastDocument(FrozenModel):
    """The adverse-impact forecast of one role and model, as profilefit forecast --json writes it."""

    schema_version: Literal["profilefit.forecast/1"] = Field(description="Version of this JSON layout.")
    role: str = Field(description="The role's id.")
    role_names: dict[str, str] = Field(description="The role's name per language, as its role file gives it.")
    model_id: str = Field(description="The model's id.")
    trained_on: str = Field(description="What the model was trained on (the reference model: the simulation).")
    n_per_group: Count = Field(description="Simulated applicants per group and draw.")
    draws: Count = Field(description="Repeated draws, for the intervals.")
    seed: int = Field(description="The seed of the simulation.")
    select_band: str = Field(description="The band whose selection rate is the headline.")
    selection: dict[str, list[RateFigures]] = Field(
        description="Per selectable band (selected: that band or above), one entry per group, reference first."
    )
    scoring: list[RateFigures] = Field(description="The scoring rate (above the overall median fit), per group.")
    fit_score_d: dict[str, FitGap] = Field(
        description="Each non-reference group's standardised mean difference in fit score against the reference."
    )
    role_scales: dict[str, RoleScale] = Field(
        description="The role's weighted scales, to show which differences the role rewards or penalises."
    )
    differences: GroupDifferences = Field(description="The differences file the forecast used, sources included.")
    note: str = Field(description="The warning every forecast ends with: a warning light, not a verdict.")
