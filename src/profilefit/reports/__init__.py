"""Candidate reports (text, JSON, HTML) and the shortlist page, in English, Norwegian, Swedish and Dutch."""

from profilefit.reports._candidate import html_report, json_report, text_report, write_reports
from profilefit.reports._render import isolate
from profilefit.reports._shortlist import ShortlistRow, read_results, rows_from_results, shortlist_html
from profilefit.reports._strings import Labels, report_languages, report_strings

__all__ = [
    "Labels",
    "ShortlistRow",
    "html_report",
    "isolate",
    "json_report",
    "read_results",
    "report_languages",
    "report_strings",
    "rows_from_results",
    "shortlist_html",
    "text_report",
    "write_reports",
]
