"""Adverse-impact audit of screening results by sex, race/ethnicity, their intersections and age band.

The audit reads only a results file and a demographics file; demographics never enter scoring.
See docs/fairness.md for what each figure means and which rules ask for it.
"""

from profilefit.audit._html import audit_to_html, write_audit_html
from profilefit.audit._impact import (
    DEFAULT_SELECT_BAND,
    EXCLUDABLE_SHARE,
    FOUR_FIFTHS,
    SELECT_BANDS,
    AuditReport,
    CategoryImpact,
    DimensionImpact,
    RateComparison,
    adverse_impact,
    audit_files,
    fisher_exact_p,
    two_proportion_z,
)
from profilefit.audit._inputs import (
    AGE_BANDS,
    FIT_BANDS,
    RESULT_COLUMNS,
    AuditInputError,
    Demographics,
    DemographicsTable,
    ScoredCandidate,
    age_band_of,
    read_demographics,
    read_results,
)
from profilefit.audit._report import (
    FOUR_FIFTHS_NOTE,
    audit_notes,
    audit_rows,
    audit_to_dict,
    format_audit_text,
    write_audit_csv,
    write_audit_json,
)
from profilefit.audit._synthetic import (
    SAMPLE_CANDIDATE_IDS,
    SAMPLE_DEMOGRAPHICS_SEED,
    make_synthetic_demographics,
    sample_demographics_path,
    write_demographics_csv,
    write_sample_demographics,
)

__all__ = [
    "AGE_BANDS",
    "DEFAULT_SELECT_BAND",
    "EXCLUDABLE_SHARE",
    "FIT_BANDS",
    "FOUR_FIFTHS",
    "FOUR_FIFTHS_NOTE",
    "RESULT_COLUMNS",
    "SAMPLE_CANDIDATE_IDS",
    "SAMPLE_DEMOGRAPHICS_SEED",
    "SELECT_BANDS",
    "AuditInputError",
    "AuditReport",
    "CategoryImpact",
    "Demographics",
    "DemographicsTable",
    "DimensionImpact",
    "RateComparison",
    "ScoredCandidate",
    "adverse_impact",
    "age_band_of",
    "audit_files",
    "audit_notes",
    "audit_rows",
    "audit_to_dict",
    "audit_to_html",
    "fisher_exact_p",
    "format_audit_text",
    "make_synthetic_demographics",
    "read_demographics",
    "read_results",
    "sample_demographics_path",
    "two_proportion_z",
    "write_audit_csv",
    "write_audit_html",
    "write_audit_json",
    "write_demographics_csv",
    "write_sample_demographics",
]
