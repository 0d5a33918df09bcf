"""Candidate reports (text, JSON, HTML) and the shortlist page, in English, Norwegian, Swedish and Dutch."""

from profilefit.exceptions import ResultNotFoundError
from profilefit.pages import capped, content_security_policy, isolate
from profilefit.pages.reports._candidate import html_report, json_report, text_report, write_reports
from profilefit.pages.reports._row import (
    ResultRow,
    find_result_row,
    iter_result_rows,
    relative_link,
    report_file_name,
    row_html_report,
    row_json_report,
    row_text_report,
    write_row_reports,
)
from profilefit.pages.reports._shortlist import (
    DEFAULT_TOP,
    ModelGroup,
    Shortlist,
    ShortlistRow,
    iter_results,
    read_results,
    rows_from_results,
    select_shortlist,
    shortlist_html,
)
from profilefit.pages.reports._strings import Labels, report_languages, report_strings

__all__ = [
    "DEFAULT_TOP",
    "Labels",
    "ModelGroup",
    "ResultNotFoundError",
    "ResultRow",
    "Shortlist",
    "ShortlistRow",
    "capped",
    "content_security_policy",
    "find_result_row",
    "html_report",
    "isolate",
    "iter_result_rows",
    "iter_results",
    "json_report",
    "read_results",
    "relative_link",
    "report_file_name",
    "report_languages",
    "report_strings",
    "row_html_report",
    "row_json_report",
    "row_text_report",
    "rows_from_results",
    "select_shortlist",
    "shortlist_html",
    "text_report",
    "write_reports",
    "write_row_reports",
]
