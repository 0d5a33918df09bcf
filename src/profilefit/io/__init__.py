"""Reading assessment exports and labelled data."""

from profilefit.io._tables import coerce_row, read_assessments, read_rows, sniff_delimiter

__all__ = ["coerce_row", "read_assessments", "read_rows", "sniff_delimiter"]
