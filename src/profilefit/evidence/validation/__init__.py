"""Evidence from a centre's own hiring outcomes: a local validation study and a role learned from outcomes.

``validate_files`` joins a results file with outcomes measured after hiring and reports the fit's
observed and corrected validity, expectancy tables, outcome means by profile and scale, and
differential prediction by group. ``learn_role`` fits scale weights that predict an outcome and
writes an ordinary role file that carries its evidence. See docs/validation.md.
"""

from profilefit.evidence.validation._cleary import (
    MIN_CLEARY_GROUP,
    DifferentialPrediction,
    GroupPrediction,
    cleary_regression,
    differential_prediction,
)
from profilefit.evidence.validation._document import STUDY_SCHEMA_VERSION, StudyDocument
from profilefit.evidence.validation._html import study_to_html, write_study_html
from profilefit.evidence.validation._impact import format_impact_comparison, impact_comparison
from profilefit.evidence.validation._inputs import INCOMPLETE, Applicants, Outcomes, read_applicants, read_outcomes
from profilefit.evidence.validation._learn import LearnedRole, learn_role, learn_role_files
from profilefit.evidence.validation._report import format_study_text, study_document, study_to_dict, write_study_json
from profilefit.evidence.validation._sample import (
    SAMPLE_OUTCOMES_SEED,
    sample_outcomes_csv,
    sample_outcomes_path,
    write_sample_outcomes,
    write_simulated_centre,
)
from profilefit.evidence.validation._stats import (
    Estimate,
    case_ii,
    correct_for_criterion,
    correlation,
    fisher_interval,
    mean_interval,
    wilson_interval,
)
from profilefit.evidence.validation._study import (
    MIN_STUDY_N,
    ControllerCheck,
    GroupOutcome,
    ScaleOutcome,
    StudyCounts,
    ValidationStudy,
    Validity,
    validate_files,
    validation_study,
)
from profilefit.exceptions import ValidationInputError

__all__ = [
    "INCOMPLETE",
    "MIN_CLEARY_GROUP",
    "MIN_STUDY_N",
    "SAMPLE_OUTCOMES_SEED",
    "STUDY_SCHEMA_VERSION",
    "Applicants",
    "ControllerCheck",
    "DifferentialPrediction",
    "Estimate",
    "GroupOutcome",
    "GroupPrediction",
    "LearnedRole",
    "Outcomes",
    "ScaleOutcome",
    "StudyCounts",
    "StudyDocument",
    "ValidationInputError",
    "ValidationStudy",
    "Validity",
    "case_ii",
    "cleary_regression",
    "correct_for_criterion",
    "correlation",
    "differential_prediction",
    "fisher_interval",
    "format_impact_comparison",
    "format_study_text",
    "impact_comparison",
    "learn_role",
    "learn_role_files",
    "mean_interval",
    "read_applicants",
    "read_outcomes",
    "sample_outcomes_csv",
    "sample_outcomes_path",
    "study_document",
    "study_to_dict",
    "study_to_html",
    "validate_files",
    "validation_study",
    "wilson_interval",
    "write_sample_outcomes",
    "write_simulated_centre",
    "write_study_html",
    "write_study_json",
]
