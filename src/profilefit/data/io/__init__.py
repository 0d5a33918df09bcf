"""Reading assessment exports and labelled data.

The results file's role rule (``stored_role``, ``role_cell``, ``StoredRole``, ``ROLE_COLUMN``,
``unrecorded_role_note``) moved to :mod:`profilefit.data.results`; its old names here work until
profilefit 0.3, with a FutureWarning.
"""

from typing import Any

from profilefit._moved import moved_attribute
from profilefit.core.rows import ECHO_CHARS, coerce_row, echo, load_json_object
from profilefit.data.io._files import CSV_SUFFIXES, read_csv_header, read_csv_table, read_table
from profilefit.data.io._spreadsheet import FORMULA_START, NEUTRALISED_SUFFIXES, csv_cell, neutralise, unneutralise
from profilefit.data.io._tables import read_assessments, read_rows, sniff_delimiter
from profilefit.exceptions import JsonRowError, ResultsRoleError

__all__ = [
    "CSV_SUFFIXES",
    "ECHO_CHARS",
    "FORMULA_START",
    "NEUTRALISED_SUFFIXES",
    "JsonRowError",
    "ResultsRoleError",
    "coerce_row",
    "csv_cell",
    "echo",
    "load_json_object",
    "neutralise",
    "read_assessments",
    "read_csv_header",
    "read_csv_table",
    "read_rows",
    "read_table",
    "sniff_delimiter",
    "unneutralise",
]


def __getattr__(name: str) -> Any:
    value = moved_attribute(__name__, name)
    globals()[name] = value  # warned once: `from ... import` looks a name up twice
    return value
