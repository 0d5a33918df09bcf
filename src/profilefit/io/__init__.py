"""Reading assessment exports and labelled data."""

from profilefit.io._files import CSV_SUFFIXES, read_csv_table, read_table
from profilefit.io._json import ECHO_CHARS, JsonRowError, echo, load_json_object
from profilefit.io._results_role import (
    ROLE_COLUMN,
    ResultsRoleError,
    StoredRole,
    role_cell,
    stored_role,
    unrecorded_role_note,
)
from profilefit.io._spreadsheet import FORMULA_START, NEUTRALISED_SUFFIXES, csv_cell, neutralise, unneutralise
from profilefit.io._tables import coerce_row, read_assessments, read_rows, sniff_delimiter

__all__ = [
    "CSV_SUFFIXES",
    "ECHO_CHARS",
    "FORMULA_START",
    "NEUTRALISED_SUFFIXES",
    "ROLE_COLUMN",
    "JsonRowError",
    "ResultsRoleError",
    "StoredRole",
    "coerce_row",
    "csv_cell",
    "echo",
    "load_json_object",
    "neutralise",
    "read_assessments",
    "read_csv_table",
    "read_rows",
    "read_table",
    "role_cell",
    "sniff_delimiter",
    "stored_role",
    "unneutralise",
    "unrecorded_role_note",
]
