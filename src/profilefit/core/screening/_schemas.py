"""The JSON Schemas profilefit publishes: the assessment it reads and the result it returns."""

from __future__ import annotations

from typing import Any

from profilefit.core.instrument import Instrument
from profilefit.core.schema import assessment_model
from profilefit.core.screening._result import ScreeningResult


def json_schemas(instrument: Instrument | None = None) -> dict[str, dict[str, Any]]:
    """JSON Schemas of the assessment (for an instrument, by default the shipped one) and of the result."""
    return {
        "assessment": assessment_model(instrument).model_json_schema(),
        "result": ScreeningResult.model_json_schema(),
    }
