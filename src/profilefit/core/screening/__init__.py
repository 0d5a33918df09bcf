"""Screening: the Screener an HR system loads once, and the typed result it returns."""

from profilefit.core.screening._result import (
    NOTICE,
    UNDETERMINED,
    Contribution,
    Explanation,
    ModelInfo,
    ScaleResult,
    ScreeningResult,
    ValidityFlag,
)
from profilefit.core.screening._schemas import json_schemas
from profilefit.core.screening._screener import ScoredBatch, Screener

__all__ = [
    "NOTICE",
    "UNDETERMINED",
    "Contribution",
    "Explanation",
    "ModelInfo",
    "ScaleResult",
    "ScoredBatch",
    "Screener",
    "ScreeningResult",
    "ValidityFlag",
    "json_schemas",
]
