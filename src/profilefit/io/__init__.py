"""Reading assessment exports and labelled data."""

from profilefit.io._files import CSV_SUFFIXES, read_csv_table, read_table
from profilefit.io._json import ECHO_CHARS, JsonRowError, echo, load_json_object
from profilefit.io._spreadsheet import FORMULA_START, csv_cell, neutralise
from profilefit.io._tables import coerce_row, read_assessments, read_rows, sniff_delimiter

__all__ = [
    "CSV_SUFFIXES",
    "ECHO_CHARS",
    "FORMULA_START",
    "JsonRowError",
    "coerce_row",
    "csv_cell",
    "echo",
    "load_json_object",
    "neutralise",
    "read_assessments",
    "read_csv_table",
    "read_rows",
    "read_table",
    "sniff_delimiter",
]
