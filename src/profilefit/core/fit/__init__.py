"""Role fit: what a role needs (RoleProfile), and how well a candidate fits it (0–100, band, reasons)."""

from profilefit.core.fit._fit import (
    MAX_SCALE_REASONS,
    REASON_MARGIN,
    REASON_MIN_POINTS,
    SITUATIONAL_NEUTRAL,
    SUITS_POORLY,
    SUITS_WELL,
    FitScores,
    ProfileLogits,
    RoleFitScorer,
    RowFit,
    linear_row,
    softmax_row,
)
from profilefit.core.fit._reasons import reason_languages, reason_templates, reason_text
from profilefit.core.fit._result import BANDS, FitReason, RoleFit, construct_trusted
from profilefit.core.fit._role import DEFAULT_ROLE, Bands, Combine, RoleProfile, ScaleNeed, builtin_roles, load_role

__all__ = [
    "BANDS",
    "DEFAULT_ROLE",
    "MAX_SCALE_REASONS",
    "REASON_MARGIN",
    "REASON_MIN_POINTS",
    "SITUATIONAL_NEUTRAL",
    "SUITS_POORLY",
    "SUITS_WELL",
    "Bands",
    "Combine",
    "FitReason",
    "FitScores",
    "ProfileLogits",
    "RoleFit",
    "RoleFitScorer",
    "RoleProfile",
    "RowFit",
    "ScaleNeed",
    "builtin_roles",
    "construct_trusted",
    "linear_row",
    "load_role",
    "reason_languages",
    "reason_templates",
    "reason_text",
    "softmax_row",
]
