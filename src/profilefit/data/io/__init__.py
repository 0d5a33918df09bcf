"""Reading assessment exports and labelled data."""

from profilefit.core.rows import ECHO_CHARS, coerce_row, echo, load_json_object
from profilefit.data.io._files import CSV_SUFFIXES, read_csv_table, read_table
from profilefit.data.io._results_role import ROLE_COLUMN, StoredRole, role_cell, stored_role, unrecorded_role_note
from profilefit.data.io._spreadsheet import FORMULA_START, NEUTRALISED_SUFFIXES, csv_cell, neutralise, unneutralise
from profilefit.data.io._tables import read_assessments, read_rows, sniff_delimiter
from profilefit.exceptions import JsonRowError, ResultsRoleError

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
