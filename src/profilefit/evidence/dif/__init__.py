"""Item bias: differential item functioning (DIF) of agreement items, situational options and attention checks.

Mantel–Haenszel statistics with the ETS classes, ordinal logistic regression with the
Zumbo–Thomas and Jodoin–Gierl effect sizes, two-step purification and Benjamini–Hochberg
adjustment; reports as text, JSON and HTML in four languages. Demographics enter only
this analysis, never scoring. See docs/dif.md.
"""

from profilefit.evidence.dif._analysis import FDR, MIN_GROUP_SIZE, AnswerDif, DifComparison, dif_comparison
from profilefit.evidence.dif._document import DIF_SCHEMA_VERSION, DifDocument
from profilefit.evidence.dif._html import dif_to_html, write_dif_html
from profilefit.evidence.dif._inputs import DIMENSIONS, DifInputs, dif_inputs
from profilefit.evidence.dif._json import dif_document, dif_to_dict, write_dif_json
from profilefit.evidence.dif._mantel import BinaryMH, OrdinalMH, binary_mh, ets_class, ets_polytomous_class, ordinal_mh
from profilefit.evidence.dif._ordinal import LogisticDif, OrdinalFit, fit_ordinal_logit, logistic_dif
from profilefit.evidence.dif._report import MIN_COMPARED, DifReport, dif_files, dif_report
from profilefit.evidence.dif._strings import DifText, dif_languages, dif_strings
from profilefit.evidence.dif._text import format_dif_text
from profilefit.evidence.stats import benjamini_hochberg
from profilefit.exceptions import DifInputError

__all__ = [
    "DIF_SCHEMA_VERSION",
    "DIMENSIONS",
    "FDR",
    "MIN_COMPARED",
    "MIN_GROUP_SIZE",
    "AnswerDif",
    "BinaryMH",
    "DifComparison",
    "DifDocument",
    "DifInputError",
    "DifInputs",
    "DifReport",
    "DifText",
    "LogisticDif",
    "OrdinalFit",
    "OrdinalMH",
    "benjamini_hochberg",
    "binary_mh",
    "dif_comparison",
    "dif_document",
    "dif_files",
    "dif_inputs",
    "dif_languages",
    "dif_report",
    "dif_strings",
    "dif_to_dict",
    "dif_to_html",
    "ets_class",
    "ets_polytomous_class",
    "fit_ordinal_logit",
    "format_dif_text",
    "logistic_dif",
    "ordinal_mh",
    "write_dif_html",
    "write_dif_json",
]
