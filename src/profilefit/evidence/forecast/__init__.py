"""Adverse-impact forecast before use: simulate applicants whose traits differ as published, score them by a role.

A warning light, not a verdict: see docs/forecast.md. Only the audit of real results
(:mod:`profilefit.evidence.audit`) shows actual impact.
"""

from profilefit.evidence.forecast._differences import (
    BUILTIN_DIFFERENCES,
    DEFAULT_DIFFERENCES,
    GroupDifferences,
    NotApplied,
    ScaleDifference,
    Source,
    load_differences,
)
from profilefit.evidence.forecast._document import FORECAST_SCHEMA_VERSION, ForecastDocument
from profilefit.evidence.forecast._forecast import (
    FOUR_FIFTHS,
    SELECTABLE_BANDS,
    ImpactForecast,
    RateForecast,
    forecast_impact,
)
from profilefit.evidence.forecast._html import forecast_to_html, write_forecast_html
from profilefit.evidence.forecast._report import (
    ForecastText,
    forecast_document,
    forecast_languages,
    forecast_strings,
    forecast_to_dict,
    format_forecast_text,
    warning_light,
    write_forecast_json,
)

__all__ = [
    "BUILTIN_DIFFERENCES",
    "DEFAULT_DIFFERENCES",
    "FORECAST_SCHEMA_VERSION",
    "FOUR_FIFTHS",
    "SELECTABLE_BANDS",
    "ForecastDocument",
    "ForecastText",
    "GroupDifferences",
    "ImpactForecast",
    "NotApplied",
    "RateForecast",
    "ScaleDifference",
    "Source",
    "forecast_document",
    "forecast_impact",
    "forecast_languages",
    "forecast_strings",
    "forecast_to_dict",
    "forecast_to_html",
    "format_forecast_text",
    "load_differences",
    "warning_light",
    "write_forecast_html",
    "write_forecast_json",
]
