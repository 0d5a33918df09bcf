"""The assessment schema, generated from an instrument, and the JSON Schemas it publishes."""

from profilefit.schema._assessment import (
    DEMOGRAPHIC_FIELDS,
    NOT_A_MAPPING,
    SCHEMA_VERSION,
    AssessmentBase,
    assessment_model,
    build_assessment_model,
    describe_errors,
    validate_row,
)

__all__ = [
    "DEMOGRAPHIC_FIELDS",
    "NOT_A_MAPPING",
    "SCHEMA_VERSION",
    "AssessmentBase",
    "assessment_model",
    "build_assessment_model",
    "describe_errors",
    "validate_row",
]
