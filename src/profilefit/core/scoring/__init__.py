"""Scoring: reverse keys, scale means, situational scores, reliability and norms, on numpy."""

from profilefit.core.scoring._norms import NormGroup, ScaleDistribution, bundled_norms
from profilefit.core.scoring._parameters import PARAMETERS_SUFFIX, load_parameters
from profilefit.core.scoring._reliability import ScaleReliability, cronbach_alpha, format_reliability, scale_reliability
from profilefit.core.scoring._responses import (
    BLOCK_POSITIONS,
    NO_ANSWER,
    NO_CHOICE,
    Responses,
    attach_answer_codes,
    block_answer_codes,
)
from profilefit.core.scoring._scales import (
    MIN_ANSWERED_SHARE,
    ScaleScores,
    filled_scale_row,
    filled_scale_scores,
    forced_choice_row,
    keyed_items,
    score_responses,
    score_row,
    situational_row,
    situational_scores,
)

__all__ = [
    "BLOCK_POSITIONS",
    "MIN_ANSWERED_SHARE",
    "NO_ANSWER",
    "NO_CHOICE",
    "PARAMETERS_SUFFIX",
    "NormGroup",
    "Responses",
    "ScaleDistribution",
    "ScaleReliability",
    "ScaleScores",
    "attach_answer_codes",
    "block_answer_codes",
    "bundled_norms",
    "cronbach_alpha",
    "filled_scale_row",
    "filled_scale_scores",
    "forced_choice_row",
    "format_reliability",
    "keyed_items",
    "load_parameters",
    "scale_reliability",
    "score_responses",
    "score_row",
    "situational_row",
    "situational_scores",
]
