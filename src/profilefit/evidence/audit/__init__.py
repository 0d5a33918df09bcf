"""Adverse-impact audit of screening results by sex, race/ethnicity, their intersections and age band.

Selection and scoring rates, impact ratios and tests per category, and the same for each
classification the model reports (each profile, and undetermined), as NYC Local Law 144 audits
publish them; how often each category needs review or is given each validity flag, against the
least-flagged category; in English, Norwegian, Swedish and Dutch. The audit reads only a results file, a
demographics file and, optionally, the model's manifest and the role; demographics never enter
scoring. See docs/fairness.md for what each figure means and which rules ask for it.
"""

from profilefit.evidence.audit._document import AUDIT_SCHEMA_VERSION, AuditDocument
from profilefit.evidence.audit._html import audit_to_html, write_audit_html
from profilefit.evidence.audit._impact import (
    DEFAULT_SELECT_BAND,
    EXCLUDABLE_SHARE,
    MIN_MATCHED_SHARE,
    SELECT_BANDS,
    AuditReport,
    CategoryImpact,
    ClassificationImpact,
    DimensionImpact,
    FlagImpact,
    adverse_impact,
    audit_files,
)
from profilefit.evidence.audit._inputs import (
    AGE_BANDS,
    FIT_BANDS,
    NEEDS_REVIEW,
    RESULT_COLUMNS,
    Demographics,
    DemographicsTable,
    ResultsFile,
    ScoredCandidate,
    age_band_of,
    read_demographics,
    read_results,
    read_results_file,
    unaudited_note,
)
from profilefit.evidence.audit._rates import (
    FLAG_DISPARITY_ALPHA,
    FLAG_RATIO_THRESHOLD,
    FlagComparison,
    RateComparison,
    fisher_exact_p,
    two_proportion_z,
)
from profilefit.evidence.audit._report import (
    FOUR_FIFTHS_NOTE,
    audit_document,
    audit_rows,
    audit_to_dict,
    format_audit_text,
    write_audit_csv,
    write_audit_json,
)
from profilefit.evidence.audit._scales import ScaleDifference, ScaleStatistics
from profilefit.evidence.audit._sentences import audit_notes
from profilefit.evidence.audit._strings import AuditLabels, audit_languages
from profilefit.evidence.audit._synthetic import (
    SAMPLE_CANDIDATE_IDS,
    SAMPLE_DEMOGRAPHICS_SEED,
    make_synthetic_demographics,
    sample_demographics_path,
    write_demographics_csv,
    write_sample_demographics,
)
from profilefit.evidence.audit._tool import UNDETERMINED, AuditedTool, describe_tool
from profilefit.evidence.stats import FOUR_FIFTHS
from profilefit.exceptions import AuditInputError, AuditMatchError

__all__ = [
    "AGE_BANDS",
    "AUDIT_SCHEMA_VERSION",
    "DEFAULT_SELECT_BAND",
    "EXCLUDABLE_SHARE",
    "FIT_BANDS",
    "FLAG_DISPARITY_ALPHA",
    "FLAG_RATIO_THRESHOLD",
    "FOUR_FIFTHS",
    "FOUR_FIFTHS_NOTE",
    "MIN_MATCHED_SHARE",
    "NEEDS_REVIEW",
    "RESULT_COLUMNS",
    "SAMPLE_CANDIDATE_IDS",
    "SAMPLE_DEMOGRAPHICS_SEED",
    "SELECT_BANDS",
    "UNDETERMINED",
    "AuditDocument",
    "AuditInputError",
    "AuditLabels",
    "AuditMatchError",
    "AuditReport",
    "AuditedTool",
    "CategoryImpact",
    "ClassificationImpact",
    "Demographics",
    "DemographicsTable",
    "DimensionImpact",
    "FlagComparison",
    "FlagImpact",
    "RateComparison",
    "ResultsFile",
    "ScaleDifference",
    "ScaleStatistics",
    "ScoredCandidate",
    "adverse_impact",
    "age_band_of",
    "audit_document",
    "audit_files",
    "audit_languages",
    "audit_notes",
    "audit_rows",
    "audit_to_dict",
    "audit_to_html",
    "describe_tool",
    "fisher_exact_p",
    "format_audit_text",
    "make_synthetic_demographics",
    "read_demographics",
    "read_results",
    "read_results_file",
    "sample_demographics_path",
    "two_proportion_z",
    "unaudited_note",
    "write_audit_csv",
    "write_audit_html",
    "write_audit_json",
    "write_demographics_csv",
    "write_sample_demographics",
]
