"""Candidate reports (text, JSON, HTML) and the shortlist page, in English, Norwegian, Swedish and Dutch."""

from profilefit.reports._candidate import html_report, json_report, text_report, write_reports
from profilefit.reports._render import capped, chart_data, content_security_policy, isolate, page_data
from profilefit.reports._shortlist import (
    DEFAULT_TOP,
    Shortlist,
    ShortlistRow,
    iter_results,
    read_results,
    rows_from_results,
    select_shortlist,
    shortlist_html,
)
from profilefit.reports._strings import Labels, report_languages, report_strings

__all__ = [
    "DEFAULT_TOP",
    "Labels",
    "Shortlist",
    "ShortlistRow",
    "capped",
    "chart_data",
    "content_security_policy",
    "html_report",
    "isolate",
    "iter_results",
    "json_report",
    "page_data",
    "read_results",
    "report_languages",
    "report_strings",
    "rows_from_results",
    "select_shortlist",
    "shortlist_html",
    "text_report",
    "write_reports",
]
