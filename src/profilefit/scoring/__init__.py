"""Scoring: reverse keys, scale means, situational scores, reliability and norms, on numpy."""

from profilefit.scoring._norms import NormGroup, ScaleDistribution, bundled_norms
from profilefit.scoring._reliability import ScaleReliability, cronbach_alpha, format_reliability, scale_reliability
from profilefit.scoring._responses import NO_CHOICE, Responses
from profilefit.scoring._scales import (
    MIN_ANSWERED_SHARE,
    ScaleScores,
    filled_scale_scores,
    keyed_items,
    score_responses,
    situational_scores,
)

__all__ = [
    "MIN_ANSWERED_SHARE",
    "NO_CHOICE",
    "NormGroup",
    "Responses",
    "ScaleDistribution",
    "ScaleReliability",
    "ScaleScores",
    "bundled_norms",
    "cronbach_alpha",
    "filled_scale_scores",
    "format_reliability",
    "keyed_items",
    "scale_reliability",
    "score_responses",
    "situational_scores",
]
